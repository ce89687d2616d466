package io.pgguard.server.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.pgguard.core.testing.PostgresFixture;
import io.pgguard.server.testing.GuardHarness;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
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

    static PostgresFixture pg;
    static GuardHarness guard;

    @BeforeAll
    static void start() throws Exception {
        pg = PostgresFixture.get();
        CompatSupport.corpusDatabase(pg, DB);
        guard = GuardHarness.startWithText(pg, Files.readString(GuardHarness.referencePolicy().toPath())
                + "\npgguard.rules.rules += { id = write-cap, type = write-row-cap, max-rows = 2 }\n", Map.of());
    }

    @AfterAll
    static void stop() {
        if (guard != null) {
            guard.close();
        }
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
