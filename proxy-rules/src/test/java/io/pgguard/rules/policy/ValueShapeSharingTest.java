package io.pgguard.rules.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.pgguard.rules.Decision;
import io.pgguard.rules.PolicyEngine;
import io.pgguard.rules.RuleSet;
import io.pgguard.rules.TestFiles;
import io.pgguard.rules.lex.ValueLiterals;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Sharing one decision among texts that differ only in value literals must never change a decision: every case
 * is decided with and without sharing, and the two must agree on action, rule and refusal.
 */
class ValueShapeSharingTest {
    private static final RuleSet RULES = TestFiles.exampleRules("reference-policy.conf");

    static final List<String> EXTRA = List.of(
            "SELECT abalance FROM pgbench_accounts WHERE aid = 4711",
            "UPDATE pgbench_accounts SET abalance = abalance + -4270 WHERE aid = 34232",
            "INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES (5, 1, 34232, -4270, CURRENT_TIMESTAMP)",
            "DELETE FROM t WHERE 1 = 1", "DELETE FROM t WHERE 1 = 2", "DELETE FROM t WHERE id = 5 OR 1 = 1",
            "DELETE FROM t WHERE id = 5 OR 'a' = 'a'", "DELETE FROM t WHERE id = id OR id = 3",
            "DELETE FROM t WHERE v LIKE '%'", "DELETE FROM t WHERE v LIKE 'a%'", "DELETE FROM t WHERE id IN (1, 2, 3)",
            "UPDATE t SET v = 'x' WHERE id = 1 OR true", "UPDATE t SET v = 'x' WHERE 'x' = v",
            "SELECT set_config('role', 'bob', false) WHERE 1 = 1", "SELECT set_config('application_name', 'x', false)",
            "SELECT * FROM t WHERE id = 3 LIMIT 5", "SELECT * FROM t WHERE id = 3",
            "SELECT * FROM t WHERE id = '3'::int", "SELECT * FROM t WHERE id = -3",
            "INSERT INTO t VALUES (1, 'a'), (2, 'b') ON CONFLICT (id) DO UPDATE SET v = 'c'",
            "WITH d AS (DELETE FROM t WHERE id = 4 RETURNING *) SELECT count(*) FROM d",
            "MERGE INTO t USING (VALUES (1, 'm')) AS s(id, v) ON t.id = s.id WHEN MATCHED THEN UPDATE SET v = s.v",
            "SELECT * FROM t WHERE id = 1; DELETE FROM t WHERE id = 2", "SELECT 1 WHERE 2 = 3; SET ROLE bob",
            "SELECT pg_read_file('x') WHERE 1 = 1", "SELECT * FROM pg_catalog.pg_class WHERE relname = 't'",
            "DELETE FROM other_schema.t WHERE id = 1", "UPDATE t SET v = v WHERE id = 1 AND 2 > 1",
            "SELECT * FROM t WHERE id = $1 AND v = 'x'",
            "SELECT set_config(name, 'view, foreign-table', false) FROM pg_settings WHERE name = 'restrict_nonsystem_relation_kind'",
            "SELECT set_config(name, 'postgres', false) FROM pg_settings WHERE name = 'role'");

    @TestFactory
    Stream<DynamicTest> sharingChangesNoDecision() {
        List<String> texts = new ArrayList<>();
        for (String file : new String[] {"benign.jsonl", "adversarial.jsonl"}) {
            TestFiles.corpus(file).forEach(c -> texts.add(c.sql()));
        }
        texts.addAll(EXTRA);
        PolicyEngine shared = new PolicyEngine(RULES, 10_000, true);
        PolicyEngine exact = new PolicyEngine(RULES, 10_000, false);
        List<DynamicTest> tests = new ArrayList<>();
        for (String sql : texts) {
            tests.add(DynamicTest.dynamicTest(TestFiles.display(sql), () -> {
                var ctx = CorpusPolicyTest.appRw(sql);
                Decision a = exact.decide(sql, ctx);
                Decision b = shared.decide(sql, ctx);
                // decide twice more so the second answer comes from the shared shape
                Decision c = shared.decide(sql.replace("4711", "4712"), ctx);
                assertEquals(a.action(), b.action(), sql);
                assertEquals(a.matchedRuleId(), b.matchedRuleId(), sql);
                assertEquals(rule(a), rule(b), sql);
                assertEquals(sql, b.sql().equals(sql) || b.action() == Decision.Action.REWRITE ? sql : b.sql(),
                        "the client's own text is kept");
                assertEquals(a.action(), c.action(), sql);
            }));
        }
        return tests.stream();
    }

    private static String rule(Decision d) {
        return d.rejection() == null ? null : Objects.toString(d.rejection().ruleId());
    }

    /** Written values become parameters numbered from 100001, above any a client can bind. */
    @Test
    void onlyValueLiteralsBecomeParameters() {
        assertEquals("SELECT abalance FROM pgbench_accounts WHERE aid = $100001",
                ValueLiterals.parameterize("SELECT abalance FROM pgbench_accounts WHERE aid = 4711", true));
        assertEquals("UPDATE a SET b = b + $100001 WHERE aid = $100002",
                ValueLiterals.parameterize("UPDATE a SET b = b + -42 WHERE aid = 7", true));
        assertEquals("INSERT INTO h VALUES ($100001, $100002, now()), ($100003, $100004, now())",
                ValueLiterals.parameterize("INSERT INTO h VALUES (1, 'x', now()), (2, 'y', now())", true));
        assertEquals("DELETE FROM t WHERE 1 = 1 OR id = $100001",
                ValueLiterals.parameterize("DELETE FROM t WHERE 1 = 1 OR id = 5", true));
        assertEquals("SELECT * FROM t WHERE id IN ($100001, $100002) AND v = $1",
                ValueLiterals.parameterize("SELECT * FROM t WHERE id IN (1, 2) AND v = $1", true));
        assertNull(ValueLiterals.parameterize("SET search_path = 'public'", true));
        assertNull(ValueLiterals.parameterize("SELECT set_config('role', 'bob', false)", true));
        assertNull(ValueLiterals.parameterize("DELETE FROM t WHERE v LIKE '%'", true));
        assertNull(ValueLiterals.parameterize("SELECT * FROM t LIMIT 5", true));
        assertNotNull(ValueLiterals.parameterize("SELECT 1 FROM t WHERE \"Id\" = 3", true));
    }
}
