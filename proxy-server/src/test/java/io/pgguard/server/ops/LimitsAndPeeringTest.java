package io.pgguard.server.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgguard.core.testing.PostgresFixture;
import io.pgguard.server.testing.GuardHarness;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.postgresql.util.PSQLException;

/** Connection limits, proxy-enforced timeouts, statement count limit, and cancel forwarding between replicas. */
class LimitsAndPeeringTest {
    static final String RULES = "pgguard.rules { id = lim, users { lim_ruled = [r] }, roles { r { statements = [ALL], "
            + "tables = [ { on = [\"*.*\"], privileges = [ALL] } ] } }, rules = [ { id = grants, type = grants } ] }\n";
    static PostgresFixture pg;

    @BeforeAll
    static void setUp() throws Exception {
        pg = PostgresFixture.get();
        pg.role("lim_user", "pw");
        pg.role("lim_ruled", "pw");
        pg.sql("DROP ROLE IF EXISTS lim_other; CREATE ROLE lim_other; GRANT lim_other TO lim_ruled");
    }

    @Test
    void connectionLimitsPerUserAndOverall() throws Exception {
        try (GuardHarness guard = GuardHarness.startWithText(pg, RULES
                + "pgguard.limits { max-connections = 3, users { lim_user { max-connections = 2 } } }", Map.of())) {
            List<Connection> open = new ArrayList<>();
            open.add(guard.connect("lim_user", "pw"));
            open.add(guard.connect("lim_user", "pw"));
            PSQLException perUser = assertThrows(PSQLException.class, () -> guard.connect("lim_user", "pw"));
            assertEquals("53300", perUser.getSQLState());
            assertTrue(perUser.getMessage().contains("lim_user") && perUser.getMessage().contains("limit 2"),
                    perUser.getMessage());
            open.add(guard.connect("lim_ruled", "pw"));
            PSQLException overall = assertThrows(PSQLException.class, () -> guard.connect("lim_ruled", "pw"));
            assertEquals("53300", overall.getSQLState());
            open.remove(0).close();
            Thread.sleep(100);
            try (Connection again = guard.connect("lim_user", "pw")) {
                assertTrue(again.isValid(2), "a closed connection frees its slot");
            }
            for (Connection c : open) {
                c.close();
            }
        }
    }

    @Test
    void connectionLimitPerDatabase() throws Exception {
        try (Connection c = pg.superuser()) {
            c.createStatement().execute("DROP DATABASE IF EXISTS lim_db");
            c.createStatement().execute("CREATE DATABASE lim_db");
        }
        try (GuardHarness guard = GuardHarness.startWithText(pg, RULES
                + "pgguard.limits { max-connections-per-database = 5, databases { lim_db { max-connections = 1 } } }",
                Map.of());
                Connection first = guard.connect("lim_user", "pw", "lim_db", new Properties())) {
            PSQLException e = assertThrows(PSQLException.class,
                    () -> guard.connect("lim_user", "pw", "lim_db", new Properties()));
            assertEquals("53300", e.getSQLState());
            assertTrue(e.getMessage().contains("lim_db") && e.getMessage().contains("limit 1"), e.getMessage());
            try (Connection other = guard.connect("lim_user", "pw", "postgres", new Properties())) {
                assertTrue(other.isValid(2), "another database has its own count");
            }
            assertTrue(first.isValid(2));
        }
    }

    @Test
    void statementTimeoutCancelsAndNamesTheLimit() throws Exception {
        try (GuardHarness guard = GuardHarness.startWithText(pg, RULES
                + "pgguard.limits.users { lim_user { statement-timeout = 500ms } }", Map.of());
                Connection c = guard.connect("lim_user", "pw")) {
            long start = System.nanoTime();
            PSQLException e = assertThrows(PSQLException.class, () -> c.createStatement().execute("SELECT pg_sleep(20)"));
            assertEquals("57014", e.getSQLState());
            assertTrue(e.getMessage().contains("statement timeout"), e.getMessage());
            assertTrue(System.nanoTime() - start < 10_000_000_000L);
            try (ResultSet rs = c.createStatement().executeQuery("SELECT 1")) {
                assertTrue(rs.next(), "the session goes on");
            }
        }
    }

