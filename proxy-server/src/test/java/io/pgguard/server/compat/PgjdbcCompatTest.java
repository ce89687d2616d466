package io.pgguard.server.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgguard.core.testing.PostgresFixture;
import io.pgguard.server.testing.GuardHarness;
import java.io.StringReader;
import java.io.StringWriter;
import java.sql.Array;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.postgresql.PGStatement;
import org.postgresql.copy.CopyManager;

/**
 * pgjdbc as app_rw through PgGuard with the reference policy, compared with the same calls straight against
 * PostgreSQL (two databases loaded from the corpus schema): start-up, DatabaseMetaData, server-side prepared
 * statements past prepareThreshold, batches with and without reWriteBatchedInserts, fetch-size cursors,
 * savepoints (explicit and autosave), CopyManager in and out, LISTEN/NOTIFY. Every observation of a scenario,
 * including any SQLException, goes into a transcript; the two transcripts must be equal and name no PgGuard
 * refusal.
 */
class PgjdbcCompatTest {
    static final String DIRECT_DB = "pgjdbc_direct";
    static final String PROXY_DB = "pgjdbc_proxy";

    static PostgresFixture pg;
    static GuardHarness guard;

    interface Scenario {
        void run(Connection c, List<String> out) throws Exception;
    }

    interface TwoConnectionScenario {
        void run(Connection a, Connection b, List<String> out) throws Exception;
    }

    @BeforeAll
    static void start() throws Exception {
        pg = PostgresFixture.get();
        CompatSupport.corpusDatabase(pg, DIRECT_DB);
        CompatSupport.corpusDatabase(pg, PROXY_DB);
        guard = GuardHarness.start(pg, GuardHarness.referencePolicy(), Map.of());
    }

    @AfterAll
    static void stop() {
        if (guard != null) {
            guard.close();
        }
    }

    static Connection direct(Properties extra) throws SQLException {
        Properties p = new Properties();
        p.putAll(extra);
        p.setProperty("user", CompatSupport.APP_USER);
        p.setProperty("password", CompatSupport.APP_PASSWORD);
        return DriverManager.getConnection(pg.jdbcUrl(DIRECT_DB), p);
    }

    static Connection proxied(Properties extra) throws SQLException {
        return guard.connect(CompatSupport.APP_USER, CompatSupport.APP_PASSWORD, PROXY_DB, extra);
    }

    static Properties props(String... kv) {
        Properties p = new Properties();
        for (int i = 0; i < kv.length; i += 2) {
            p.setProperty(kv[i], kv[i + 1]);
        }
        return p;
    }

    /** Runs the scenario direct and through PgGuard; the transcripts must be equal. Returns the transcript. */
    static List<String> compare(Properties extra, Scenario s) throws Exception {
        List<String> expected = new ArrayList<>();
        try (Connection c = direct(extra)) {
            capture(() -> s.run(c, expected), expected);
        }
        List<String> actual = new ArrayList<>();
        try (Connection c = proxied(extra)) {
            capture(() -> s.run(c, actual), actual);
        }
        return check(expected, actual);
    }

    static List<String> compare2(Properties extra, TwoConnectionScenario s) throws Exception {
        List<String> expected = new ArrayList<>();
        try (Connection a = direct(extra); Connection b = direct(extra)) {
            capture(() -> s.run(a, b, expected), expected);
        }
        List<String> actual = new ArrayList<>();
        try (Connection a = proxied(extra); Connection b = proxied(extra)) {
            capture(() -> s.run(a, b, actual), actual);
        }
        return check(expected, actual);
    }

    private interface Body {
        void run() throws Exception;
    }

    private static void capture(Body body, List<String> out) throws Exception {
        try {
            body.run();
        } catch (SQLException e) {
            out.add("SQLException " + e.getSQLState() + " " + e.getMessage());
        }
    }

    private static List<String> check(List<String> expected, List<String> actual) {
        List<String> e = normalize(expected);
        List<String> a = normalize(actual);
        String joined = String.join("\n", a);
        assertFalse(joined.contains("PgGuard"), () -> "PgGuard refused something pgjdbc sent:\n" + joined);
        assertEquals(String.join("\n", e), joined, "pgjdbc through PgGuard differs from direct");
        assertFalse(e.isEmpty());
        return e;
    }

