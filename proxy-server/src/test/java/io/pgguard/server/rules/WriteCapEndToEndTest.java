package io.pgguard.server.rules;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgguard.core.testing.Cli;
import io.pgguard.core.testing.PostgresFixture;
import io.pgguard.server.testing.GuardHarness;
import java.sql.BatchUpdateException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.postgresql.util.PSQLException;

/**
 * Row cap on writes: a write that changes more rows than the cap is rolled back by the server itself and the
 * client gets SQLSTATE 54000 where the write's result would have been; nothing over the cap is ever committed.
 */
class WriteCapEndToEndTest {
    static final String RULES = """
            pgguard.rules {
              id = write-cap-test
              users { wcap_user = [app] }
              roles { app { statements = [DML, COPY, TRANSACTION, SESSION]
                            tables = [ { on = ["public.wcap_*"], privileges = [SELECT, INSERT, UPDATE, DELETE] } ] } }
              rules = [
                { id = write-cap, type = write-row-cap, max-rows = 5 }
                { id = grants, type = grants }
              ]
            }
            """;
    static PostgresFixture pg;
    static GuardHarness guard;

    @BeforeAll
    static void start() throws Exception {
        pg = PostgresFixture.get();
        pg.role("wcap_user", "pw");
        guard = GuardHarness.startWithText(pg, RULES, Map.of());
    }

    @AfterAll
    static void stop() {
        guard.close();
    }

    @BeforeEach
    void reset() throws SQLException {
        pg.sql("DROP TABLE IF EXISTS wcap_items; CREATE TABLE wcap_items (id int PRIMARY KEY, v text);"
                + "INSERT INTO wcap_items SELECT g, 'orig' FROM generate_series(1, 20) g; GRANT ALL ON wcap_items TO wcap_user");
    }