    @Test
    void statementTimeoutOfARulesRoleAppliesToItsUsers() throws Exception {
        try (GuardHarness guard = GuardHarness.startWithText(pg, RULES
                + "pgguard.limits.roles { r { statement-timeout = 500ms } }", Map.of());
                Connection ruled = guard.connect("lim_ruled", "pw");
                Connection other = guard.connect("lim_user", "pw")) {
            PSQLException e = assertThrows(PSQLException.class,
                    () -> ruled.createStatement().execute("SELECT pg_sleep(20)"));
            assertEquals("57014", e.getSQLState(), "lim_ruled is mapped to role r");
            assertTrue(e.getMessage().contains("statement timeout"), e.getMessage());
            other.createStatement().execute("SELECT pg_sleep(1)"); // lim_user has no role, so no timeout
        }
    }

    @Test
    void idleInTransactionAndIdleTimeouts() throws Exception {
        try (GuardHarness guard = GuardHarness.startWithText(pg, RULES
                + "pgguard.limits { idle-in-transaction-timeout = 400ms, idle-timeout = 1200ms }", Map.of())) {
            try (Connection c = guard.connect("lim_user", "pw")) {
                c.setAutoCommit(false);
                c.createStatement().execute("SELECT 1");
                Thread.sleep(1500);
                PSQLException e = assertThrows(PSQLException.class, () -> c.createStatement().execute("SELECT 2"));
                assertTrue(e.getMessage().contains("idle-in-transaction") || "08006".equals(e.getSQLState()), e.getMessage());
            }
            try (Connection c = guard.connect("lim_user", "pw")) {
                Thread.sleep(2500);
                PSQLException e = assertThrows(PSQLException.class, () -> c.createStatement().execute("SELECT 3"));
                assertTrue(e.getMessage().contains("idle-session") || "08006".equals(e.getSQLState()), e.getMessage());
            }
        }
    }

    /** Only whole messages are activity: a Query sent a byte at a time does not hold an idle transaction open. */
    @Test
    void aMessageTrickledByteByByteDoesNotKeepAnIdleTransactionAlive() throws Exception {
        try (GuardHarness guard = GuardHarness.startWithText(pg, RULES
                + "pgguard.limits { idle-in-transaction-timeout = 400ms }", Map.of());
                RawSession session = new RawSession(guard.port())) {
            DataOutputStream out = session.out;
            DataInputStream in = session.in;
            sendQuery(out, "BEGIN");
            assertEquals('T', readUntilReady(in), "a transaction block is open");

            byte[] query = "QxxxxSELECT 1".getBytes(StandardCharsets.US_ASCII); // never finished
            query[1] = 0;
            query[2] = 0;
            query[3] = 0;
            query[4] = 14;
            for (byte b : query) { // 13 reads over about 2 s, each far under the 400 ms timeout
                try {
                    out.write(b);
                    out.flush();
                } catch (java.io.IOException closedByTheProxy) {
                    break;
                }
                Thread.sleep(150);
            }
            session.socket.setSoTimeout(300); // the error has arrived already, or the trickle kept the session alive
            assertEquals('E', in.read());
            byte[] body = new byte[in.readInt() - 4];
            in.readFully(body);
            String fields = new String(body, StandardCharsets.US_ASCII);
            assertTrue(fields.contains("C25P03"), fields);
            assertTrue(fields.contains("idle-in-transaction"), fields);
        }
    }

    /**
     * libpq sends COPY FROM STDIN in extended messages as Parse, Bind, Describe, Execute, Sync, then the data,
     * CopyDone and a second Sync. The first Sync reaches the server during the copy, which ignores it: one
     * ReadyForQuery answers both. Nothing may stay pending after it, or the session would look busy for ever.
     */
    @Test
    void aCopyInExtendedMessagesLeavesTheSessionIdle() throws Exception {
        pg.sql("DROP TABLE IF EXISTS lim_copy; CREATE TABLE lim_copy (v int)");
        try (GuardHarness guard = GuardHarness.startWithText(pg, RULES
                + "pgguard.limits { statement-timeout = 300ms }", Map.of());
                RawSession session = new RawSession(guard.port())) {
            DataOutputStream out = session.out;
            DataInputStream in = session.in;
            assertEquals(List.of("COPY 1", "ZI"), copyInAsLibpqDoes(out, in, "7\n"));

            Thread.sleep(700); // over the statement timeout, with nothing running: nothing may be cancelled
            sendQuery(out, "SELECT count(*) FROM lim_copy");
            assertEquals('D', readUntil(in, 'D'), "the next statement runs, no error and no wait before it");
            assertEquals('I', readUntilReady(in));
        }
    }