    private static List<String> normalize(List<String> lines) {
        List<String> out = new ArrayList<>();
        for (String l : lines) {
            out.add(l.replace(DIRECT_DB, "<database>").replace(PROXY_DB, "<database>"));
        }
        return out;
    }

    static void dump(ResultSet rs, String label, List<String> out) throws SQLException {
        try (rs) {
            out.add("-- " + label);
            out.addAll(CompatSupport.dump(rs));
        }
    }

    @Test
    void connectionStartUpAndTypeLookups() throws Exception {
        List<String> t = compare(new Properties(), (c, out) -> {
            out.add("parameters " + new TreeMap<>(((PGConnection) c).getParameterStatuses()));
            DatabaseMetaData md = c.getMetaData();
            out.add("product " + md.getDatabaseProductName() + " " + md.getDatabaseProductVersion() + " user "
                    + md.getUserName() + " schema " + c.getSchema() + " catalog " + c.getCatalog());
            out.add("isolation " + c.getTransactionIsolation() + " autocommit " + c.getAutoCommit() + " readonly "
                    + c.isReadOnly() + " valid " + c.isValid(5));
            try (Statement s = c.createStatement()) {
                dump(s.executeQuery("SELECT current_user, session_user, current_setting('extra_float_digits') AS efd, "
                        + "current_setting('DateStyle') AS ds, current_setting('client_encoding') AS ce, "
                        + "current_setting('TimeZone') IS NOT NULL AS tz"), "session", out);
                // getArray and getObject on jsonb/arrays make pgjdbc look types up in pg_type
                try (ResultSet rs = s.executeQuery("SELECT tags, data, total, created_at FROM customers c "
                        + "JOIN orders o ON o.customer_id = c.id ORDER BY o.id")) {
                    while (rs.next()) {
                        Array tags = rs.getArray(1);
                        out.add(Arrays.toString((Object[]) tags.getArray()) + " " + tags.getBaseTypeName() + " "
                                + rs.getObject(2) + " " + rs.getObject(2).getClass().getSimpleName() + " "
                                + rs.getBigDecimal(3) + " " + rs.getObject(4, java.time.OffsetDateTime.class));
                    }
                }
            }
            c.setReadOnly(true);
            c.setAutoCommit(false);
            c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
            try (Statement s = c.createStatement()) {
                dump(s.executeQuery("SELECT count(*) FROM t"), "read-only repeatable read", out);
            }
            c.commit();
            c.setAutoCommit(true);
            c.setReadOnly(false);
            c.setClientInfo("ApplicationName", "compat-test");
            try (Statement s = c.createStatement()) {
                dump(s.executeQuery("SHOW application_name"), "application_name", out);
            }
        });
        assertTrue(t.stream().anyMatch(l -> l.startsWith("app_rw|app_rw|")), String.join("\n", t));
    }

