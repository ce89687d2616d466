package io.pgguard.server.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.pgguard.core.testing.Cli;
import io.pgguard.core.testing.PostgresFixture;
import io.pgguard.core.transport.Transport;
import io.pgguard.server.cli.PgGuardCli;
import io.pgguard.server.testing.GuardHarness;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.PrintStream;
import java.net.ConnectException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.ResultSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

/** An invalid configuration fails at start with a message naming the key; check and explain help people. */
class ConfigAndCliTest {

    static String invalid(String hocon) throws Exception {
        File f = File.createTempFile("pgguard-invalid", ".conf");
        f.deleteOnExit();
        Files.writeString(f.toPath(), hocon);
        return assertThrows(ConfigException.class, () -> PgGuardConfig.load(f, Map.of())).getMessage();
    }

    @Test
    void invalidSettingsNameTheirKey() throws Exception {
        assertTrue(invalid("pgguard.listen = \"nonsense\"").contains("pgguard.listen"));
        assertTrue(invalid("pgguard.upstreams.default.port = 70000").contains("pgguard.upstreams.default.port"));
        assertTrue(invalid("pgguard.upstreams.default.tls.mode = sometimes").contains("pgguard.upstreams.default.tls.mode"));
        assertTrue(invalid("pgguard.upstreams.default { host = \"/run/postgresql\", tls.mode = require }")
                .contains("pgguard.upstreams.default.tls.mode: require needs TCP"));
        assertTrue(invalid("pgguard.routing.default = nowhere").contains("pgguard.routing.default"));
        assertTrue(invalid("pgguard.unix-socket-dir = \"/" + "d".repeat(100) + "\"").contains("pgguard.unix-socket-dir"));
        assertTrue(invalid("pgguard.upstreams.default.host = \"/" + "d".repeat(100) + "\"")
                .contains("pgguard.upstreams.default.host"));
        assertTrue(invalid("pgguard { unix-socket-dir = \"/tmp\", unix-socket-mode = \"0999\" }")
                .contains("pgguard.unix-socket-mode"));
        assertTrue(invalid("pgguard.transport = kqueue").contains("pgguard.transport"));
        assertTrue(invalid("pgguard.native-transport = false")
                .contains("pgguard.native-transport: replaced by pgguard.transport"));
        assertTrue(invalid("pgguard.client-tls.mode = required").contains("pgguard.client-tls.cert"));
        assertTrue(invalid("pgguard.limits.startup-timeout = -1s").contains("pgguard.limits.startup-timeout"));
        assertTrue(invalid("pgguard.audit.statements = everything").contains("pgguard.audit.statements"));
        assertTrue(invalid("pgguard.limits.roles { nobody { statement-timeout = 1s } }")
                .contains("pgguard.limits.roles.nobody: no role nobody under pgguard.rules.roles"));
        assertTrue(invalid("pgguard { listen = ").contains("invalid configuration"));
        assertTrue(invalid("pgguard.rules { rules = [ { id = x, type = forbid, kinds = [NOT_A_KIND] } ] }")
                .contains("pgguard.rules"));
    }

    @Test
    void commandLineFlagsOverrideTheFile() throws Exception {
        File f = File.createTempFile("pgguard-flags", ".conf");
        f.deleteOnExit();
        Files.writeString(f.toPath(), "pgguard.listen = \"127.0.0.1:7000\"\npgguard.upstreams.default.port = 5000");
        PgGuardConfig config = PgGuardConfig.load(f, Map.of("pgguard.listen", "127.0.0.1:7001"));
        assertEquals(7001, config.listen().port());
        assertEquals(5000, config.proxySettings().routing().defaultUpstream().port());
    }

    @Test
    void routingByDatabaseName() throws Exception {
        File f = File.createTempFile("pgguard-routing", ".conf");
        f.deleteOnExit();
        Files.writeString(f.toPath(), """
                pgguard.upstreams {
                  default { host = "10.0.0.1", port = 5432 }
                  reports { host = "10.0.0.2", port = 5433, environment = staging }
                  beside { host = "/var/run/postgresql", port = 5434 }
                }
                pgguard.routing.databases { analytics = reports, local_app = beside }
                """);
        PgGuardConfig config = PgGuardConfig.load(f, Map.of());
        assertEquals("reports", config.proxySettings().routing().route("analytics").name());
        assertEquals("default", config.proxySettings().routing().route("app").name());
        assertEquals("/var/run/postgresql/.s.PGSQL.5434", config.proxySettings().routing().route("local_app").address());
    }

