package io.pgguard.server.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.pgguard.core.testing.PostgresFixture;
import io.pgguard.server.testing.GuardHarness;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What a client sends after a statement under a write cap waits in PgGuard until the statement's answer is back.
 * Past 1 MB of such messages PgGuard stops reading the client, and reads it again once the statement is answered:
 * a client that pipelines more than that gets every answer, in order, and nothing is lost.
 */
class HeldPipelineEndToEndTest {
    static final String DB = "held_pipeline";
    /** About 1.4 MB of Query messages: more than PgGuard holds before it stops reading the client. */
    static final int QUERIES_AFTER = 100_000;

    /** app_rw may read s2 and write public; no rule limits its search_path. */
    static final String SCHEMA_GRANTS = """
            pgguard.rules {
              id = held-pipeline
              users-without-rules = allow
              catalog-reads = allow
              users { app_rw = [app] }
              roles {
                app {
                  statements = [DML, SESSION, TRANSACTION]
                  tables = [ { on = ["public.*"], privileges = [SELECT, INSERT, UPDATE, DELETE] }
                             { on = ["s2.*"], privileges = [SELECT] } ]
                }
              }
              rules = [ { id = grants, type = grants, message = "not granted" } ]
            }
            """;

    static PostgresFixture pg;
    static GuardHarness guard;
    static GuardHarness schemaGuard;

    @BeforeAll
    static void start() throws Exception {
        pg = PostgresFixture.get();
        CompatSupport.corpusDatabase(pg, DB);
        guard = GuardHarness.startReferencePolicyWith(pg, "{ id = write-cap, type = write-row-cap, max-rows = 2 }");
        schemaGuard = GuardHarness.startWithText(pg, SCHEMA_GRANTS, Map.of());
        CompatSupport.exec(pg, DB, "CREATE SCHEMA s2; CREATE TABLE s2.t (id int PRIMARY KEY, v text);"
                + " INSERT INTO s2.t VALUES (1, 'a'); GRANT USAGE ON SCHEMA s2 TO " + CompatSupport.APP_USER
                + "; GRANT ALL ON s2.t TO " + CompatSupport.APP_USER);
    }

    @AfterAll
    static void stop() {
        for (GuardHarness g : new GuardHarness[] {guard, schemaGuard}) {
            if (g != null) {
                g.close();
            }
        }
    }

    /**
     * A Query sent right after a SET search_path, before its answer, runs with the new path: PgGuard judges it
     * once the SET is answered (at its ReadyForQuery, not at the CommandComplete before it), so the UPDATE is of
     * s2.t, which app_rw may only read.
     */
    @Test
    void aQueryPipelinedAfterSetSearchPathIsJudgedOnTheNewPath() throws Exception {
        try (WireClient client = WireClient.connect("127.0.0.1", schemaGuard.port(), CompatSupport.APP_USER,
                CompatSupport.APP_PASSWORD, DB)) {
            List<WireClient.Result> answers = client.pipeline(2, WireClient.queryMessage(bytes("SET search_path = s2")),
                    WireClient.queryMessage(bytes("UPDATE t SET v = 'x' WHERE id = 1")));
            assertFalse(answers.get(0).failed(), answers.get(0)::transcript);
            assertEquals("42501", answers.get(1).sqlState(), answers.get(1)::transcript);
        }
        assertEquals(List.of("#v", "a"), CompatSupport.query(pg, DB, "SELECT v FROM s2.t"));
    }

    @Test
    @Timeout(120)
    void morePipelinedThanPgGuardHoldsBehindACappedWriteAllGetAnswered() throws Exception {
        ByteArrayOutputStream burst = new ByteArrayOutputStream();
        // The capped write takes half a second, so the client's burst piles up behind it.
        burst.writeBytes(WireClient.queryMessage(
                bytes("UPDATE t SET v = v WHERE id = 1 AND pg_sleep(0.5) IS NOT NULL")));
        for (int i = 0; i < QUERIES_AFTER; i++) {
            burst.writeBytes(WireClient.queryMessage(bytes("SELECT " + (i % 10))));
        }
        assertFalse(burst.size() < (1 << 20) + 100_000, "the burst exceeds the 1 MB PgGuard holds");
        try (WireClient client = WireClient.connect("127.0.0.1", guard.port(), CompatSupport.APP_USER,
                CompatSupport.APP_PASSWORD, DB)) {
            List<WireClient.Result> answers = client.pipelineWhileReading(QUERIES_AFTER + 1, burst.toByteArray());
            assertFalse(answers.get(0).failed(), answers.get(0)::transcript);
            assertEquals(List.of("C UPDATE 1", "Z I"), answers.get(0).lines());
            for (int i = 0; i < QUERIES_AFTER; i++) {
                List<String> lines = answers.get(i + 1).lines();
                assertEquals("D " + (i % 10), lines.get(1), "answer " + (i + 1) + " in its place");
            }
            assertEquals(List.of("D 1"), client.query("SELECT 1").lines().stream()
                    .filter(l -> l.startsWith("D ")).toList(), "the session goes on");
        }
    }

    private static byte[] bytes(String ascii) {
        return ascii.getBytes(StandardCharsets.US_ASCII);
    }
}