    /**
     * Under a write cap, what follows a write waits until its row count is back. A simple Query with several
     * writes runs as extended messages that PgGuard makes; when it had to wait itself, those messages still go
     * before the next Query the client sent.
     */
    @Test
    void queriesHeldBehindACappedWriteKeepTheirOrder() throws Exception {
        pg.sql("DROP TABLE IF EXISTS lim_w; CREATE TABLE lim_w (id int); INSERT INTO lim_w VALUES (1), (2), (3)");
        try (GuardHarness guard = GuardHarness.startWithText(pg, capRulesForPostgres("write-row-cap", 100), Map.of());
                RawSession session = new RawSession(guard.port())) {
            DataOutputStream out = session.out;
            DataInputStream in = session.in;
            ByteArrayOutputStream three = new ByteArrayOutputStream(); // one write: all three arrive together
            DataOutputStream queries = new DataOutputStream(three);
            sendQuery(queries, "UPDATE lim_w SET id = id WHERE id = 1");
            sendQuery(queries, "UPDATE lim_w SET id = id WHERE id = 2; UPDATE lim_w SET id = id WHERE id = 3");
            sendQuery(queries, "SELECT 'last'");
            out.write(three.toByteArray());
            out.flush();
            List<String> answers = new ArrayList<>();
            for (int query = 0; query < 3; query++) {
                answers.addAll(answersUntilReady(in));
            }
            assertEquals(List.of("UPDATE 1", "ZI", "UPDATE 1", "UPDATE 1", "ZI", "row", "SELECT 1", "ZI"), answers);
        }
    }

    /**
     * A simple Query leaves no unnamed prepared statement behind. PgGuard runs a Query with a capped read as
     * extended messages, which would: a Bind of the unnamed statement after it must fail as in PostgreSQL, not
     * run the capped statement again uncapped.
     */
    @Test
    void noUnnamedStatementOutlivesAQueryRunAsExtendedMessages() throws Exception {
        pg.sql("DROP TABLE IF EXISTS lim_big; CREATE TABLE lim_big AS SELECT g AS id FROM generate_series(1, 20) g");
        try (GuardHarness guard = GuardHarness.startWithText(pg, capRulesForPostgres("read-row-cap", 5), Map.of());
                RawSession session = new RawSession(guard.port())) {
            DataOutputStream out = session.out;
            DataInputStream in = session.in;
            sendQuery(out, "TABLE lim_big");
            assertEquals(List.of("row", "row", "row", "row", "row", "error 54000", "ZI"), answersUntilReady(in),
                    "the cap's 5 rows, then its error in the statement's place");
            writeMessage(out, 'B', new byte[] {0, 0, 0, 0, 0, 0, 0, 0});
            writeMessage(out, 'E', new byte[] {0, 0, 0, 0, 0});
            writeMessage(out, 'S', new byte[0]);
            out.flush();
            assertEquals(List.of("error 26000", "ZI"), answersUntilReady(in), "no rows: the statement is gone");

            // A Parse of the unnamed statement that the server skips (it follows an error) does not bring it back.
            sendQuery(out, "TABLE lim_big");
            answersUntilReady(in);
            writeMessage(out, 'P', "s_bad\0SELEC\0\0\0".getBytes(StandardCharsets.US_ASCII));
            writeMessage(out, 'P', "\0SELECT 1\0\0\0".getBytes(StandardCharsets.US_ASCII));
            writeMessage(out, 'S', new byte[0]);
            out.flush();
            assertEquals(List.of("error 42601", "ZI"), answersUntilReady(in), "SELEC is refused, the rest skipped");
            writeMessage(out, 'B', new byte[] {0, 0, 0, 0, 0, 0, 0, 0});
            writeMessage(out, 'E', new byte[] {0, 0, 0, 0, 0});
            writeMessage(out, 'S', new byte[0]);
            out.flush();
            assertEquals(List.of("error 26000", "ZI"), answersUntilReady(in), "the capped statement does not run");
        }
    }

