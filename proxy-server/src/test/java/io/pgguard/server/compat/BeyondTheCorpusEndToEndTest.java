package io.pgguard.server.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.pgguard.core.testing.PostgresFixture;
import io.pgguard.server.testing.GuardHarness;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * "The cases are a floor": statements not in the corpus that real clients send (must behave exactly as direct)
 * and obvious variants of refused ones (must be refused, t untouched), as app_rw under the reference policy.
 */
class BeyondTheCorpusEndToEndTest {
    static final String DIRECT_DB = "beyond_direct";
    static final String PROXY_DB = "beyond_proxy";
    static final List<String> T_ROWS = List.of("#id|v", "1|a", "2|b", "3|c");

    /** Reads and writes applications and drivers send. */
    static final List<String> BENIGN = List.of(
            // pgjdbc DatabaseMetaData.getPrimaryKeys/getIndexInfo/getBestRowIdentifier call this built-in
            // (an IMMUTABLE SQL function initdb creates in information_schema)
            "SELECT (information_schema._pg_expandarray(ARRAY[10, 20])).n, (information_schema._pg_expandarray(ARRAY[10, 20])).x",
            // COLLATE on a select-list expression (ORMs sorting/ comparing case-sensitively)
            "SELECT v::text COLLATE \"C\" AS v FROM t ORDER BY 1",
            "SELECT v FROM t ORDER BY v COLLATE \"C\"",
            "SELECT id FROM t WHERE id = 1 FOR UPDATE OF t NOWAIT",
            "SELECT * FROM information_schema.key_column_usage WHERE table_name = 'orders' ORDER BY constraint_name, ordinal_position",
            "SELECT c.relname FROM pg_class c WHERE c.relname OPERATOR(pg_catalog.~) '^(orders)$' COLLATE pg_catalog.default",
            "SELECT to_char(timestamptz '2026-01-01 00:00+00' AT TIME ZONE 'UTC', 'YYYY'), format('%s-%s', 1, 2), md5('x'), encode(sha256('x'), 'hex')",
            "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 3) SELECT n FROM r",
            "INSERT INTO t (id, v) VALUES (77, 'q') ON CONFLICT (id) DO UPDATE SET v = EXCLUDED.v WHERE t.id = 77",
            "SELECT setval('hibernate_sequence', 100)",
            "SELECT * FROM ROWS FROM (generate_series(1, 2), generate_series(1, 3)) AS x(a, b)",
            "SELECT id FROM t ORDER BY id FETCH FIRST 1 ROW WITH TIES",
            "SET search_path = \"$user\", public",
            "SELECT pg_catalog.set_config('search_path', 'public', false)",
            // an empty IN list as ORMs render it: a constant-false WHERE changes nothing and must pass
            "DELETE FROM t WHERE 1 != 1",
            "UPDATE t SET v = 'never' WHERE 1 = 0",
            "UPDATE t SET v = u.v FROM (VALUES (2, 'b')) AS u(id, v) WHERE u.id = t.id",
            // PostgreSQL syntax JSqlParser lacks, which applications send (found by a hunt with real clients)
            "SELECT id FROM t ORDER BY id FETCH FIRST ROW ONLY",
            "SELECT id FROM t ORDER BY id OFFSET 1 ROWS FETCH NEXT ROWS ONLY",
            "SELECT EXISTS (SELECT FROM t WHERE id = 1)",
            "SELECT uuid, current FROM (VALUES ('00000000-0000-0000-0000-000000000000'::uuid, 1)) AS x(uuid, current)",
            "SELECT int, real, numeric FROM (VALUES (1, 2.5, 3)) AS x(int, real, numeric) ORDER BY int",
            "SELECT count(*) FROM t GROUP BY ROLLUP (v) ORDER BY 1",
            "SELECT count(*) FROM t GROUP BY DISTINCT v ORDER BY 1",
            "SELECT v ^@ 'a', v !~~* 'B%', '{\"a\": [1, 3]}'::jsonb @? '$.a[*] ? (@ > 2)', '10.1.2.3'::inet <<= '10.0.0.0/8' FROM t ORDER BY id",
            "UPDATE ONLY t SET v = v WHERE id = 1",
            "UPDATE t SET (id, v) = ROW(1, 'a') WHERE id = 1",
            "SELECT v FROM t ORDER BY v USING >",
            "MERGE INTO t USING (VALUES (1, 'a')) AS s(id, v) ON t.id = s.id WHEN MATCHED THEN DO NOTHING WHEN NOT MATCHED THEN INSERT VALUES (s.id, s.v)",
            "MERGE INTO t USING (VALUES (1)) AS s(id) ON t.id = s.id WHEN NOT MATCHED THEN INSERT DEFAULT VALUES",
            "SELECT count(*) FROM t TABLESAMPLE SYSTEM (100) REPEATABLE (7)",
            "SELECT o.id FROM orders o JOIN customers c ON o.customer_id = c.id WHERE o.id = 1 FOR UPDATE OF o FOR SHARE OF c");

