package io.pgguard.core.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgguard.core.inspect.StatementInspector;
import io.pgguard.core.testing.Cli;
import io.pgguard.core.testing.PostgresFixture;
import io.pgguard.core.testing.ProxyHarness;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The same psql script, run directly and through PgGuard, gives the same transcript: rows, NULLs, command tags,
 * errors with their SQLSTATE, notices, empty queries, COPY in both directions.
 */
class DifferentialTest {

    @Test
    void transcriptThroughTheProxyEqualsTheDirectOne() throws Exception {
        PostgresFixture pg = PostgresFixture.get();
        pg.role("diff_user", "diff_pw");
        pg.sql("GRANT CREATE ON SCHEMA public TO diff_user");
        String script;
        try (InputStream in = DifferentialTest.class.getResourceAsStream("/differential/script.sql")) {
            script = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        String direct = transcript(pg.port(), script);
        String proxied;
        try (ProxyHarness proxy = new ProxyHarness(pg, StatementInspector.ALLOW_ALL)) {
            proxied = transcript(proxy.port(), script);
        }
        assertTrue(direct.contains("42P01") && direct.contains("22012") && direct.contains("23505")
                && direct.contains("COPY 2") && direct.contains("a parameter"), direct);
        assertEquals(direct, proxied);
    }

    static String transcript(int port, String script) throws Exception {
        Cli.Result r = Cli.run(List.of(Cli.require("psql"), "-X", "-a", "-h", "127.0.0.1", "-p",
                Integer.toString(port), "-U", "diff_user", "-d", "postgres"), Map.of("PGPASSWORD", "diff_pw"),
                script, 60);
        return r.stdout() + "\n--- stderr ---\n" + r.stderr().replaceAll("psql:<stdin>:\\d+: ", "");
    }
}
