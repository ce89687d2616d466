package io.pgguard.server.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgguard.core.testing.Cli;
import io.pgguard.core.testing.PostgresFixture;
import io.pgguard.server.testing.GuardHarness;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * psql as a person uses it (compat/psql-session.sql: \l, \dn, \dt, \d TABLE, \d+ TABLE, \di, \df, \du, \dp, \x,
 * \copy both ways, \gset, ON_ERROR_ROLLBACK with psql's own savepoints, PREPARE/EXECUTE), as app_rw through
 * PgGuard with the reference policy and straight against PostgreSQL, on two databases loaded from the corpus
 * schema. The transcripts (stdout and stderr) and the files \copy wrote must be identical, and nothing refused.
 */
class PsqlCompatTest {
    static final String DIRECT_DB = "psql_direct";
    static final String PROXY_DB = "psql_proxy";

    static PostgresFixture pg;
    static GuardHarness guard;
    static Path dir;

    @BeforeAll
    static void start() throws Exception {
        Cli.require("psql");
        pg = PostgresFixture.get();
        CompatSupport.corpusDatabase(pg, DIRECT_DB);
        CompatSupport.corpusDatabase(pg, PROXY_DB);
        guard = GuardHarness.start(pg, GuardHarness.referencePolicy(), Map.of());
        dir = Files.createTempDirectory("pgguard-psql-compat");
    }

    @AfterAll
    static void stop() throws Exception {
        if (guard != null) {
            guard.close();
        }
        if (dir != null) {
            try (var files = Files.list(dir)) {
                for (Path f : files.toList()) {
                    Files.delete(f);
                }
            }
            Files.delete(dir);
        }
    }

    @Test
    void psqlSessionThroughPgGuardEqualsDirect() throws Exception {
        Path in = dir.resolve("in.csv");
        Path out = dir.resolve("out.csv");
        StringBuilder csv = new StringBuilder();
        for (int i = 0; i < 300; i++) {
            csv.append(100 + i).append(",\"row ").append(i).append(", with comma\"\n");
        }
        Files.writeString(in, csv.toString());
        String script;
        try (InputStream s = PsqlCompatTest.class.getResourceAsStream("/compat/psql-session.sql")) {
            script = new String(s.readAllBytes(), StandardCharsets.UTF_8)
                    .replace("@CSV_IN@", in.toString()).replace("@CSV_OUT@", out.toString());
        }
        String direct = transcript(pg.port(), DIRECT_DB, script);
        String directCopy = Files.readString(out);
        Files.delete(out);
        String proxied = transcript(guard.port(), PROXY_DB, script);
        String proxiedCopy = Files.readString(out);

        assertFalse(proxied.contains("PgGuard"), () -> "PgGuard refused something psql sent:\n" + proxied);
        assertEquals(direct, proxied, "psql through PgGuard differs from direct");
        assertEquals(directCopy, proxiedCopy, "\\copy TO wrote the same file");
        // the script really did what it is meant to
        assertTrue(direct.contains("Table \"public.orders\"") && direct.contains("orders_customer_idx"), direct);
        assertTrue(direct.contains("n=303 top=399"), direct);
        assertTrue(direct.contains("COPY 300") && direct.contains("COPY 2"), direct);
        assertTrue(direct.contains(" 9001 | in transaction") && direct.contains(" 9002 | after three errors"), direct);
        assertTrue(direct.contains("duplicate key value") && direct.contains("22012: division by zero")
                && direct.contains("\"no_such_table\" does not exist"), direct);
        assertTrue(direct.contains("ROLLBACK"), direct);
        assertTrue(direct.contains("eve@example.com"), direct);
        assertTrue(directCopy.startsWith("1,a\n") && directCopy.contains("399,\"row 299, with comma\""), directCopy);
    }

    static String transcript(int port, String database, String script) throws Exception {
        Cli.Result r = Cli.run(List.of(Cli.require("psql"), "-X", "-a", "-h", "127.0.0.1", "-p", Integer.toString(port),
                "-U", CompatSupport.APP_USER, "-d", database), Map.of("PGPASSWORD", CompatSupport.APP_PASSWORD,
                "PGTZ", "UTC", "PGAPPNAME", "psql"), script, 120);
        String all = r.stdout() + "\n--- stderr ---\n" + r.stderr() + "\n--- exit " + r.exitCode();
        return all.replace(DIRECT_DB, "<database>").replace(PROXY_DB, "<database>");
    }
}