    /**
     * PgGuard judges a Bind by the verdict of the statement the server really holds under that name: what a
     * message the server fails or skips would have changed never counts, and a name freed on the server (Close,
     * DEALLOCATE) takes the next statement parsed under it.
     */
    @Test
    void aStatementNameCarriesTheVerdictOfWhatTheServerHolds() throws Exception {
        pg.sql("DROP TABLE IF EXISTS lim_big; CREATE TABLE lim_big AS SELECT g AS id FROM generate_series(1, 20) g");
        List<String> capped = List.of("row", "row", "row", "row", "row", "error 54000", "ZI");
        try (GuardHarness guard = GuardHarness.startWithText(pg, capRulesForPostgres("read-row-cap", 5), Map.of());
                RawSession session = new RawSession(guard.port())) {
            DataOutputStream out = session.out;
            DataInputStream in = session.in;
            parse(out, "s1", "SELECT 1");
            writeMessage(out, 'S', new byte[0]);
            out.flush();
            assertEquals(List.of("ZI"), answersUntilReady(in));

            // One write: a Bind the server fails, so it skips the Close up to Sync; then the name really is freed
            // and parsed again for a capped statement.
            bind(out, "nosuch");
            writeMessage(out, 'C', "Ss1\0".getBytes(StandardCharsets.US_ASCII));
            writeMessage(out, 'S', new byte[0]);
            writeMessage(out, 'C', "Ss1\0".getBytes(StandardCharsets.US_ASCII));
            parse(out, "s1", "TABLE lim_big");
            writeMessage(out, 'S', new byte[0]);
            out.flush();
            assertEquals(List.of("error 26000", "ZI"), answersUntilReady(in));
            assertEquals(List.of("ZI"), answersUntilReady(in));
            bind(out, "s1");
            writeMessage(out, 'E', new byte[] {0, 0, 0, 0, 0});
            writeMessage(out, 'S', new byte[0]);
            out.flush();
            assertEquals(capped, answersUntilReady(in), "s1 is the capped statement now");

            // A Parse of a name in use is refused by the server, which keeps its statement: so does PgGuard, even
            // for a Bind sent before the refusal came back.
            parse(out, "s1", "SELECT 1");
            writeMessage(out, 'S', new byte[0]);
            bind(out, "s1");
            writeMessage(out, 'E', new byte[] {0, 0, 0, 0, 0});
            writeMessage(out, 'S', new byte[0]);
            out.flush();
            assertEquals(List.of("error 42P05", "ZI"), answersUntilReady(in));
            assertEquals(capped, answersUntilReady(in), "s1 is still the capped statement");

            // A name SQL DEALLOCATE may have freed is in doubt until a Parse of it is answered, then it is that one.
            parse(out, "s2", "SELECT 1");
            writeMessage(out, 'S', new byte[0]);
            out.flush();
            answersUntilReady(in);
            sendQuery(out, "DEALLOCATE s2");
            assertEquals(List.of("DEALLOCATE", "ZI"), answersUntilReady(in));
            parse(out, "s2", "TABLE lim_big");
            bind(out, "s2");
            writeMessage(out, 'S', new byte[0]);
            out.flush();
            assertEquals(List.of("error 26000", "ZI"), answersUntilReady(in), "bound before its Parse was answered");
            bind(out, "s2");
            writeMessage(out, 'E', new byte[] {0, 0, 0, 0, 0});
            writeMessage(out, 'S', new byte[0]);
            out.flush();
            assertEquals(capped, answersUntilReady(in), "s2 is the capped statement now");

            // Statements and portals made by SQL were never judged by PgGuard: a Bind or Execute of them is refused.
            sendQuery(out, "PREPARE s3 AS TABLE lim_big");
            answersUntilReady(in);
            bind(out, "s3");
            writeMessage(out, 'S', new byte[0]);
            out.flush();
            assertEquals(List.of("error 26000", "ZI"), answersUntilReady(in));
            sendQuery(out, "BEGIN; DECLARE c CURSOR FOR SELECT * FROM lim_big");
            answersUntilReady(in);
            writeMessage(out, 'E', "c\0\0\0\0\0".getBytes(StandardCharsets.US_ASCII));
            writeMessage(out, 'S', new byte[0]);
            out.flush();
            assertEquals(List.of("error 34000", "ZE"), answersUntilReady(in));
        }
    }

