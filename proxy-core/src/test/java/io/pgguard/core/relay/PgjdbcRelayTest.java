package io.pgguard.core.relay;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgguard.core.inspect.StatementInspector;
import io.pgguard.core.testing.JdbcCancel;
import io.pgguard.core.testing.PostgresFixture;
import io.pgguard.core.testing.ProxyHarness;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLWarning;
import java.sql.Statement;
import java.util.Properties;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.postgresql.copy.CopyManager;
import org.postgresql.util.PSQLException;

/** pgjdbc through the proxy with an allow-all inspector: everything must behave as it does directly. */
class PgjdbcRelayTest {
    static PostgresFixture pg;
    static ProxyHarness proxy;

    @BeforeAll
    static void start() throws Exception {
        pg = PostgresFixture.get();
        proxy = new ProxyHarness(pg, StatementInspector.ALLOW_ALL);
        pg.role("relay_user", "relay_pw");
        pg.sql("DROP TABLE IF EXISTS relay_items; CREATE TABLE relay_items (id int PRIMARY KEY, v text, b bytea);"
                + "GRANT ALL ON relay_items TO relay_user");
    }

    @AfterAll
    static void stop() {
        proxy.close();
    }

    Connection connect() throws SQLException {
        return proxy.connect("relay_user", "relay_pw");
    }

    @Test
    void simpleQueryReturnsRowsAndTags() throws Exception {
        try (Connection c = connect(); Statement s = c.createStatement()) {
            assertTrue(s.execute("SELECT 1 AS one, 'two'::text AS two, NULL::int AS three"));
            ResultSet rs = s.getResultSet();
            assertTrue(rs.next());
            assertEquals(1, rs.getInt(1));
            assertEquals("two", rs.getString(2));
            assertEquals(0, rs.getInt(3));
            assertTrue(rs.wasNull());
            assertEquals(0, s.executeUpdate("DELETE FROM relay_items WHERE id < 0"));
        }
    }

    @Test
    void multiStatementStringReturnsEachResult() throws Exception {
        Properties simple = new Properties();
        simple.setProperty("preferQueryMode", "simple");
        try (Connection c = proxy.connect("relay_user", "relay_pw", simple); Statement s = c.createStatement()) {
            assertTrue(s.execute("SELECT 1; SELECT 2, 3; SELECT generate_series(1, 5)"));
            int results = 0;
            int rows = 0;
            do {
                try (ResultSet rs = s.getResultSet()) {
                    while (rs.next()) {
                        rows++;
                    }
                }
                results++;
            } while (s.getMoreResults());
            assertEquals(3, results);
            assertEquals(7, rows);
        }
    }

    @Test
    void serverErrorsKeepTheirSqlStateAndTheSessionGoesOn() throws Exception {
        try (Connection c = connect(); Statement s = c.createStatement()) {
            PSQLException e = assertThrows(PSQLException.class, () -> s.execute("SELECT * FROM no_such_table"));
            assertEquals("42P01", e.getSQLState());
            PSQLException div = assertThrows(PSQLException.class, () -> s.execute("SELECT 1/0"));
            assertEquals("22012", div.getSQLState());
            try (ResultSet rs = s.executeQuery("SELECT 42")) {
                assertTrue(rs.next());
                assertEquals(42, rs.getInt(1));
            }
        }
    }

    @Test
    void noticesReachTheClient() throws Exception {
        try (Connection c = connect(); Statement s = c.createStatement()) {
            s.execute("DO $$ BEGIN RAISE NOTICE 'hello from the server'; END $$");
            SQLWarning warning = s.getWarnings();
            assertNotNull(warning);
            assertEquals("hello from the server", warning.getMessage());
        }
    }

