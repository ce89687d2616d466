package io.pgguard.server.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgguard.core.testing.Cli;
import io.pgguard.core.testing.PostgresFixture;
import io.pgguard.server.testing.GuardHarness;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * pgbench's built-in TPC-B-like script (its three UPDATEs with WHERE, SELECT and INSERT in BEGIN/END) and the
 * select-only script, through PgGuard as a user governed by compat/pgbench-policy.conf (DML on public.pgbench_*
 * only), in every query mode: no transaction may fail. The tables are created by `pgbench -i` as superuser
 * straight against PostgreSQL; the same user is refused TRUNCATE and VACUUM, so the policy really applies.
 */
class PgbenchPolicyTest {
    static final String DB = "pgbench_policy";
    static final String USER = "bench_user";
    static final String PASSWORD = "bench_pw";
    static final Map<String, String> ENV = Map.of("PGPASSWORD", PASSWORD);

    static PostgresFixture pg;
    static GuardHarness guard;

    @BeforeAll
    static void start() throws Exception {
        pg = PostgresFixture.get();
        String pgbench = Cli.require("pgbench");
        pg.sql("DROP DATABASE IF EXISTS " + DB + " WITH (FORCE)");
        pg.sql("DROP ROLE IF EXISTS " + USER);
        pg.role(USER, PASSWORD);
        pg.sql("CREATE DATABASE " + DB);
        Cli.Result init = Cli.run(List.of(pgbench, "-h", pg.host(), "-p", Integer.toString(pg.port()), "-U",
                PostgresFixture.SUPERUSER, "-i", "-s", "1", "-q", DB), Map.of("PGPASSWORD", "postgres"), null, 180);
        assertEquals(0, init.exitCode(), init.all());
        CompatSupport.exec(pg, DB, "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO " + USER);
        String policy;
        try (InputStream in = PgbenchPolicyTest.class.getResourceAsStream("/compat/pgbench-policy.conf")) {
            policy = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        guard = GuardHarness.startWithText(pg, policy, Map.of());
    }

    @AfterAll
    static void stop() {
        if (guard != null) {
            guard.close();
        }
    }

    static List<String> pgbench(String... args) {
        List<String> cmd = new ArrayList<>(List.of(Cli.require("pgbench"), "-h", "127.0.0.1", "-p",
                Integer.toString(guard.port()), "-U", USER));
        cmd.addAll(List.of(args));
        cmd.add(DB);
        return cmd;
    }

    @ParameterizedTest(name = "{0} -M {1}")
    @CsvSource({"tpcb-like, simple", "tpcb-like, extended", "tpcb-like, prepared", "select-only, simple",
        "select-only, extended", "select-only, prepared"})
    void builtinScriptsThroughPgGuardAsAGovernedUser(String script, String mode) throws Exception {
        // -n: pgbench would otherwise VACUUM and TRUNCATE first, which this policy refuses (see below)
        Cli.Result r = Cli.run(pgbench("-n", "-b", script, "-M", mode, "-c", "4", "-j", "2", "-t", "100"), ENV, null,
                180);
        assertEquals(0, r.exitCode(), r.all());
        assertTrue(r.stdout().contains("number of transactions actually processed: 400/400"), r.all());
        assertTrue(r.stdout().contains("number of failed transactions: 0"), r.all());
        assertFalse(r.all().contains("PgGuard"), r.all());
    }

    @Test
    void withoutNoVacuumPgbenchStillRunsButItsVacuumAndTruncateAreRefused() throws Exception {
        Cli.Result r = Cli.run(pgbench("-c", "2", "-t", "50"), ENV, null, 180);
        assertEquals(0, r.exitCode(), r.all());
        assertTrue(r.stdout().contains("number of failed transactions: 0"), r.all());
        assertTrue(r.stderr().contains("PgGuard"), "pgbench's VACUUM/TRUNCATE reached the server: " + r.all());
    }

    @Test
    void thePolicyGovernsTheUser() throws Exception {
        Cli.Result r = Cli.run(List.of(Cli.require("psql"), "-X", "-v", "VERBOSITY=verbose", "-h", "127.0.0.1", "-p",
                Integer.toString(guard.port()), "-U", USER, "-d", DB, "-c", "TRUNCATE pgbench_history"), ENV, null, 30);
        assertEquals(1, r.exitCode(), r.all());
        assertTrue(r.stderr().contains("42501") && r.stderr().contains("no-truncate"), r.all());
        Cli.Result upd = Cli.run(List.of(Cli.require("psql"), "-X", "-h", "127.0.0.1", "-p",
                Integer.toString(guard.port()), "-U", USER, "-d", DB, "-c", "UPDATE pgbench_accounts SET abalance = 0"),
                ENV, null, 30);
        assertEquals(1, upd.exitCode(), upd.all());
        assertTrue(upd.stderr().contains("where-required"), upd.all());
    }
}