    /** A Query inside an extended batch is skipped with it after an error, and answered once, as in PostgreSQL. */
    @Test
    void aCappedQueryInsideAFailedBatchGetsNoAnswerOfItsOwn() throws Exception {
        pg.sql("DROP TABLE IF EXISTS lim_big; CREATE TABLE lim_big AS SELECT g AS id FROM generate_series(1, 20) g");
        try (GuardHarness guard = GuardHarness.startWithText(pg, capRulesForPostgres("read-row-cap", 5), Map.of());
                RawSession session = new RawSession(guard.port())) {
            DataOutputStream out = session.out;
            DataInputStream in = session.in;
            parse(out, "s_bad", "SELECT 1/0 FROM nosuch_table");
            ByteArrayOutputStream query = new ByteArrayOutputStream();
            sendQuery(new DataOutputStream(query), "TABLE lim_big");
            out.write(query.toByteArray());
            writeMessage(out, 'S', new byte[0]);
            out.flush();
            assertEquals(List.of("error 42P01", "ZI"), answersUntilReady(in), "the Query is skipped with the batch");
            sendQuery(out, "SELECT 7");
            assertEquals(List.of("row", "SELECT 1", "ZI"), answersUntilReady(in), "no second ReadyForQuery before");
        }
    }

    private static void parse(DataOutputStream out, String name, String sql) throws Exception {
        writeMessage(out, 'P', (name + "\0" + sql + "\0\0\0").getBytes(StandardCharsets.US_ASCII));
    }

    /** A Bind of {@code statement} into the unnamed portal, without parameters. */
    private static void bind(DataOutputStream out, String statement) throws Exception {
        byte[] name = (statement + "\0").getBytes(StandardCharsets.US_ASCII);
        byte[] body = new byte[1 + name.length + 6];
        System.arraycopy(name, 0, body, 1, name.length);
        writeMessage(out, 'B', body);
    }

    /** Rules that govern postgres (the fixture's trusted user) with every grant and one row cap. */
    private static String capRulesForPostgres(String capType, int maxRows) {
        return "pgguard.rules { id = caps, users { postgres = [all] }, roles { all { statements = [ALL], "
                + "tables = [ { on = [\"*.*\"], privileges = [ALL] } ] } }, rules = [ { id = grants, type = grants }, "
                + "{ id = cap, type = " + capType + ", max-rows = " + maxRows + ", users = [\"postgres\"] } ] }\n";
    }

    /** CommandComplete tags, DataRows ("row"), errors by SQLSTATE and ReadyForQuery ("Z" + status), in order. */
    private static List<String> answersUntilReady(DataInputStream in) throws Exception {
        List<String> answers = new ArrayList<>();
        while (true) {
            int type = in.read();
            byte[] body = new byte[in.readInt() - 4];
            in.readFully(body);
            String text = new String(body, StandardCharsets.US_ASCII);
            switch (type) {
                case 'C' -> answers.add(text.substring(0, text.length() - 1));
                case 'D' -> answers.add("row");
                case 'E' -> answers.add("error " + text.substring(text.indexOf("\0C") + 2, text.indexOf("\0C") + 7));
                case 'Z' -> {
                    answers.add("Z" + text);
                    return answers;
                }
                default -> { }
            }
        }
    }