    @Test
    void preparedStatementsPastThresholdWithBinaryTransfer() throws Exception {
        Properties props = new Properties();
        props.setProperty("prepareThreshold", "1");
        props.setProperty("binaryTransfer", "true");
        try (Connection c = proxy.connect("relay_user", "relay_pw", props);
                PreparedStatement ps = c.prepareStatement("SELECT ?::int * 2, ?::bytea, now()")) {
            byte[] blob = new byte[70_000];
            for (int i = 0; i < blob.length; i++) {
                blob[i] = (byte) i;
            }
            for (int i = 0; i < 10; i++) {
                ps.setInt(1, i);
                ps.setBytes(2, blob);
                try (ResultSet rs = ps.executeQuery()) {
                    assertTrue(rs.next());
                    assertEquals(i * 2, rs.getInt(1));
                    assertArrayEquals(blob, rs.getBytes(2));
                }
            }
        }
    }

    @Test
    void batchesArePipelinedAndCounted() throws Exception {
        try (Connection c = connect()) {
            c.setAutoCommit(false);
            try (Statement s = c.createStatement()) {
                s.execute("DELETE FROM relay_items WHERE id BETWEEN 1000 AND 1999");
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO relay_items (id, v) VALUES (?, ?)")) {
                for (int i = 1000; i < 1500; i++) {
                    ps.setInt(1, i);
                    ps.setString(2, "row " + i);
                    ps.addBatch();
                }
                int[] counts = ps.executeBatch();
                assertEquals(500, counts.length);
            }
            c.commit();
            try (Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery("SELECT count(*) FROM relay_items WHERE id BETWEEN 1000 AND 1999")) {
                assertTrue(rs.next());
                assertEquals(500, rs.getInt(1));
            }
        }
    }

    @Test
    void copyInAndOutStreamThrough() throws Exception {
        try (Connection c = connect()) {
            c.createStatement().execute("DELETE FROM relay_items WHERE id >= 100000");
            CopyManager copy = c.unwrap(PGConnection.class).getCopyAPI();
            StringBuilder data = new StringBuilder();
            for (int i = 100000; i < 150000; i++) {
                data.append(i).append('\t').append("copied value ").append(i).append("\t\\N\n");
            }
            long in = copy.copyIn("COPY relay_items (id, v, b) FROM STDIN",
                    new ByteArrayInputStream(data.toString().getBytes(StandardCharsets.UTF_8)));
            assertEquals(50_000, in);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            long rows = copy.copyOut("COPY (SELECT id, v, b FROM relay_items WHERE id >= 100000 ORDER BY id) TO STDOUT",
                    out);
            assertEquals(50_000, rows);
            assertEquals(data.toString(), out.toString(StandardCharsets.UTF_8));
        }
    }

    @Test
    void notificationsArriveWhileIdle() throws Exception {
        try (Connection listener = connect(); Connection sender = connect()) {
            listener.createStatement().execute("LISTEN relay_channel");
            sender.createStatement().execute("NOTIFY relay_channel, 'payload-1'");
            PGNotification[] got = listener.unwrap(PGConnection.class).getNotifications(5000);
            assertNotNull(got);
            assertEquals(1, got.length);
            assertEquals("relay_channel", got[0].getName());
            assertEquals("payload-1", got[0].getParameter());
        }
    }

    @Test
    void cancelStopsARunningStatement() throws Exception {
        try (Connection c = connect(); Statement s = c.createStatement()) {
            JdbcCancel.assertCancelStopsASleep(s);
            try (ResultSet rs = s.executeQuery("SELECT 'still usable'")) {
                assertTrue(rs.next());
            }
        }
    }

    @Test
    void wrongPasswordGetsTheServersError() {
        PSQLException e = assertThrows(PSQLException.class, () -> proxy.connect("relay_user", "wrong"));
        assertEquals("28P01", e.getSQLState());
    }

    @Test
    void largeResultStreams() throws Exception {
        try (Connection c = connect(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT g, repeat('x', 200) FROM generate_series(1, 200000) g")) {
            long n = 0;
            while (rs.next()) {
                n++;
            }
            assertEquals(200_000, n);
        }
    }
}
