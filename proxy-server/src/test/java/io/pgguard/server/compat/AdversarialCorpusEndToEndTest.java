package io.pgguard.server.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.pgguard.core.testing.PostgresFixture;
import io.pgguard.server.compat.CompatSupport.Case;
import io.pgguard.server.testing.GuardHarness;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Every case of shared/corpus/adversarial.jsonl through PgGuard (reference policy) as app_rw, on a database loaded
 * from schema.sql, each on a new connection exactly as the corpus describes it (one simple Query, or one Parse for
 * $n statements). expect=reject: the client gets SQLSTATE 42501 from PgGuard, table t still holds its three rows,
 * no t_copy was created, and the same connection still acts as app_rw. expect=allow: the statement succeeds
 * (t is restored afterwards). Each case is its own test named by its SQL.
 */
class AdversarialCorpusEndToEndTest {
    static final String DB = "corpus_adversarial";
    static final List<String> T_ROWS = List.of("#id|v", "1|a", "2|b", "3|c");

    static PostgresFixture pg;
    static GuardHarness guard;
    static int total;
    static int misses;
    static int falseRejects;

    @BeforeAll
    static void start() throws Exception {
        pg = PostgresFixture.get();
        CompatSupport.corpusDatabase(pg, DB);
        guard = GuardHarness.start(pg, GuardHarness.referencePolicy(), Map.of());
    }

    @AfterAll
    static void stop() {
        System.out.printf("ADVERSARIAL CORPUS END TO END (reference policy, app_rw): %d cases, misses %d, "
                + "false rejects %d%n", total, misses, falseRejects);
        if (guard != null) {
            guard.close();
        }
    }

    @TestFactory
    Stream<DynamicTest> adversarialCorpus() {
        return CompatSupport.corpus("adversarial.jsonl").stream().map(c -> DynamicTest.dynamicTest(
                "[" + c.expect() + "] " + CompatSupport.display(c.sql()), () -> run(c)));
    }

    /**
     * The refused cases again, each in one Parse (drivers' default): PostgreSQL itself refuses a multi-statement
     * Parse, so the client may see PgGuard's 42501 or PostgreSQL's own error, but nothing may happen to t.
     */
    @TestFactory
    Stream<DynamicTest> refusedCasesInTheExtendedProtocol() {
        return CompatSupport.corpus("adversarial.jsonl").stream().filter(c -> !c.expectAllow())
                .map(c -> DynamicTest.dynamicTest("[reject, extended] " + CompatSupport.display(c.sql()), () -> {
                    WireClient.Result r;
                    List<String> whoAfter = new ArrayList<>();
                    try (WireClient client = WireClient.connect("127.0.0.1", guard.port(), CompatSupport.APP_USER,
                            CompatSupport.APP_PASSWORD, DB)) {
                        r = client.extended(c.sql());
                        if (r.status() != 'I') {
                            client.query("ROLLBACK");
                        }
                        for (String line : client.query("SELECT current_user, session_user").lines()) {
                            if (line.startsWith("D ")) {
                                whoAfter.add(line.substring(2));
                            }
                        }
                    }
                    List<String> t = CompatSupport.query(pg, DB, "SELECT id, v FROM t ORDER BY id");
                    List<String> copies = CompatSupport.query(pg, DB,
                            "SELECT count(*) AS n FROM pg_class WHERE relname = 't_copy'");
                    restore();
                    assertTrue(r.failed(), () -> "MISS in the extended protocol: " + c.sql() + "\n" + r.transcript());
                    assertEquals(T_ROWS, t, () -> "table t changed: " + c.sql() + "\n" + r.transcript());
                    assertEquals(List.of("#n", "0"), copies, () -> "t_copy was created: " + c.sql());
                    assertEquals(List.of("app_rw|app_rw"), whoAfter, () -> "the acting role changed: " + c.sql());
                }));
    }

    private static void run(Case c) throws Exception {
        total++;
        WireClient.Result r;
        List<String> whoAfter = new ArrayList<>();
        try (WireClient client = WireClient.connect("127.0.0.1", guard.port(), CompatSupport.APP_USER,
                CompatSupport.APP_PASSWORD, DB)) {
            r = c.parameterised() ? client.extended(c.sql()) : client.query(c.sql());
            if (r.status() != 'I') {
                client.query("ROLLBACK");
            }
            for (String line : client.query("SELECT current_user, session_user").lines()) {
                if (line.startsWith("D ")) {
                    whoAfter.add(line.substring(2));
                }
            }
        }
        List<String> t = CompatSupport.query(pg, DB, "SELECT id, v FROM t ORDER BY id");
        List<String> copies = CompatSupport.query(pg, DB, "SELECT count(*) AS n FROM pg_class WHERE relname = 't_copy'");
        restore();

        boolean refusedByGuard = "42501".equals(r.sqlState()) && r.errors().get(0).getOrDefault('M', "").startsWith("PgGuard");
        boolean harmless = t.equals(T_ROWS) && copies.equals(List.of("#n", "0")) && whoAfter.equals(List.of("app_rw|app_rw"));
        if (c.expectAllow()) {
            if (refusedByGuard) {
                falseRejects++;
                fail("FALSE REJECT by PgGuard (" + c.why() + "): " + c.sql() + "\n" + r.transcript());
            }
            assertTrue(!r.failed(), () -> "expected to succeed (" + c.why() + "): " + c.sql() + "\n" + r.transcript());
            assertEquals(List.of("app_rw|app_rw"), whoAfter);
        } else {
            if (!refusedByGuard || !harmless) {
                misses++;
            }
            assertEquals("42501", r.sqlState(), () -> "MISS: PgGuard let this through (" + c.why() + "): " + c.sql()
                    + "\n" + r.transcript());
            assertTrue(refusedByGuard, () -> "refused, but not by PgGuard: " + r.transcript());
            assertEquals(T_ROWS, t, () -> "table t changed although the statement was refused: " + c.sql());
            assertEquals(List.of("#n", "0"), copies, () -> "t_copy was created: " + c.sql());
            assertEquals(List.of("app_rw|app_rw"), whoAfter, () -> "the acting role changed: " + c.sql());
            assertTrue(r.transcript().endsWith("Z I"), () -> "a refused simple Query ends idle:\n" + r.transcript());
        }
    }

    private static void restore() throws Exception {
        CompatSupport.exec(pg, DB, "DROP TABLE IF EXISTS t_copy; SET ROLE app_rw; "
                + "CREATE TABLE IF NOT EXISTS t (id int PRIMARY KEY, v text); DELETE FROM t; "
                + "INSERT INTO t VALUES (1, 'a'), (2, 'b'), (3, 'c'); RESET ROLE");
    }
}