    /** The same copy under a write cap: the Sync held behind the COPY reaches the server during the copy-in. */
    @Test
    void aCopyInExtendedMessagesUnderAWriteCapGetsOneReadyForQuery() throws Exception {
        pg.sql("DROP TABLE IF EXISTS lim_copy; CREATE TABLE lim_copy (v int)");
        try (GuardHarness guard = GuardHarness.startWithText(pg, capRulesForPostgres("write-row-cap", 100), Map.of());
                RawSession session = new RawSession(guard.port())) {
            DataOutputStream out = session.out;
            DataInputStream in = session.in;
            assertEquals(List.of("COPY 2", "ZI"), copyInAsLibpqDoes(out, in, "7\n8\n"));
            sendQuery(out, "SELECT count(*) FROM lim_copy");
            assertEquals(List.of("row", "SELECT 1", "ZI"), answersUntilReady(in), "no second ReadyForQuery before");
        }
    }

    /**
     * COPY lim_copy FROM STDIN as libpq sends it in extended messages: Parse, Bind, Describe, Execute, Sync; after
     * CopyInResponse the data, CopyDone and a second Sync. Returns the answers after CopyInResponse.
     */
    private static List<String> copyInAsLibpqDoes(DataOutputStream out, DataInputStream in, String data)
            throws Exception {
        writeMessage(out, 'P', "\0COPY lim_copy FROM STDIN\0\0\0".getBytes(StandardCharsets.US_ASCII));
        writeMessage(out, 'B', new byte[] {0, 0, 0, 0, 0, 0, 0, 0});
        writeMessage(out, 'D', new byte[] {'P', 0});
        writeMessage(out, 'E', new byte[] {0, 0, 0, 0, 0});
        writeMessage(out, 'S', new byte[0]);
        out.flush();
        assertEquals('G', readUntil(in, 'G'), "CopyInResponse");
        writeMessage(out, 'd', data.getBytes(StandardCharsets.US_ASCII));
        writeMessage(out, 'c', new byte[0]);
        writeMessage(out, 'S', new byte[0]);
        out.flush();
        return answersUntilReady(in);
    }

    private static void writeMessage(DataOutputStream out, char type, byte[] body) throws Exception {
        out.write(type);
        out.writeInt(4 + body.length);
        out.write(body);
    }

    /** Reads backend messages up to one of type {@code wanted}; fails on an ErrorResponse. */
    private static char readUntil(DataInputStream in, char wanted) throws Exception {
        while (true) {
            int type = in.read();
            byte[] body = new byte[in.readInt() - 4];
            in.readFully(body);
            assertTrue(type != 'E', "error: " + new String(body, StandardCharsets.US_ASCII));
            if (type == wanted) {
                return (char) type;
            }
        }
    }

    /** A raw protocol session through PgGuard as postgres, logged in; reads time out after 5 s. */
    private static final class RawSession implements AutoCloseable {
        final Socket socket;
        final DataOutputStream out;
        final DataInputStream in;

        RawSession(int port) throws Exception {
            socket = new Socket("127.0.0.1", port);
            socket.setSoTimeout(5000);
            out = new DataOutputStream(socket.getOutputStream());
            in = new DataInputStream(socket.getInputStream());
            sendStartupAsPostgres(out);
            readUntilReady(in);
        }

        @Override
        public void close() throws java.io.IOException {
            socket.close();
        }
    }

    /** A protocol 3.0 StartupMessage for user and database postgres (trusted by the fixture). */
    private static void sendStartupAsPostgres(DataOutputStream out) throws Exception {
        byte[] params = "user\0postgres\0database\0postgres\0\0".getBytes(StandardCharsets.US_ASCII);
        out.writeInt(8 + params.length);
        out.writeInt(196608);
        out.write(params);
        out.flush();
    }

    /** A simple Query message. */
    private static void sendQuery(DataOutputStream out, String sql) throws Exception {
        byte[] text = (sql + "\0").getBytes(StandardCharsets.US_ASCII);
        out.write('Q');
        out.writeInt(4 + text.length);
        out.write(text);
        out.flush();
    }

    /** Reads backend messages up to ReadyForQuery and returns its transaction status. */
    private static char readUntilReady(DataInputStream in) throws Exception {
        while (true) {
            int type = in.read();
            byte[] body = new byte[in.readInt() - 4];
            in.readFully(body);
            if (type == 'Z') {
                return (char) body[0];
            }
        }
    }

