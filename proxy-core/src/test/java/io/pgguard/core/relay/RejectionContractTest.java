package io.pgguard.core.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgguard.core.inspect.StatementInspector;
import io.pgguard.core.inspect.Verdict;
import io.pgguard.core.protocol.PgError;
import io.pgguard.core.testing.PostgresFixture;
import io.pgguard.core.testing.ProxyHarness;
import java.sql.BatchUpdateException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.postgresql.util.PSQLException;

/**
 * A refused statement behaves exactly as if PostgreSQL had raised the proxy's error at that point: the
 * transaction is aborted, a pipeline keeps its order and is discarded up to Sync, and nothing refused runs.
 */
class RejectionContractTest {
    static final String MARKER = "guarded_victim";
    /** A statement carrying this marker makes the inspector throw, as a bug in it would. */
    static final String INSPECTOR_FAILS = "pgguard_inspector_fails";
    static final StatementInspector REFUSE_DELETES = (session, sql, origin) -> {
        if (sql.contains(INSPECTOR_FAILS)) {
            throw new IllegalStateException("inspector bug");
        }
        return sql.contains("DELETE FROM " + MARKER)
                    ? Verdict.reject(new PgError("ERROR", "42501", "PgGuard: statement refused by rule \"test-rule\"",
                            "DELETE on " + MARKER + " is refused (rule test-rule).", "Use a WHERE."), "test-rule", null)
                    : Verdict.FORWARD;
    };

    static PostgresFixture pg;
    static ProxyHarness proxy;

    @BeforeAll
    static void start() throws Exception {
        pg = PostgresFixture.get();
        proxy = new ProxyHarness(pg, REFUSE_DELETES);
        pg.role("contract_user", "contract_pw");
        pg.sql("DROP TABLE IF EXISTS " + MARKER + "; CREATE TABLE " + MARKER + " (id int PRIMARY KEY);"
                + "GRANT ALL ON " + MARKER + " TO contract_user");
    }

    @AfterAll
    static void stop() {
        proxy.close();
    }

    @BeforeEach
    void reset() throws SQLException {
        pg.sql("TRUNCATE " + MARKER + "; INSERT INTO " + MARKER + " VALUES (1), (2), (3)");
    }

    Connection connect(String queryMode) throws SQLException {
        Properties p = new Properties();
        p.setProperty("preferQueryMode", queryMode);
        return proxy.connect("contract_user", "contract_pw", p);
    }

    static int rows() throws SQLException {
        try (Connection c = pg.superuser(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT count(*) FROM " + MARKER)) {
            rs.next();
            return rs.getInt(1);
        }
    }

    /**
     * An inspector that throws fails closed: the statement is not sent, the client gets PgGuard's internal
     * error (XX000, no stack trace) and its session ends, the message's buffer is released (the leak detector
     * runs at paranoid), and other sessions go on.
     */
    @Test
    void aStatementTheInspectorFailsOnIsNeverSentAndEndsOnlyItsSession() throws Exception {
        for (String mode : new String[] {"simple", "extended"}) {
            try (Connection c = connect(mode); Statement s = c.createStatement()) {
                PSQLException e = assertThrows(PSQLException.class,
                        () -> s.execute("DELETE FROM " + MARKER + " WHERE id > 0 /* " + INSPECTOR_FAILS + " */"));
                assertEquals("XX000", e.getSQLState(), mode);
                assertEquals("PgGuard internal error; see the proxy log", e.getServerErrorMessage().getMessage());
                assertTrue(c.isClosed() || !c.isValid(2), mode + ": the session ended");
            }
            assertEquals(3, rows(), mode + ": nothing ran");
            try (Connection other = connect(mode); Statement s = other.createStatement()) {
                s.execute("INSERT INTO " + MARKER + " VALUES (4)");
                assertEquals(4, rows(), mode + ": another session works");
            }
            reset();
        }
    }

    @Test
    void refusedSimpleQueryGetsTheRulesErrorAndRunsNothing() throws Exception {
        try (Connection c = connect("simple"); Statement s = c.createStatement()) {
            PSQLException e = assertThrows(PSQLException.class, () -> s.execute("DELETE FROM " + MARKER));
            assertEquals("42501", e.getSQLState());
            assertTrue(e.getServerErrorMessage().getMessage().contains("test-rule"));
            assertEquals("Use a WHERE.", e.getServerErrorMessage().getHint());
            assertEquals(3, rows());
            try (ResultSet rs = s.executeQuery("SELECT count(*) FROM " + MARKER)) {
                rs.next();
                assertEquals(3, rs.getInt(1), "the session goes on after a refusal");
            }
        }
    }

    @Test
    void aWholeMultiStatementQueryIsRefusedWhenOneStatementIs() throws Exception {
        try (Connection c = connect("simple"); Statement s = c.createStatement()) {
            PSQLException e = assertThrows(PSQLException.class,
                    () -> s.execute("INSERT INTO " + MARKER + " VALUES (10); DELETE FROM " + MARKER));
            assertEquals("42501", e.getSQLState());
            assertEquals(3, rows(), "not even the INSERT before the refused DELETE ran");
        }
    }

    @Test
    void refusalInsideATransactionBlockAbortsIt() throws Exception {
        for (String mode : new String[] {"simple", "extended"}) {
            reset();
            try (Connection c = connect(mode)) {
                c.setAutoCommit(false);
                Statement s = c.createStatement();
                s.executeUpdate("INSERT INTO " + MARKER + " VALUES (20)");
                PSQLException e = assertThrows(PSQLException.class, () -> s.execute("DELETE FROM " + MARKER));
                assertEquals("42501", e.getSQLState());
                PSQLException aborted = assertThrows(PSQLException.class, () -> s.execute("SELECT 1"));
                assertEquals("25P02", aborted.getSQLState(), mode + ": the server knows the transaction failed");
                c.commit(); // PostgreSQL answers COMMIT of a failed transaction with ROLLBACK
                assertEquals(3, rows(), mode + ": the INSERT before the refusal was rolled back");
            }
        }
    }

    @Test
    void refusalInAPipelinedBatchRollsBackTheImplicitTransaction() throws Exception {
        try (Connection c = connect("extended"); Statement s = c.createStatement()) {
            s.addBatch("INSERT INTO " + MARKER + " VALUES (30)");
            s.addBatch("INSERT INTO " + MARKER + " VALUES (31)");
            s.addBatch("DELETE FROM " + MARKER);
            s.addBatch("INSERT INTO " + MARKER + " VALUES (32)");
            BatchUpdateException e = assertThrows(BatchUpdateException.class, s::executeBatch);
            SQLException cause = e.getNextException() != null ? e.getNextException() : e;
            assertEquals("42501", cause.getSQLState());
            assertEquals(3, rows(), "statements before and after the refusal in the batch did not commit");
        }
    }

    @Test
    void aRefusedNamedStatementStaysRefusedOnEveryExecution() throws Exception {
        Properties p = new Properties();
        p.setProperty("prepareThreshold", "1");
        try (Connection c = proxy.connect("contract_user", "contract_pw", p);
                PreparedStatement ps = c.prepareStatement("DELETE FROM " + MARKER + " WHERE id > ?")) {
            for (int i = 0; i < 4; i++) {
                ps.setInt(1, 0);
                PSQLException e = assertThrows(PSQLException.class, ps::executeUpdate);
                assertEquals("42501", e.getSQLState(), "execution " + i);
            }
            assertEquals(3, rows());
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT 5")) {
                assertTrue(rs.next());
            }
        }
    }
}
