package io.pgguard.server.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.pgguard.core.testing.PostgresFixture;
import io.pgguard.server.audit.AuditLog;
import io.pgguard.server.testing.GuardHarness;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLWarning;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.postgresql.util.PSQLException;
import org.slf4j.LoggerFactory;

/** Admin endpoint, metrics, audit, reload and drain of a whole running PgGuard. */
class OperationsTest {
    static final String ALLOW_DELETES = opsRules("v1", "");
    static final String REFUSE_DELETES = opsRules("v2", "{ id = no-deletes, type = forbid, kinds = [DELETE], "
            + "message = \"deletes are switched off\" }, ");

    /** Rules set {@code id}: ops_user may do anything the grants allow, and {@code rules} come before the grants. */
    static String opsRules(String id, String rules) {
        return "pgguard.rules { id = " + id + ", users { ops_user = [r] }, roles { r { statements = [ALL], "
                + "tables = [ { on = [\"*.*\"], privileges = [ALL] } ] } }, rules = [ " + rules
                + "{ id = grants, type = grants } ] }";
    }
    static PostgresFixture pg;

    @BeforeAll
    static void setUp() throws Exception {
        pg = PostgresFixture.get();
        pg.role("ops_user", "pw");
        pg.sql("DROP TABLE IF EXISTS ops_items; CREATE TABLE ops_items (id int); INSERT INTO ops_items VALUES (1), (2);"
                + "GRANT ALL ON ops_items TO ops_user");
    }

    @Test
    void adminEndpointsAnswerAndHonourTheToken() throws Exception {
        try (GuardHarness guard = GuardHarness.startWithText(pg, ALLOW_DELETES,
                Map.of("pgguard.admin.token", "s3cret"))) {
            assertEquals(200, guard.admin("GET", "/health", null).statusCode());
            assertEquals(401, guard.admin("GET", "/metrics", null).statusCode());
            assertEquals(401, guard.admin("GET", "/metrics", "wrong").statusCode());
            try (Connection c = guard.connect("ops_user", "pw")) {
                c.createStatement().executeQuery("SELECT count(*) FROM ops_items").close();
            }
            HttpResponse<String> metrics = guard.admin("GET", "/metrics", "s3cret");
            assertEquals(200, metrics.statusCode());
            for (String series : List.of("pgguard_client_connections_opened_total", "pgguard_statements_total{",
                    "pgguard_decision_duration_seconds_bucket", "pgguard_statement_duration_seconds_bucket",
                    "pgguard_bytes_total{direction=\"server_to_client\"}", "pgguard_rules_loaded{hash=",
                    "pgguard_upstream_connect_seconds_count", "jvm_memory_used_bytes")) {
                assertTrue(metrics.body().contains(series), "missing " + series);
            }
            assertFalse(metrics.body().contains("ops_items"), "no SQL text in any label");
            assertEquals(200, guard.awaitReady("s3cret"));
            String rules = guard.admin("GET", "/rules", "s3cret").body();
            assertTrue(rules.contains("\"id\" : \"v1\"") && rules.contains("\"hash\""), rules);
        }
    }

    /**
     * pgguard_statements counts every statement once, under the labels of the session that sent it; a session
     * keeps its meters for its life, and a reload that changes which users are ruled relabels what an open
     * session sends after it (metrics.user-label = ruled: users outside the rules are "other").
     */
    @Test
    void statementsAreCountedUnderTheirSessionsLabelsAndAReloadRelabelsThem() throws Exception {
        pg.role("ops_other", "pw");
        pg.sql("GRANT SELECT ON ops_items TO ops_other");
        String othersRuledToo = ALLOW_DELETES.replace("users { ops_user = [r] }", "users { ops_user = [r], ops_other = [r] }");
        try (GuardHarness guard = GuardHarness.startWithText(pg, ALLOW_DELETES, Map.of());
                Connection ruled = guard.connect("ops_user", "pw");
                Connection other = guard.connect("ops_other", "pw")) {
            // pgjdbc's own statements at connect are counted too; what follows is counted from here
            long otherAtStart = statements(guard.admin("GET", "/metrics", null).body(), "user=\"other\"");
            for (int i = 0; i < 3; i++) {
                ruled.createStatement().executeQuery("SELECT count(*) FROM ops_items").close();
            }
            for (int i = 0; i < 2; i++) {
                other.createStatement().executeQuery("SELECT count(*) FROM ops_items").close();
            }
            String metrics = guard.admin("GET", "/metrics", null).body();
            assertEquals(3, statements(metrics, "user=\"ops_user\"", "command=\"select\"", "decision=\"forwarded\""), metrics);
            assertEquals(otherAtStart + 2, statements(metrics, "user=\"other\""), metrics);
            assertEquals(0, statements(metrics, "user=\"ops_other\""), metrics);

            Files.writeString(guard.configFile().toPath(), othersRuledToo);
            assertEquals(200, guard.admin("POST", "/reload", null).statusCode());
            for (int i = 0; i < 4; i++) {
                other.createStatement().executeQuery("SELECT count(*) FROM ops_items").close();
            }
            ruled.createStatement().executeQuery("SELECT 1").close();
            other.createStatement().execute(""); // no statement to classify: the same "unknown" meter as before
            metrics = guard.admin("GET", "/metrics", null).body();
            assertEquals(1, statements(metrics, "user=\"ops_other\"", "command=\"unknown\""), metrics);
            assertEquals(4, statements(metrics, "user=\"ops_other\"", "command=\"select\""), metrics);
            assertEquals(otherAtStart + 2, statements(metrics, "user=\"other\""), "counted before the reload, kept");
            assertEquals(4, statements(metrics, "user=\"ops_user\"", "command=\"select\""), metrics);
        }
    }