    static int changed() throws SQLException {
        try (Connection c = pg.superuser();
                ResultSet rs = c.createStatement().executeQuery("SELECT count(*) FROM wcap_items WHERE v <> 'orig' OR id > 20")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    static Connection connect(String mode) throws SQLException {
        Properties p = new Properties();
        p.setProperty("preferQueryMode", mode);
        return guard.connect("wcap_user", "pw", "postgres", p);
    }

    @Test
    void writesWithinTheCapCommitAndWritesOverItRollBack() throws Exception {
        for (String mode : new String[] {"simple", "extended", "extendedForPrepared"}) {
            reset();
            try (Connection c = connect(mode); Statement s = c.createStatement()) {
                assertEquals(3, s.executeUpdate("UPDATE wcap_items SET v = 'new' WHERE id <= 3"), mode);
                PSQLException e = assertThrows(PSQLException.class,
                        () -> s.executeUpdate("UPDATE wcap_items SET v = 'big' WHERE id > 10"), mode);
                assertEquals("54000", e.getSQLState(), mode + ": " + e.getMessage());
                assertTrue(e.getMessage().contains("write row limit of 5"), e.getMessage());
                assertEquals(3, changed(), mode + ": the capped UPDATE was rolled back, the small one stayed");
                try (ResultSet rs = s.executeQuery("SELECT count(*) FROM wcap_items WHERE v = 'big'")) {
                    rs.next();
                    assertEquals(0, rs.getInt(1), mode + ": the session goes on and sees no trace of it");
                }
            }
        }
    }

    @Test
    void writesWhoseTagCannotCountTheirRowsAreRefusedUnderACap() throws Exception {
        for (String mode : new String[] {"simple", "extended"}) {
            reset();
            try (Connection c = connect(mode); Statement s = c.createStatement()) {
                // The command tag is the outer SELECT's ("SELECT 1"), not the rows the CTE changed: refused before
                // it runs, like EXPLAIN ANALYZE of a write (its tag is "EXPLAIN").
                for (String sql : new String[] {
                        "WITH d AS (UPDATE wcap_items SET v = 'cte' WHERE id > 0 RETURNING id) SELECT count(*) FROM d",
                        "EXPLAIN ANALYZE UPDATE wcap_items SET v = 'explained' WHERE id > 0"}) {
                    PSQLException e = assertThrows(PSQLException.class, () -> s.execute(sql), mode + ": " + sql);
                    assertEquals("42501", e.getSQLState(), mode + ": " + e.getMessage());
                    assertTrue(e.getMessage().contains("cannot be counted against the write row limit of 5"),
                            e.getMessage());
                }
                assertEquals(0, changed(), mode + ": nothing was changed");
                assertEquals(2, s.executeUpdate("WITH k AS (SELECT 1) UPDATE wcap_items SET v = 'w' WHERE id <= 2"),
                        mode + ": a read-only WITH before a write is counted by the write's own tag");
            }
        }
    }

    @Test
    void aWriteFetchedInPartsIsNotCommittedPastTheCap() throws Exception {
        try (Connection c = connect("extended")) {
            c.setAutoCommit(false);
            try (Statement s = c.createStatement()) {
                s.setFetchSize(2); // pgjdbc executes the portal 2 rows at a time (Execute with a row limit)
                PSQLException e = assertThrows(PSQLException.class, () -> {
                    try (ResultSet rs = s.executeQuery("UPDATE wcap_items SET v = 'parts' WHERE id > 0 RETURNING id")) {
                        while (rs.next()) {
                            rs.getInt(1);
                        }
                    }
                });
                assertEquals("54000", e.getSQLState(), e.getMessage());
            }
            c.commit();
            assertEquals(0, changed(), "nothing over the cap was committed");
        }
    }

    @Test
    void aMultiStatementQueryKeepsItsResultsAndFailsWhole() throws Exception {
        try (Connection c = connect("simple"); Statement s = c.createStatement()) {
            assertTrue(s.execute("SELECT id FROM wcap_items WHERE id <= 2 ORDER BY id; UPDATE wcap_items SET v = 'x' WHERE id = 1"));
            try (ResultSet rs = s.getResultSet()) {
                assertTrue(rs.next());
                assertEquals(1, rs.getInt(1));
                assertTrue(rs.next());
                assertFalse(rs.next());
            }
            assertFalse(s.getMoreResults());
            assertEquals(1, s.getUpdateCount());
            assertEquals(1, changed());
            PSQLException e = assertThrows(PSQLException.class, () -> s.execute(
                    "UPDATE wcap_items SET v = 'y' WHERE id = 2; DELETE FROM wcap_items WHERE id > 8"));
            assertEquals("54000", e.getSQLState());
            assertEquals(1, changed(), "the statement before the capped one rolled back with it");
        }
    }

    @Test
    void insideATransactionBlockTheCapAbortsTheTransaction() throws Exception {
        for (String mode : new String[] {"simple", "extended"}) {
            reset();
            try (Connection c = connect(mode)) {
                c.setAutoCommit(false);
                Statement s = c.createStatement();
                s.executeUpdate("UPDATE wcap_items SET v = 'a' WHERE id = 1");
                assertEquals("54000", assertThrows(PSQLException.class,
                        () -> s.executeUpdate("DELETE FROM wcap_items WHERE id > 5")).getSQLState());
                assertEquals("25P02", assertThrows(PSQLException.class, () -> s.execute("SELECT 1")).getSQLState(), mode);
                c.commit();
                assertEquals(0, changed(), mode + ": nothing of the transaction was committed");
            }
        }
    }

    @Test
    void aBatchWithAnOversizedStatementCommitsNothing() throws Exception {
        try (Connection c = connect("extended"); Statement s = c.createStatement()) {
            s.addBatch("UPDATE wcap_items SET v = 'b1' WHERE id = 1");
            s.addBatch("UPDATE wcap_items SET v = 'b2' WHERE id BETWEEN 2 AND 15");
            s.addBatch("UPDATE wcap_items SET v = 'b3' WHERE id = 16");
            BatchUpdateException e = assertThrows(BatchUpdateException.class, s::executeBatch);
            SQLException cause = e.getNextException() != null ? e.getNextException() : e;
            assertEquals("54000", cause.getSQLState());
            assertEquals(0, changed());
        }
    }

    @Test
    void copyFromStdinIsCappedToo() throws Exception {
        List<String> psql = List.of(Cli.require("psql"), "-X", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p",
                Integer.toString(guard.port()), "-U", "wcap_user", "-d", "postgres");
        StringBuilder small = new StringBuilder("COPY wcap_items FROM STDIN;\n");
        for (int i = 101; i <= 103; i++) {
            small.append(i).append("\tcopied\n");
        }
        small.append("\\.\n");
        Cli.Result ok = Cli.run(psql, Map.of("PGPASSWORD", "pw"), small.toString(), 30);
        assertEquals(0, ok.exitCode(), ok.all());
        assertTrue(ok.stdout().contains("COPY 3"), ok.stdout());
        StringBuilder big = new StringBuilder("COPY wcap_items FROM STDIN;\n");
        for (int i = 201; i <= 230; i++) {
            big.append(i).append("\tcopied\n");
        }
        big.append("\\.\n");
        Cli.Result refused = Cli.run(psql, Map.of("PGPASSWORD", "pw"), big.toString(), 30);
        assertEquals(3, refused.exitCode(), refused.all());
        assertTrue(refused.stderr().contains("write row limit"), refused.stderr());
        assertEquals(3, changed(), "only the small COPY is there");
    }
}