    /** The limit holds with rules and without any (a PgGuard that only limits). */
    @Test
    void statementCountLimitPerQuery() throws Exception {
        for (String rules : new String[] {RULES, ""}) {
            try (GuardHarness guard = GuardHarness.startWithText(pg, rules + "pgguard.limits.max-statements-per-query = 2",
                    Map.of())) {
                Properties simple = new Properties();
                simple.setProperty("preferQueryMode", "simple");
                try (Connection c = guard.connect("lim_user", "pw", "postgres", simple)) {
                    c.createStatement().execute("SELECT 1; SELECT 2");
                    PSQLException e = assertThrows(PSQLException.class,
                            () -> c.createStatement().execute("SELECT 1; SELECT 2; SELECT 3"), rules);
                    assertEquals("54000", e.getSQLState());
                }
            }
        }
    }

    /**
     * The server reads "options" with getopt, so single-letter switches grouped ahead of c set a role too
     * ("-ecrole=x" is -e, then -c role=x); each spelling here switches the role on PostgreSQL.
     */
    @Test
    void governedUsersCannotSwitchRoleInTheStartupPacket() throws Exception {
        try (GuardHarness guard = GuardHarness.startWithText(pg, RULES, Map.of())) {
            for (String options : new String[] {"-c role=lim_other", "-ecrole=lim_other", "-Ec role=lim_other",
                    "-E -crole=lim_other", "--role=lim_other", "-fs -c role=lim_other"}) {
                Properties p = new Properties();
                p.setProperty("options", options);
                PSQLException e = assertThrows(PSQLException.class,
                        () -> guard.connect("lim_ruled", "pw", "postgres", p), options);
                assertEquals("42501", e.getSQLState(), options);
            }
            try (Connection c = guard.connect("lim_user", "pw", "postgres", new Properties())) {
                assertTrue(c.isValid(2));
            }
        }
    }

    /** A cancel that lands on the other replica is forwarded to the one that holds the session. */
    @Test
    void cancelForwardedBetweenReplicas() throws Exception {
        try (GuardHarness b = GuardHarness.startWithText(pg, RULES + "pgguard.replica-id = 2", Map.of());
                GuardHarness a = GuardHarness.startWithText(pg, RULES + "pgguard.replica-id = 1\n"
                        + "pgguard.peers { \"2\" = \"127.0.0.1:" + b.port() + "\" }", Map.of());
                Socket session = new Socket("127.0.0.1", b.port())) {
            // b holds the session; the cancel goes to a, which knows replica 2 is b.
            DataOutputStream out = new DataOutputStream(session.getOutputStream());
            DataInputStream in = new DataInputStream(session.getInputStream());
            sendStartupAsPostgres(out);
            int pid = 0;
            int secret = 0;
            while (true) {
                int type = in.read();
                int length = in.readInt();
                if (type == 'K') {
                    pid = in.readInt();
                    secret = in.readInt();
                    continue;
                }
                in.readFully(new byte[length - 4]);
                if (type == 'Z') {
                    break;
                }
            }
            assertEquals(2, pid >>> 24, "b's cancel keys carry its replica id");
            sendQuery(out, "SELECT pg_sleep(20)");
            Thread.sleep(500);
            try (Socket cancel = new Socket("127.0.0.1", a.port())) {
                DataOutputStream c = new DataOutputStream(cancel.getOutputStream());
                c.writeInt(16);
                c.writeInt(80877102);
                c.writeInt(pid);
                c.writeInt(secret);
                c.flush();
            }
            session.setSoTimeout(10_000);
            String sqlState = null;
            while (true) {
                int type = in.read();
                int length = in.readInt();
                byte[] body = new byte[length - 4];
                in.readFully(body);
                if (type == 'E') {
                    sqlState = new String(body, StandardCharsets.US_ASCII).replaceAll("(?s).*C(\\w{5}).*", "$1");
                }
                if (type == 'Z') {
                    break;
                }
            }
            assertEquals("57014", sqlState, "the statement was cancelled through the other replica");
        }
    }
}