    @Test
    void aUnixSocketDirectoryServesPsqlBesideTcp() throws Exception {
        Path dir = Files.createTempDirectory("pgguard-app-sock");
        Path socket;
        try (GuardHarness guard = GuardHarness.start(PostgresFixture.get(), null,
                Map.of("pgguard.unix-socket-dir", dir.toString(), "pgguard.unix-socket-mode", "0770"))) {
            socket = dir.resolve(".s.PGSQL." + guard.port());
            assertEquals(PosixFilePermissions.fromString("rwxrwx---"), Files.getPosixFilePermissions(socket));
            Cli.Result r = Cli.run(List.of(Cli.require("psql"), "-h", dir.toString(), "-p", Integer.toString(guard.port()),
                    "-U", PostgresFixture.SUPERUSER, "-d", "postgres", "-At", "-c", "SELECT 6 * 7"), Map.of(), null, 30);
            assertEquals(0, r.exitCode(), r.all());
            assertEquals("42", r.stdout().trim());
        }
        assertFalse(Files.exists(socket), "PgGuard removes its socket file when it stops");
        Files.delete(dir);
    }

    /** auto takes the fastest transport this machine runs; a named one runs the loops when it can run here. */
    @ParameterizedTest(name = "transport = {0}")
    @ValueSource(strings = {"auto", "io_uring", "epoll", "nio"})
    void theConfiguredTransportRunsTheEventLoops(String choice) throws Exception {
        Transport expected = choice.equals("auto") ? Transport.best() : Transport.named(choice);
        assumeTrue(expected.isAvailable(), () -> choice + " cannot run here");
        try (GuardHarness guard = GuardHarness.start(PostgresFixture.get(), null, Map.of("pgguard.transport", choice))) {
            assertEquals(expected, guard.app().transport());
            String metrics = guard.admin("GET", "/metrics", null).body();
            assertTrue(metrics.contains("pgguard_transport{transport=\"" + expected.configName() + "\"} 1"), metrics);
            Cli.Result r = Cli.run(List.of(Cli.require("psql"), "-h", "127.0.0.1", "-p", Integer.toString(guard.port()),
                    "-U", PostgresFixture.SUPERUSER, "-d", "postgres", "-At", "-c", "SELECT 6 * 7"), Map.of(), null, 30);
            assertEquals(0, r.exitCode(), r.all());
            assertEquals("42", r.stdout().trim());
        }
    }

    /** A start that fails after the TCP listener is up leaves nothing running: the port is free again. */
    @Test
    void aSocketDirectoryThatDoesNotExistFailsTheStartAndFreesThePort() throws Exception {
        int port;
        try (ServerSocket probe = new ServerSocket(0)) {
            port = probe.getLocalPort();
        }
        ConfigException e = assertThrows(ConfigException.class, () -> GuardHarness.start(PostgresFixture.get(), null,
                Map.of("pgguard.listen", "127.0.0.1:" + port, "pgguard.unix-socket-dir", "/no/such/dir")));
        assertTrue(e.getMessage().contains("pgguard.unix-socket-dir: /no/such/dir is not a directory"), e.getMessage());
        assertThrows(ConnectException.class, () -> new Socket("127.0.0.1", port).close(), "the TCP listener was closed");
    }

    /** /ready probes an upstream on a socket through the socket, not as a host name. */
    @Test
    void anUpstreamOnItsSocketIsReadyWhenItAnswers() throws Exception {
        PostgresFixture pg = PostgresFixture.get();
        assumeTrue(pg.socketDirectory() != null, "the server's socket is inside a container");
        try (GuardHarness guard = GuardHarness.start(pg, null,
                Map.of("pgguard.upstreams.default.host", pg.socketDirectory(), "pgguard.admin.token", "t"))) {
            assertEquals(200, guard.awaitReady("t"));
            try (Connection c = guard.connect(PostgresFixture.SUPERUSER, "");
                    ResultSet rs = c.createStatement().executeQuery("SELECT inet_server_addr() IS NULL")) {
                assertTrue(rs.next());
                assertTrue(rs.getBoolean(1), "PgGuard reached the server through its socket");
            }
        }
    }