    @ParameterizedTest(name = "DatabaseMetaData.{0}")
    @ValueSource(strings = {"getTables", "getColumns", "getPrimaryKeys", "getImportedKeys", "getExportedKeys",
        "getCrossReference", "getIndexInfo", "getSchemas", "getTableTypes", "getFunctions", "getProcedures",
        "getTablePrivileges", "getColumnPrivileges", "getTypeInfo", "getBestRowIdentifier", "getVersionColumns",
        "getUDTs", "getFunctionColumns", "getProcedureColumns", "getCatalogs", "getClientInfoProperties"})
    void databaseMetaData(String call) throws Exception {
        List<String> t = compare(new Properties(), (c, out) -> {
            DatabaseMetaData md = c.getMetaData();
            switch (call) {
                case "getTables" -> {
                    dump(md.getTables(null, "public", "%", new String[] {"TABLE", "SEQUENCE", "INDEX", "VIEW"}), call, out);
                    dump(md.getTables(null, null, "pg_class", null), call + " pg_class", out);
                }
                case "getColumns" -> dump(md.getColumns(null, "public", "%", "%"), call, out);
                case "getPrimaryKeys" -> {
                    dump(md.getPrimaryKeys(null, "public", "orders"), call + " orders", out);
                    dump(md.getPrimaryKeys(null, "public", "UserAccounts"), call + " UserAccounts", out);
                }
                case "getImportedKeys" -> dump(md.getImportedKeys(null, "public", "orders"), call, out);
                case "getExportedKeys" -> dump(md.getExportedKeys(null, "public", "customers"), call, out);
                case "getCrossReference" -> dump(md.getCrossReference(null, "public", "customers", null, "public",
                        "orders"), call, out);
                case "getIndexInfo" -> {
                    dump(md.getIndexInfo(null, "public", "orders", false, false), call + " orders", out);
                    dump(md.getIndexInfo(null, "public", "customers", true, false), call + " unique customers", out);
                }
                case "getSchemas" -> dump(md.getSchemas(), call, out);
                case "getTableTypes" -> dump(md.getTableTypes(), call, out);
                case "getFunctions" -> dump(md.getFunctions(null, "pg_catalog", "lower"), call, out);
                case "getProcedures" -> dump(md.getProcedures(null, "pg_catalog", "upper"), call, out);
                case "getTablePrivileges" -> dump(md.getTablePrivileges(null, "public", "t"), call, out);
                case "getColumnPrivileges" -> dump(md.getColumnPrivileges(null, "public", "t", "%"), call, out);
                case "getTypeInfo" -> dump(md.getTypeInfo(), call, out);
                case "getBestRowIdentifier" -> dump(md.getBestRowIdentifier(null, "public", "orders",
                        DatabaseMetaData.bestRowSession, true), call, out);
                case "getVersionColumns" -> dump(md.getVersionColumns(null, "public", "orders"), call, out);
                case "getUDTs" -> dump(md.getUDTs(null, "public", "%", null), call, out);
                case "getFunctionColumns" -> dump(md.getFunctionColumns(null, "pg_catalog", "lower", "%"), call, out);
                case "getProcedureColumns" -> dump(md.getProcedureColumns(null, "pg_catalog", "upper", "%"), call, out);
                case "getCatalogs" -> dump(md.getCatalogs(), call, out);
                case "getClientInfoProperties" -> dump(md.getClientInfoProperties(), call, out);
                default -> throw new IllegalArgumentException(call);
            }
        });
        assertTrue(t.size() >= 2, String.join("\n", t));
    }

    @ParameterizedTest(name = "prepareThreshold={0}")
    @ValueSource(ints = {1, 5, -1})
    void serverSidePreparedStatementsPastThePrepareThreshold(int threshold) throws Exception {
        List<String> t = compare(props("prepareThreshold", Integer.toString(threshold)), (c, out) -> {
            try (PreparedStatement select = c.prepareStatement("SELECT id, email, tags FROM customers WHERE id = ?");
                 PreparedStatement update = c.prepareStatement("UPDATE orders SET version = version + 1 "
                         + "WHERE id = ? AND version >= ?");
                 PreparedStatement insert = c.prepareStatement("INSERT INTO t (id, v) VALUES (?, ?) "
                         + "ON CONFLICT (id) DO UPDATE SET v = excluded.v RETURNING id, v")) {
                for (int i = 0; i < 10; i++) {
                    select.setInt(1, i % 3 + 1);
                    dump(select.executeQuery(), "select " + i, out);
                    update.setLong(1, i % 4 + 1);
                    update.setInt(2, 0);
                    out.add("update " + update.executeUpdate());
                    insert.setInt(1, 500 + threshold * 10 + i % 2);
                    insert.setString(2, "p" + i);
                    dump(insert.executeQuery(), "upsert " + i, out);
                }
                out.add("server prepared " + select.unwrap(PGStatement.class).isUseServerPrepare());
            }
            try (Statement s = c.createStatement()) {
                dump(s.executeQuery("SELECT id, version FROM orders ORDER BY id"), "versions", out);
            }
        });
        assertTrue(t.contains("server prepared true"), String.join("\n", t));
    }