    /**
     * Unrestricted writes in forms the reference policy names: x = x with the same expression on both sides, and
     * conditions that name no column of the written table, so that they keep every row or none.
     */
    static final List<String> HARMFUL = List.of(
            "DELETE FROM t WHERE coalesce(id, 0) = coalesce(id, 0)",
            "UPDATE t SET v = 'x' WHERE lower(v) = lower(v)",
            "DELETE FROM t WHERE 1 IN (1)",
            "DELETE FROM t WHERE (SELECT true)",
            "UPDATE t SET v = 'x' WHERE coalesce(NULL, true)",
            "DELETE FROM t WHERE lower('A') = 'a'",
            "DELETE FROM t WHERE random() < 2",
            "DELETE FROM t USING (VALUES (1)) AS u(x) WHERE u.x = 1",
            // found by a review against PostgreSQL 15: each deleted or changed rows before
            "SELECT E'x' --\n'\\' FROM t WHERE v = '; DELETE FROM t; --'",
            "EXPLAIN (\"analyze\") DELETE FROM t",
            "EXPLAIN (U&\"analyze\", COSTS off) DELETE FROM t",
            "DELETE FROM t WHERE id = t.id",
            "DELETE FROM t WHERE id BETWEEN id AND id",
            "DELETE FROM t WHERE id = 1 OR 1::bool",
            "UPDATE t SET v = 'x' WHERE id = 1 OR 'yes'",
            "DELETE FROM t WHERE id = 1 OR 1 + 1 = 2",
            "DELETE FROM t WHERE EXISTS (SELECT 1 FROM t t2 WHERE t2.id = t.id)",
            "DELETE FROM t USING (SELECT * FROM t) t2 WHERE t.id = t2.id",
            "DELETE FROM t WHERE id = ANY (SELECT id FROM t)",
            "DELETE FROM t WHERE t *>= t",
            "DELETE FROM t WHERE id = 5 OR v ~>=~ v",
            "DELETE FROM t WHERE id = 1 OR current_date > '2000-01-01'",
            "DELETE FROM t WHERE id = 1 OR current_user = 'app_rw'",
            "DELETE FROM t WHERE id = 1 OR (1) IN (1)",
            // MERGE's DO NOTHING is left out for the parser: the clause after it is judged as if it had no shield
            "MERGE INTO t USING t AS s ON true WHEN MATCHED AND s.v = 'zz' THEN DO NOTHING WHEN MATCHED THEN DELETE",
            "DELETE FROM t USING t AS s TABLESAMPLE BERNOULLI (100) WHERE t.id = s.id",
            // and these ran SQL from a string past the denied-functions rule
            "SELECT position('a' in query_to_xml('select 1', true, true, '')::text)",
            "SELECT xmlroot(xmlparse(document '<a/>'), version query_to_xml('select 1', true, true, '')::text)");

    static PostgresFixture pg;
    static GuardHarness guard;
    static WireClient direct;
    static WireClient proxied;

    @BeforeAll
    static void start() throws Exception {
        pg = PostgresFixture.get();
        CompatSupport.corpusDatabase(pg, DIRECT_DB);
        CompatSupport.corpusDatabase(pg, PROXY_DB);
        guard = GuardHarness.start(pg, GuardHarness.referencePolicy(), Map.of());
        direct = WireClient.connect(pg.host(), pg.port(), CompatSupport.APP_USER, CompatSupport.APP_PASSWORD, DIRECT_DB);
        proxied = WireClient.connect("127.0.0.1", guard.port(), CompatSupport.APP_USER, CompatSupport.APP_PASSWORD,
                PROXY_DB);
    }

    @AfterAll
    static void stop() {
        for (WireClient c : new WireClient[] {direct, proxied}) {
            if (c != null) {
                c.close();
            }
        }
        if (guard != null) {
            guard.close();
        }
    }

    @TestFactory
    Stream<DynamicTest> benignStatementsBehaveAsDirect() {
        return BENIGN.stream().map(sql -> DynamicTest.dynamicTest(CompatSupport.display(sql), () -> {
            String expected = normalize(direct.query(sql));
            String actual = normalize(proxied.query(sql));
            assertFalse(actual.contains("PgGuard"), () -> "FALSE REJECT: " + sql + "\n" + actual);
            assertEquals(expected, actual, sql);
        }));
    }

    @TestFactory
    Stream<DynamicTest> unrestrictedWritesAreRefused() {
        return HARMFUL.stream().map(sql -> DynamicTest.dynamicTest(CompatSupport.display(sql), () -> {
            CompatSupport.exec(pg, PROXY_DB, "DELETE FROM t; INSERT INTO t VALUES (1, 'a'), (2, 'b'), (3, 'c')");
            WireClient.Result r = proxied.query(sql);
            List<String> t = CompatSupport.query(pg, PROXY_DB, "SELECT id, v FROM t ORDER BY id");
            CompatSupport.exec(pg, PROXY_DB, "DELETE FROM t; INSERT INTO t VALUES (1, 'a'), (2, 'b'), (3, 'c')");
            assertEquals("42501", r.sqlState(), () -> "MISS: " + sql + "\n" + r.transcript());
            assertEquals(T_ROWS, t, sql);
        }));
    }

    private static String normalize(WireClient.Result r) {
        return r.transcript().replace(DIRECT_DB, "<database>").replace(PROXY_DB, "<database>");
    }
}