    static String[] run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        int code;
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            code = new CommandLine(new PgGuardCli()).execute(args);
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
        return new String[] {Integer.toString(code), out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8)};
    }

    @Test
    void checkSummarisesTheExampleConfigs() {
        String policy = GuardHarness.referencePolicy().getPath();
        String[] r = run("check", "--config", policy);
        assertEquals("0", r[0], r[2]);
        assertTrue(r[1].contains("configuration OK") && r[1].contains("reference-policy"), r[1]);
        String[] all = run("check", "--config", new File(new File(policy).getParentFile(), "all-rules.conf").getPath());
        assertEquals("0", all[0], all[2]);
    }

    /** `check --config` on a file holding {@code hocon}. */
    static String[] check(String hocon) throws Exception {
        File f = File.createTempFile("pgguard-check", ".conf");
        f.deleteOnExit();
        Files.writeString(f.toPath(), hocon);
        return run("check", "--config", f.getPath());
    }

    @Test
    void checkNamesTheUnixSocketBesideTheTcpAddress() throws Exception {
        String[] r = check("pgguard { listen = \"127.0.0.1:6432\", unix-socket-dir = \"/run/pgguard\" }");
        assertEquals("0", r[0], r[2]);
        assertTrue(r[1].contains("listen: 127.0.0.1:6432 and /run/pgguard/.s.PGSQL.6432"), r[1]);
    }

    @Test
    void explainShowsDecisionFactsAndRule() {
        String policy = GuardHarness.referencePolicy().getPath();
        String[] refused = run("explain", "--config", policy, "--user", "app_rw", "DELETE FROM t");
        assertEquals("0", refused[0], refused[2]);
        assertTrue(refused[1].contains("REJECT") && refused[1].contains("no-unrestricted-delete"), refused[1]);
        String[] allowed = run("explain", "--config", policy, "--user", "app_rw",
                "SELECT id, email FROM customers WHERE id = $1");
        assertTrue(allowed[1].contains("FORWARD"), allowed[1]);
        String[] unparseable = run("explain", "--config", policy, "--user", "app_rw", "SELEKT 1");
        assertTrue(unparseable[1].contains("REJECT") && unparseable[1].toLowerCase().contains("pars"), unparseable[1]);
    }

    /** With several schemas on the path, an unqualified name must be allowed in each: the server takes the first that holds it. */
    @Test
    void explainJudgesUnqualifiedNamesUnderTheSearchPathGiven() {
        String policy = GuardHarness.referencePolicy().getPath();
        String sql = "SELECT id FROM customers WHERE id = 1";
        String[] onPublic = run("explain", "--config", policy, "--user", "app_rw", "--search-path", "\"$user\", public", sql);
        assertTrue(onPublic[1].contains("FORWARD") && onPublic[1].contains("search_path $user, public"), onPublic[1]);
        String[] twoSchemas = run("explain", "--config", policy, "--user", "app_rw", "--search-path", "Sales, public", sql);
        assertTrue(twoSchemas[1].contains("REJECT") && twoSchemas[1].contains("sales.customers"), twoSchemas[1]);
    }

    /** A platform team checks a statement as a session would send it after SET ROLE, or with old-style strings. */
    @Test
    void explainJudgesAsTheRoleAndWithTheStringSettingGiven() throws Exception {
        File roleRules = File.createTempFile("pgguard-explain", ".conf");
        roleRules.deleteOnExit();
        Files.writeString(roleRules.toPath(), "pgguard.rules { users-without-rules = allow, rules = [ { id = auditors-read,"
                + " type = forbid, kinds = [INSERT, UPDATE, DELETE], users = [auditor] } ] }");
        String delete = "DELETE FROM t WHERE id = 1";
        String[] loginUser = run("explain", "--config", roleRules.getPath(), "--user", "app", delete);
        assertTrue(loginUser[1].contains("FORWARD"), loginUser[1]);
        String[] actingAsAuditor = run("explain", "--config", roleRules.getPath(), "--user", "app", "--role", "auditor",
                delete);
        assertTrue(actingAsAuditor[1].contains("REJECT") && actingAsAuditor[1].contains("auditors-read")
                && actingAsAuditor[1].contains("role auditor"), actingAsAuditor[1]);

        String policy = GuardHarness.referencePolicy().getPath();

        String hidden = "SELECT 'a\\'; DELETE FROM t; --'";
        String[] conforming = run("explain", "--config", policy, "--user", "app_rw", hidden);
        assertTrue(conforming[1].contains("REJECT") && conforming[1].contains("no-unrestricted-delete"), conforming[1]);
        String[] escaping = run("explain", "--config", policy, "--user", "app_rw", "--standard-conforming-strings", "off",
                hidden);
        assertTrue(escaping[1].contains("FORWARD") && escaping[1].contains("standard_conforming_strings off"),
                escaping[1]);
        String[] wrong = run("explain", "--config", policy, "--user", "app_rw", "--standard-conforming-strings", "maybe",
                hidden);
        assertEquals("2", wrong[0], wrong[1]);
        assertTrue(wrong[2].contains("on or off"), wrong[2]);
    }

    @Test
    void invalidConfigMakesCheckFail() throws Exception {
        String[] r = check("pgguard.listen = oops");
        assertEquals("2", r[0]);
        assertTrue(r[2].contains("pgguard.listen"), r[2]);
    }
}