    @ParameterizedTest(name = "preferQueryMode={0}")
    @ValueSource(strings = {"extended", "extendedForPrepared", "extendedCacheEverything", "simple"})
    void everyQueryMode(String mode) throws Exception {
        compare(props("preferQueryMode", mode, "prepareThreshold", "2"), (c, out) -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT o.id, o.total, c.email FROM orders o "
                    + "JOIN customers c ON c.id = o.customer_id WHERE o.total > ? ORDER BY o.id LIMIT ?")) {
                for (int i = 0; i < 4; i++) {
                    ps.setBigDecimal(1, new java.math.BigDecimal("1.00"));
                    ps.setInt(2, i + 1);
                    dump(ps.executeQuery(), "join " + i, out);
                }
            }
            try (Statement s = c.createStatement()) {
                dump(s.executeQuery("SELECT count(*) FROM orders WHERE status <> 'x'"), "count", out);
            }
        });
    }

    @ParameterizedTest(name = "reWriteBatchedInserts={0}")
    @ValueSource(booleans = {false, true})
    void batches(boolean rewrite) throws Exception {
        int base = rewrite ? 2000 : 1000;
        compare(props("reWriteBatchedInserts", Boolean.toString(rewrite)), (c, out) -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO t (id, v) VALUES (?, ?)")) {
                for (int i = 0; i < 50; i++) {
                    ps.setInt(1, base + i);
                    ps.setString(2, "b" + i);
                    ps.addBatch();
                }
                out.add("insert batch " + Arrays.toString(ps.executeBatch()));
            }
            try (PreparedStatement ps = c.prepareStatement("UPDATE t SET v = ? WHERE id = ?")) {
                for (int i = 0; i < 10; i++) {
                    ps.setString(1, "u" + i);
                    ps.setInt(2, base + i);
                    ps.addBatch();
                }
                out.add("update batch " + Arrays.toString(ps.executeBatch()));
            }
            try (Statement s = c.createStatement()) {
                s.addBatch("INSERT INTO t (id, v) VALUES (" + (base + 100) + ", 's')");
                s.addBatch("UPDATE t SET v = 'ss' WHERE id = " + (base + 100));
                s.addBatch("DELETE FROM t WHERE id BETWEEN " + (base + 40) + " AND " + (base + 49));
                out.add("statement batch " + Arrays.toString(s.executeBatch()));
            }
            c.setAutoCommit(false);
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO t (id, v) VALUES (?, ?)")) {
                for (int i = 0; i < 5; i++) {
                    ps.setInt(1, base + 200 + i);
                    ps.setString(2, "tx" + i);
                    ps.addBatch();
                }
                out.add("batch in transaction " + Arrays.toString(ps.executeBatch()));
            }
            c.commit();
            c.setAutoCommit(true);
            try (Statement s = c.createStatement()) {
                dump(s.executeQuery("SELECT id, v FROM t WHERE id >= " + base + " AND id < " + (base + 1000)
                        + " ORDER BY id"), "rows", out);
            }
        });
    }

    @Test
    void fetchSizeCursors() throws Exception {
        List<String> t = compare(new Properties(), (c, out) -> {
            c.setAutoCommit(false);
            try (Statement s = c.createStatement()) {
                s.setFetchSize(2);
                dump(s.executeQuery("SELECT * FROM orders ORDER BY id"), "orders fetch 2", out);
            }
            try (PreparedStatement ps = c.prepareStatement("SELECT id, v FROM t WHERE id > ? ORDER BY id")) {
                ps.setFetchSize(1);
                ps.setInt(1, 0);
                dump(ps.executeQuery(), "t fetch 1", out);
            }
            try (Statement s = c.createStatement()) {
                s.setFetchSize(3);
                dump(s.executeQuery("SELECT g, g * 2 AS twice FROM generate_series(1, 10) AS g"), "series fetch 3", out);
                s.setMaxRows(4);
                dump(s.executeQuery("SELECT g FROM generate_series(1, 10) AS g"), "series max rows 4", out);
            }
            c.commit();
            c.setAutoCommit(true);
        });
        assertTrue(t.contains("-- orders fetch 2") && t.size() > 20, String.join("\n", t));
    }

    @Test
    void savepoints() throws Exception {
        compare(new Properties(), (c, out) -> {
            c.setAutoCommit(false);
            try (Statement s = c.createStatement()) {
                s.executeUpdate("INSERT INTO t (id, v) VALUES (3000, 'kept')");
                Savepoint sp1 = c.setSavepoint();
                s.executeUpdate("INSERT INTO t (id, v) VALUES (3001, 'rolled back')");
                c.rollback(sp1);
                Savepoint sp2 = c.setSavepoint("named_sp");
                s.executeUpdate("INSERT INTO t (id, v) VALUES (3002, 'released')");
                c.releaseSavepoint(sp2);
                Savepoint sp3 = c.setSavepoint("after_error");
                try {
                    s.executeUpdate("INSERT INTO t (id, v) VALUES (3000, 'duplicate')");
                } catch (SQLException e) {
                    out.add("expected " + e.getSQLState() + " " + e.getMessage());
                }
                c.rollback(sp3);
                s.executeUpdate("INSERT INTO t (id, v) VALUES (3003, 'after rollback to savepoint')");
            }
            c.commit();
            c.setAutoCommit(true);
            try (Statement s = c.createStatement()) {
                dump(s.executeQuery("SELECT id, v FROM t WHERE id BETWEEN 3000 AND 3099 ORDER BY id"), "rows", out);
            }
            c.createStatement().executeUpdate("DELETE FROM t WHERE id BETWEEN 3000 AND 3099");
        });
    }

    @ParameterizedTest(name = "autosave={0}")
    @ValueSource(strings = {"always", "conservative"})
    void autosave(String mode) throws Exception {
        compare(props("autosave", mode), (c, out) -> {
            c.setAutoCommit(false);
            try (PreparedStatement ins = c.prepareStatement("INSERT INTO t (id, v) VALUES (?, ?)");
                 Statement s = c.createStatement()) {
                ins.setInt(1, 3100);
                ins.setString(2, "before");
                out.add("insert " + ins.executeUpdate());
                try {
                    s.executeQuery("SELECT 1 / 0");
                } catch (SQLException e) {
                    out.add("expected " + e.getSQLState() + " " + e.getMessage());
                }
                ins.setInt(1, 3101);
                ins.setString(2, "after");
                out.add("insert " + ins.executeUpdate());
            }
            c.commit();
            c.setAutoCommit(true);
            try (Statement s = c.createStatement()) {
                dump(s.executeQuery("SELECT id, v FROM t WHERE id BETWEEN 3100 AND 3199 ORDER BY id"), "rows", out);
                s.executeUpdate("DELETE FROM t WHERE id BETWEEN 3100 AND 3199");
            }
        });
    }

    @Test
    void copyManagerInAndOut() throws Exception {
        List<String> t = compare(new Properties(), (c, out) -> {
            CopyManager copy = c.unwrap(PGConnection.class).getCopyAPI();
            StringBuilder rows = new StringBuilder();
            for (int i = 0; i < 1000; i++) {
                rows.append(4000 + i).append('\t').append("copied ").append(i).append('\n');
            }
            out.add("copy in text " + copy.copyIn("COPY t FROM STDIN", new StringReader(rows.toString())));
            out.add("copy in csv " + copy.copyIn("COPY t (id, v) FROM STDIN WITH (FORMAT csv, HEADER)",
                    new StringReader("id,v\n5000,\"quoted, comma\"\n5001,\n")));
            StringWriter w = new StringWriter();
            out.add("copy out " + copy.copyOut("COPY t TO STDOUT", w));
            out.add(w.toString());
            StringWriter csv = new StringWriter();
            out.add("copy out query " + copy.copyOut(
                    "COPY (SELECT id, email, tags FROM customers ORDER BY id) TO STDOUT WITH (FORMAT csv, HEADER)", csv));
            out.add(csv.toString());
            c.setAutoCommit(false);
            out.add("copy in inside a transaction " + copy.copyIn("COPY t FROM STDIN",
                    new StringReader("5100\trolled back\n")));
            c.rollback();
            c.setAutoCommit(true);
            try (Statement s = c.createStatement()) {
                dump(s.executeQuery("SELECT count(*), min(id), max(id) FROM t WHERE id >= 4000 AND id < 6000"), "count", out);
                s.executeUpdate("DELETE FROM t WHERE id >= 4000 AND id < 6000");
            }
        });
        assertTrue(t.contains("copy in text 1000") && t.contains("copy in csv 2"), String.join("\n", t));
    }

    /**
     * A text PostgreSQL cannot read fails with 42601, syntax_error, through PgGuard as it does direct, in both query
     * modes, though PgGuard's rules refuse it before the server sees it; inside a transaction the next statement
     * then meets the same aborted transaction (25P02). Only the messages differ: PgGuard's names its rule.
     */
    @ParameterizedTest(name = "preferQueryMode={0}")
    @ValueSource(strings = {"simple", "extended"})
    void syntaxErrorsKeepPostgresqlsSqlstate(String mode) throws Exception {
        List<String> texts = List.of("SELECT 'unterminated", "SELECT 1 /* unterminated", "SELEC 1", "SELECT (1",
                "SELECT 1)", "SELECT \"\" FROM t");
        List<String> expected = sqlStatesOf(direct(props("preferQueryMode", mode)), texts);
        List<String> actual = sqlStatesOf(proxied(props("preferQueryMode", mode)), texts);
        assertEquals(expected, actual, "SQLSTATEs through PgGuard differ from direct");
        for (String text : texts) {
            assertTrue(expected.contains(text + " -> 42601"), () -> "PostgreSQL itself: " + expected);
        }
        assertTrue(expected.contains("in a transaction, then -> 25P02"), () -> "PostgreSQL itself: " + expected);
    }

    private static List<String> sqlStatesOf(Connection connection, List<String> texts) throws SQLException {
        List<String> out = new ArrayList<>();
        try (Connection c = connection; Statement s = c.createStatement()) {
            for (String text : texts) {
                out.add(text + " -> " + sqlStateOf(s, text));
                out.add("then -> " + sqlStateOf(s, "SELECT 1"));
            }
            c.setAutoCommit(false);
            out.add("in a transaction -> " + sqlStateOf(s, "SELEC 1"));
            out.add("in a transaction, then -> " + sqlStateOf(s, "SELECT 1"));
            c.rollback();
        }
        return out;
    }

    private static String sqlStateOf(Statement s, String sql) {
        try {
            s.execute(sql);
            return "ok";
        } catch (SQLException e) {
            return e.getSQLState();
        }
    }

    @Test
    void listenNotify() throws Exception {
        List<String> t = compare2(new Properties(), (listener, notifier, out) -> {
            try (Statement s = listener.createStatement()) {
                s.execute("LISTEN jobs");
                s.execute("LISTEN \"Other Channel\"");
            }
            try (Statement s = notifier.createStatement()) {
                s.execute("NOTIFY jobs, 'first'");
                s.execute("SELECT pg_notify('jobs', 'second')");
                s.execute("NOTIFY \"Other Channel\"");
                notifier.setAutoCommit(false);
                s.execute("NOTIFY jobs, 'committed'");
                s.execute("NOTIFY jobs, 'committed'"); // duplicates in one transaction fold into one
                notifier.commit();
                s.execute("NOTIFY jobs, 'rolled back'");
                notifier.rollback();
                notifier.setAutoCommit(true);
            }
            List<String> got = new ArrayList<>();
            long deadline = System.currentTimeMillis() + 10_000;
            while (got.size() < 4 && System.currentTimeMillis() < deadline) {
                PGNotification[] ns = listener.unwrap(PGConnection.class).getNotifications(500);
                if (ns != null) {
                    for (PGNotification n : ns) {
                        got.add(n.getName() + ":" + n.getParameter());
                    }
                }
            }
            out.add("notifications " + got);
            try (Statement s = listener.createStatement()) {
                s.execute("UNLISTEN *");
            }
        });
        assertTrue(t.contains("notifications [jobs:first, jobs:second, Other Channel:, jobs:committed]"),
                String.join("\n", t));
    }
}