    /** The sum of the pgguard_statements_total series that carry every one of {@code labels}. */
    private static long statements(String metrics, String... labels) {
        long sum = 0;
        for (String line : metrics.split("\n")) {
            if (line.startsWith("pgguard_statements_total{") && java.util.Arrays.stream(labels).allMatch(line::contains)) {
                sum += (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return sum;
    }

    @Test
    void reloadAppliesNewRulesToOpenSessionsAndRefusesAnInvalidConfig() throws Exception {
        try (GuardHarness guard = GuardHarness.startWithText(pg, ALLOW_DELETES, Map.of());
                Connection c = guard.connect("ops_user", "pw")) {
            c.setAutoCommit(false);
            assertEquals(2, c.createStatement().executeUpdate("DELETE FROM ops_items WHERE id > 0"));
            c.rollback();
            Files.writeString(guard.configFile().toPath(), REFUSE_DELETES);
            HttpResponse<String> reload = guard.admin("POST", "/reload", null);
            assertEquals(200, reload.statusCode(), reload.body());
            PSQLException e = assertThrows(PSQLException.class,
                    () -> c.createStatement().executeUpdate("DELETE FROM ops_items WHERE id > 0"));
            assertEquals("42501", e.getSQLState());
            c.rollback();

            Files.writeString(guard.configFile().toPath(), "pgguard.rules { id = broken, rules = [ { type = nonsense } ] }");
            HttpResponse<String> refused = guard.admin("POST", "/reload", null);
            assertEquals(422, refused.statusCode());
            assertTrue(refused.body().contains("pgguard.rules"), refused.body());
            assertTrue(guard.admin("GET", "/rules", null).body().contains("\"v2\""), "the old rules stay in force");
            String metrics = guard.admin("GET", "/metrics", null).body();
            assertTrue(metrics.contains("pgguard_rules_reloads_total{result=\"failure\"} 1.0"), metrics);
            assertTrue(metrics.contains("pgguard_rules_reloads_total{result=\"success\"} 1.0"), metrics);
        }
    }

    static final String CAP_READS = opsRules("v3", "{ id = cap, type = read-row-cap, max-rows = 5 }, ");

    /**
     * Statements prepared before a reload are judged again by the new rules before they run: one the new rules
     * refuse fails at its Bind, one they allow runs as before, and one they would rewrite (a read cap's LIMIT) is
     * prepared again by pgjdbc, which retries when the statement it bound is reported gone (26000).
     */
    @Test
    void statementsPreparedBeforeAReloadAreJudgedByTheNewRules() throws Exception {
        try (GuardHarness guard = GuardHarness.startWithText(pg, ALLOW_DELETES, Map.of());
                Connection c = serverPrepared(guard);
                PreparedStatement delete = c.prepareStatement("DELETE FROM ops_items WHERE id = ?");
                PreparedStatement select = c.prepareStatement("SELECT id FROM ops_items WHERE id > ? ORDER BY id")) {
            c.setAutoCommit(false);
            for (int round = 0; round < 2; round++) {
                delete.setInt(1, 1);
                assertEquals(1, delete.executeUpdate());
                select.setInt(1, 0);
                assertEquals(List.of(2), ids(select));
                c.rollback();
            }
            List<String> held = preparedOnTheServer(c);
            assertTrue(held.containsAll(List.of("DELETE FROM ops_items WHERE id = $1",
                    "SELECT id FROM ops_items WHERE id > $1 ORDER BY id")), "named statements the server holds: " + held);
            c.rollback();

            Files.writeString(guard.configFile().toPath(), REFUSE_DELETES);
            assertEquals(200, guard.admin("POST", "/reload", null).statusCode());
            delete.setInt(1, 1);
            PSQLException refused = assertThrows(PSQLException.class, delete::executeUpdate);
            assertEquals("42501", refused.getSQLState(), refused.getMessage());
            c.rollback();
            try (Connection direct = pg.superuser();
                    ResultSet rs = direct.createStatement().executeQuery("SELECT count(*) FROM ops_items")) {
                assertTrue(rs.next());
                assertEquals(2, rs.getInt(1), "the prepared DELETE never ran");
            }
            select.setInt(1, 0);
            assertEquals(List.of(1, 2), ids(select), "what the new rules allow runs as before");
            c.rollback();

            Files.writeString(guard.configFile().toPath(), CAP_READS);
            assertEquals(200, guard.admin("POST", "/reload", null).statusCode());
            c.setAutoCommit(true);
            select.setInt(1, 0);
            assertEquals(List.of(1, 2), ids(select), "prepared again, with the cap's LIMIT, and retried");
            assertTrue(preparedOnTheServer(c).stream().anyMatch(sql -> sql.startsWith("SELECT") && sql.contains("LIMIT")),
                    preparedOnTheServer(c).toString());
        }
    }

    static String requireWhere(String id) {
        return opsRules(id, "{ id = where, type = require-where, kinds = [DELETE] }, ");
    }

    /** ops_user's connection that prepares every statement on the server from its first execution. */
    private static Connection serverPrepared(GuardHarness guard) throws SQLException {
        Properties serverPrepared = new Properties();
        serverPrepared.setProperty("prepareThreshold", "1");
        return guard.connect("ops_user", "pw", "postgres", serverPrepared);
    }

    /**
     * A DELETE whose WHERE its parameters decide, prepared before a reload, is judged again and still reads the
     * binary int4 pgjdbc binds by the type its Parse declared: bound to 0 it runs, bound to 1 it is refused.
     */
    @Test
    void aBindCheckPreparedBeforeAReloadStillReadsItsValues() throws Exception {
        try (GuardHarness guard = GuardHarness.startWithText(pg, requireWhere("w1"), Map.of());
                Connection c = serverPrepared(guard);
                PreparedStatement delete = c.prepareStatement("DELETE FROM ops_items WHERE 1 = ?")) {
            delete.setInt(1, 0);
            assertEquals(0, delete.executeUpdate());
            assertTrue(preparedOnTheServer(c).contains("DELETE FROM ops_items WHERE 1 = $1"), "a named statement");
            Files.writeString(guard.configFile().toPath(), requireWhere("w2"));
            assertEquals(200, guard.admin("POST", "/reload", null).statusCode());
            for (int round = 0; round < 2; round++) {
                delete.setInt(1, 0);
                assertEquals(0, delete.executeUpdate(), "round " + round);
                delete.setInt(1, 1);
                assertEquals("42501", assertThrows(PSQLException.class, delete::executeUpdate).getSQLState());
            }
        }
        try (Connection direct = pg.superuser();
                ResultSet rs = direct.createStatement().executeQuery("SELECT count(*) FROM ops_items")) {
            assertTrue(rs.next());
            assertEquals(2, rs.getInt(1));
        }
    }

    private static List<Integer> ids(PreparedStatement select) throws SQLException {
        List<Integer> ids = new java.util.ArrayList<>();
        try (ResultSet rs = select.executeQuery()) {
            while (rs.next()) {
                ids.add(rs.getInt(1));
            }
        }
        return ids;
    }

    private static List<String> preparedOnTheServer(Connection c) throws SQLException {
        List<String> statements = new java.util.ArrayList<>();
        try (ResultSet rs = c.createStatement().executeQuery(
                "SELECT statement FROM pg_prepared_statements WHERE NOT from_sql ORDER BY statement")) {
            while (rs.next()) {
                statements.add(rs.getString(1));
            }
        }
        return statements;
    }

    @Test
    void reloadOfUnchangedRulesKeepsTheWarmDecisionCache() throws Exception {
        try (GuardHarness guard = GuardHarness.startWithText(pg, ALLOW_DELETES, Map.of())) {
            var before = guard.app().inspector();
            Files.writeString(guard.configFile().toPath(), ALLOW_DELETES + "\n# touched, same rules\n");
            assertEquals(200, guard.admin("POST", "/reload", null).statusCode());
            assertSame(before, guard.app().inspector(), "same rules: same engine, cache kept");

            Files.writeString(guard.configFile().toPath(), REFUSE_DELETES);
            assertEquals(200, guard.admin("POST", "/reload", null).statusCode());
            assertNotSame(before, guard.app().inspector(), "new rules: new engine");
        }
    }

    @Test
    void auditRecordsDecisionsAndNeverPasswords() throws Exception {
        Logger audit = (Logger) LoggerFactory.getLogger(AuditLog.LOGGER);
        ListAppender<ILoggingEvent> records = new ListAppender<>();
        records.start();
        audit.addAppender(records);
        try (GuardHarness guard = GuardHarness.startWithText(pg, REFUSE_DELETES,
                Map.of("pgguard.audit.statements", "all"))) {
            try (Connection c = guard.connect("ops_user", "pw")) {
                assertThrows(PSQLException.class, () -> c.createStatement().execute("DELETE FROM ops_items WHERE id = 1"));
                c.createStatement().execute("SELECT count(*) FROM ops_items WHERE id = 42");
            }
            try (Connection admin = guard.connect(PostgresFixture.SUPERUSER, "postgres")) {
                admin.createStatement().execute("DROP ROLE IF EXISTS audit_secret_role");
                admin.createStatement().execute("CREATE ROLE audit_secret_role PASSWORD 'TopSecret123'");
                admin.createStatement().execute("ALTER ROLE audit_secret_role PASSWORD 'TopSecret456'");
            }
            Thread.sleep(200);
        } finally {
            audit.detachAppender(records);
        }
        String all = records.list.stream().map(ILoggingEvent::getFormattedMessage).collect(Collectors.joining("\n"));
        assertTrue(all.contains("\"decision\":\"rejected\"") && all.contains("\"rule\":\"no-deletes\""), all);
        assertTrue(all.contains("\"event\":\"connect\"") && all.contains("\"event\":\"disconnect\""), all);
        assertTrue(all.contains("audit_secret_role"), "the role statements were recorded: " + all);
        assertFalse(all.contains("TopSecret"), "no password in the audit trail: " + all);
        assertFalse(all.contains("id = 42"), "literals are redacted: " + all);
    }

    @Test
    void connectNoticeNamesTheEnvironmentExceptForQuietApplications() throws Exception {
        try (GuardHarness guard = GuardHarness.startWithText(pg, ALLOW_DELETES
                + "\npgguard.quiet-applications = [quiet-app]", Map.of(
                "pgguard.upstreams.default.connect-notice", "connected through PgGuard to PRODUCTION: rules enforced"))) {
            try (Connection c = guard.connect("ops_user", "pw")) {
                SQLWarning w = c.getWarnings();
                assertTrue(w != null && w.getMessage().contains("PRODUCTION"), String.valueOf(w));
            }
            java.util.Properties quiet = new java.util.Properties();
            quiet.setProperty("ApplicationName", "quiet-app");
            quiet.setProperty("assumeMinServerVersion", "10"); // so pgjdbc sends it in the startup packet
            try (Connection c = guard.connect("ops_user", "pw", "postgres", quiet)) {
                assertEquals(null, c.getWarnings());
            }
        }
    }

    @Test
    void drainLetsRunningStatementsFinishAndEndsIdleTransactionsWith57P01() throws Exception {
        GuardHarness guard = GuardHarness.startWithText(pg, ALLOW_DELETES, Map.of());
        Connection busy = guard.connect("ops_user", "pw");
        Connection inTransaction = guard.connect("ops_user", "pw");
        inTransaction.setAutoCommit(false);
        inTransaction.createStatement().execute("SELECT 1");
        CompletableFuture<Integer> running = CompletableFuture.supplyAsync(() -> {
            try (ResultSet rs = busy.createStatement().executeQuery("SELECT 7 FROM pg_sleep(1.5)")) {
                rs.next();
                return rs.getInt(1);
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        Thread.sleep(300);
        CompletableFuture<Void> drain = CompletableFuture.runAsync(() -> guard.app().drainAndStop(Duration.ofSeconds(3)));
        assertEquals(7, running.get(10, TimeUnit.SECONDS), "the statement in flight finished");
        drain.get(15, TimeUnit.SECONDS);
        PSQLException e = assertThrows(PSQLException.class, () -> inTransaction.createStatement().execute("SELECT 2"));
        assertTrue(e.getMessage().contains("shutting down") || "57P01".equals(e.getSQLState())
                || "08006".equals(e.getSQLState()), e.getSQLState() + " " + e.getMessage());
        assertThrows(Exception.class, () -> guard.connect("ops_user", "pw"), "no new connections after the drain");
        busy.close();
        inTransaction.close();
    }
}
