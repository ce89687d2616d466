package io.pgguard.core.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgguard.core.inspect.StatementInspector;
import io.pgguard.core.testing.Cli;
import io.pgguard.core.testing.PostgresFixture;
import io.pgguard.core.testing.ProxyHarness;
import java.io.File;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** psql and pgbench, the real binaries, through the proxy. */
class CommandLineClientsTest {
    static PostgresFixture pg;
    static ProxyHarness proxy;
    static final Map<String, String> ENV = Map.of("PGPASSWORD", "cli_pw");

    @BeforeAll
    static void start() throws Exception {
        pg = PostgresFixture.get();
        proxy = new ProxyHarness(pg, StatementInspector.ALLOW_ALL);
        pg.role("cli_user", "cli_pw");
        pg.sql("DROP DATABASE IF EXISTS cli_db; CREATE DATABASE cli_db OWNER cli_user");
    }

    @AfterAll
    static void stop() {
        proxy.close();
    }

    static List<String> psql(String... args) {
        List<String> cmd = new ArrayList<>(List.of(Cli.require("psql"), "-X", "-v", "ON_ERROR_STOP=1", "-h",
                "127.0.0.1", "-p", Integer.toString(proxy.port()), "-U", "cli_user", "-d", "cli_db"));
        cmd.addAll(List.of(args));
        return cmd;
    }

    @Test
    void psqlRunsScriptsMetaCommandsAndCopy() throws Exception {
        File csv = File.createTempFile("pgguard-copy", ".csv");
        File back = File.createTempFile("pgguard-copy-back", ".csv");
        StringBuilder rows = new StringBuilder();
        for (int i = 1; i <= 5000; i++) {
            rows.append(i).append(",name ").append(i).append('\n');
        }
        Files.writeString(csv.toPath(), rows.toString());
        String script = String.join("\n",
                "DROP TABLE IF EXISTS people;",
                "CREATE TABLE people (id int PRIMARY KEY, name text);",
                "\\copy people FROM '" + csv.getAbsolutePath() + "' WITH (FORMAT csv)",
                "\\copy (SELECT * FROM people ORDER BY id) TO '" + back.getAbsolutePath() + "' WITH (FORMAT csv)",
                "SELECT count(*) AS n FROM people \\gset",
                "\\echo rows=:n",
                "\\d people",
                "\\dt",
                "\\x on",
                "SELECT 1 AS a, 2 AS b;",
                "PREPARE p(int) AS SELECT name FROM people WHERE id = $1;",
                "EXECUTE p(42);",
                "");
        Cli.Result r = Cli.run(psql(), ENV, script, 60);
        assertEquals(0, r.exitCode(), r.all());
        assertTrue(r.stdout().contains("rows=5000"), r.stdout());
        assertTrue(r.stdout().contains("Table \"public.people\""), r.stdout());
        assertTrue(r.stdout().contains("name 42"), r.stdout());
        assertEquals(rows.toString(), Files.readString(back.toPath()));
        csv.delete();
        back.delete();
    }

    @Test
    void psqlReportsServerErrorsWithTheirCode() throws Exception {
        Cli.Result r = Cli.run(psql("-v", "VERBOSITY=verbose", "-c", "SELECT * FROM missing_table"), ENV, null, 30);
        assertEquals(1, r.exitCode());
        assertTrue(r.stderr().contains("42P01"), r.stderr());
    }

    @Test
    void psqlCancelsWithControlC() throws Exception {
        ProcessBuilder pb = new ProcessBuilder(psql("-c", "SELECT pg_sleep(30)"));
        pb.environment().putAll(ENV);
        pb.redirectErrorStream(true);
        Process p = pb.start();
        Thread.sleep(1500);
        new ProcessBuilder("kill", "-INT", Long.toString(p.pid())).start().waitFor();
        assertTrue(p.waitFor(15, TimeUnit.SECONDS), "psql ended soon after its cancel");
        String output = new String(p.getInputStream().readAllBytes());
        assertTrue(output.contains("canceling statement due to user request"), output);
    }

    @Test
    void pgbenchInAllThreeQueryModes() throws Exception {
        String pgbench = Cli.require("pgbench");
        List<String> base = List.of(pgbench, "-h", "127.0.0.1", "-p", Integer.toString(proxy.port()), "-U", "cli_user");
        List<String> init = new ArrayList<>(base);
        init.addAll(List.of("-i", "-s", "1", "-q", "cli_db"));
        Cli.Result r = Cli.run(init, ENV, null, 120);
        assertEquals(0, r.exitCode(), r.all());
        for (String mode : new String[] {"simple", "extended", "prepared"}) {
            List<String> run = new ArrayList<>(base);
            run.addAll(List.of("-M", mode, "-c", "4", "-j", "2", "-t", "200", "cli_db"));
            Cli.Result b = Cli.run(run, ENV, null, 120);
            assertEquals(0, b.exitCode(), mode + ": " + b.all());
            assertTrue(b.stdout().contains("number of transactions actually processed: 800/800"), mode + ": " + b.stdout());
            assertTrue(b.stdout().contains("number of failed transactions: 0"), mode + ": " + b.stdout());
        }
    }
}
