package io.pgguard.server.rules;

import com.typesafe.config.ConfigFactory;
import io.pgguard.rules.PolicyEngine;
import io.pgguard.rules.RuleSet;
import io.pgguard.rules.StatementContext;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the classifier over typical statements once at start, on a throwaway engine, so the first real
 * statements are not judged by a cold JIT: a cold parse can take long enough to hit the parse time budget, and a
 * statement refused for that is a false reject.
 */
public final class ParserWarmUp {
    private static final Logger log = LoggerFactory.getLogger(ParserWarmUp.class);
    private static final String RULES = "id = warm-up, users { pgguard_warmup = [r] }, roles { r { statements = [ALL], "
            + "tables = [ { on = [\"*.*\"], privileges = [ALL] } ] } }, rules = [ { id = w, type = require-where, "
            + "kinds = [UPDATE, DELETE] }, { id = g, type = grants } ]";
    private static final List<String> STATEMENTS = List.of(
            "SELECT abalance FROM pgbench_accounts WHERE aid = $1",
            "UPDATE pgbench_accounts SET abalance = abalance + $1 WHERE aid = $2",
            "INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES ($1, $2, $3, $4, CURRENT_TIMESTAMP)",
            "DELETE FROM orders WHERE id = $1 AND version = $2 RETURNING id",
            "SELECT c.id, count(o.id) FROM customers c LEFT JOIN orders o ON o.customer_id = c.id "
                    + "JOIN items i ON i.order_id = o.id WHERE c.active GROUP BY c.id HAVING count(o.id) > 1 ORDER BY 2 DESC LIMIT 10",
            "WITH x AS (UPDATE t SET v = 'a' WHERE id = 1 RETURNING id) SELECT count(*) FROM x",
            "INSERT INTO t (id, v) VALUES (1, 'a') ON CONFLICT (id) DO UPDATE SET v = EXCLUDED.v",
            "MERGE INTO t USING (VALUES (1, 'm')) AS s(id, v) ON t.id = s.id WHEN MATCHED THEN UPDATE SET v = s.v",
            "SELECT n.nspname, c.relname FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
                    + "WHERE c.relkind IN ('r', 'v') AND pg_catalog.pg_table_is_visible(c.oid) ORDER BY 1, 2",
            "BEGIN; SET LOCAL lock_timeout = '1s'; SELECT 1; COMMIT",
            "SELECT id FROM orders WHERE status = 'new' ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED");

    private ParserWarmUp() {}

    public static void run() {
        long start = System.nanoTime();
        PolicyEngine engine = new PolicyEngine(RuleSet.fromConfig(ConfigFactory.parseString(RULES)), 0);
        StatementContext context = StatementContext.of("pgguard_warmup", "warmup", "warmup");
        for (int round = 0; round < 5; round++) {
            for (String sql : STATEMENTS) {
                engine.decide(sql, context);
            }
        }
        log.info("rules engine warmed up in {} ms", (System.nanoTime() - start) / 1_000_000);
    }
}
