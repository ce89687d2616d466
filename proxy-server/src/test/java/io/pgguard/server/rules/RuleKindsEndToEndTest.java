package io.pgguard.server.rules;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgguard.core.testing.PostgresFixture;
import io.pgguard.server.testing.GuardHarness;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyManager;
import org.postgresql.util.PSQLException;

/** Every rule kind, end to end through PgGuard against a real PostgreSQL. */
class RuleKindsEndToEndTest {
    static final String RULES = """
            pgguard {
              upstreams.default.environment = production
              rules {
                id = e2e-rules
                users-without-rules = allow
                catalog-reads = allow
                users { kind_user = [app], capped_user = [reader], dry_user = [app], capped_writer = [app],
                        backup_user = [backup] }
                roles {
                  backup {
                    statements = [SELECT, COPY_TO_STDOUT, TRANSACTION, SESSION, LOCK, PREPARED_STATEMENTS]
                    tables = [ { on = ["public.kind_*"], privileges = [SELECT] } ]
                  }
                  app {
                    statements = [DML, COPY, TRANSACTION, CURSOR, SESSION, ROLE_CHANGE, EXPLAIN, PREPARED_STATEMENTS]
                    tables = [ { on = ["public.kind_*"], privileges = [SELECT, INSERT, UPDATE, DELETE] }
                               { on = ["kind_s2.*"], privileges = [SELECT] } ]
                  }
                  reader {
                    statements = [SELECT, TRANSACTION, CURSOR, SESSION, EXPLAIN]
                    tables = [ { on = ["public.kind_*"], privileges = [SELECT] } ]
                  }
                }
                rules = [
                  { id = prod-no-truncate, type = forbid, environments = ["production"], kinds = [TRUNCATE]
                    message = "TRUNCATE is not allowed in production" }
                  { id = where-required, type = require-where, kinds = [UPDATE, DELETE, MERGE], users = ["kind_user"]
                    message = "writes need a restricting WHERE" }
                  { id = where-dry-run, type = require-where, kinds = [UPDATE, DELETE], users = ["dry_user"], mode = dry-run
                    message = "writes will soon need a restricting WHERE" }
                  { id = read-cap, type = read-row-cap, max-rows = 5, users = ["capped_user", "capped_writer"] }
                  { id = role-switch, type = role-switch, allow-roles = [] }
                  { id = unknown-effect, type = unknown-effect, action = reject }
                  { id = grants, type = grants, message = "not granted" }
                ]
              }
            }
            """;

    static PostgresFixture pg;
    static GuardHarness guard;

    @BeforeAll
    static void start() throws Exception {
        pg = PostgresFixture.get();
        for (String user : new String[] {"kind_user", "capped_user", "dry_user", "capped_writer", "free_user",
                "backup_user"}) {
            pg.role(user, "pw");
        }
        pg.sql("DROP TABLE IF EXISTS kind_items; CREATE TABLE kind_items (id int PRIMARY KEY, v text);"
                + "INSERT INTO kind_items SELECT g, 'v' || g FROM generate_series(1, 20) g;"
                + "GRANT ALL ON kind_items TO kind_user, capped_user, dry_user, capped_writer, free_user;"
                + "GRANT SELECT ON kind_items TO backup_user;"
                + "DROP TABLE IF EXISTS other_table; CREATE TABLE other_table (id int); GRANT ALL ON other_table TO kind_user");
        guard = GuardHarness.startWithText(pg, RULES, Map.of());
    }

    @AfterAll
    static void stop() {
        guard.close();
    }

    static int count(String table) throws SQLException {
        try (Connection c = pg.superuser(); ResultSet rs = c.createStatement().executeQuery("SELECT count(*) FROM " + table)) {
            rs.next();
            return rs.getInt(1);
        }
    }

    static PSQLException refused(Connection c, String sql) {
        PSQLException e = assertThrows(PSQLException.class, () -> c.createStatement().execute(sql), sql);
        return e;
    }

    /**
     * What pg_dump (15.8 and later) sends around each table it dumps, as a user whose role may only read: the
     * set_config of a setting that pg_settings' WHERE pins, LOCK ... IN ACCESS SHARE MODE (which needs SELECT only,
     * as in PostgreSQL) and COPY ... TO stdout. The stronger locks, another table and a role switch spelled the same
     * way stay refused.
     */
    @Test
    void aReadOnlyRoleRunsWhatPgDumpSends() throws Exception {
        try (Connection c = simpleQueries("backup_user", "pw")) {
            Statement s = c.createStatement();
            s.execute("BEGIN");
            s.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY");
            try (ResultSet rs = s.executeQuery("SELECT set_config(name, 'view, foreign-table', false) FROM pg_settings"
                    + " WHERE name = 'restrict_nonsystem_relation_kind'")) {
                assertTrue(rs.next());
                assertEquals("view, foreign-table", rs.getString(1));
            }
            s.execute("SELECT pg_catalog.set_config('search_path', '', false)");
            s.execute("LOCK TABLE public.kind_items IN ACCESS SHARE MODE");
            ByteArrayOutputStream rows = new ByteArrayOutputStream();
            long copied = c.unwrap(PGConnection.class).getCopyAPI().copyOut("COPY public.kind_items (id, v) TO stdout",
                    rows);
            assertEquals(20, copied);
            s.execute("COMMIT");
            for (String sql : new String[] {"LOCK TABLE public.kind_items", "LOCK public.kind_items IN SHARE MODE",
                    "LOCK TABLE public.other_table IN ACCESS SHARE MODE",
                    "SELECT set_config(name, 'kind_user', false) FROM pg_settings WHERE name = 'role'"}) {
                assertEquals("42501", refused(c, sql).getSQLState(), sql);
            }
            try (ResultSet rs = s.executeQuery("SELECT current_user")) {
                rs.next();
                assertEquals("backup_user", rs.getString(1));
            }
        }
    }

    /**
     * A DELETE or UPDATE whose WHERE holds only numbers and parameters (knex sends 1 = $1 bound to 0 for an empty
     * whereIn) is judged at each Bind by the values bound: with values that make it false it runs and touches no
     * row; with values that make it true, or that PgGuard cannot read, the Bind is refused. pgjdbc's setInt sends
     * a binary int4, which PgGuard reads because the Parse declared the type; the unnamed statement and, past
     * prepareThreshold, a named one are checked alike, and so is each Bind of a batch.
     */
    @Test
    void aWhereOfParametersOnlyIsJudgedByTheValuesBound() throws Exception {
        double refusedBefore = whereRequiredRefusals();
        try (Connection c = guard.connect("kind_user", "pw")) {
            try (PreparedStatement delete = c.prepareStatement("DELETE FROM kind_items WHERE 1 = ?")) {
                for (int round = 0; round < 6; round++) { // pgjdbc names the statement from the 5th execution
                    delete.setInt(1, 0);
                    assertEquals(0, delete.executeUpdate(), "round " + round);
                    delete.setInt(1, 1);
                    PSQLException refused = assertThrows(PSQLException.class, delete::executeUpdate, "round " + round);
                    assertEquals("42501", refused.getSQLState());
                    assertTrue(refused.getMessage().contains("where-required"), refused.getMessage());
                }
            }
            try (PreparedStatement update = c.prepareStatement(
                    "UPDATE kind_items SET v = 'every row' WHERE 1 = ? OR ? IS NULL")) {
                update.setInt(1, 0);
                update.setInt(2, 5);
                update.addBatch();
                update.setObject(1, "0", java.sql.Types.OTHER); // text, typed by the server
                update.setLong(2, 7L);
                update.addBatch();
                assertEquals(2, update.executeBatch().length);
                update.setInt(1, 0);
                update.setInt(2, 5);
                update.addBatch();
                update.setInt(1, 0);
                update.setNull(2, java.sql.Types.INTEGER); // NULL IS NULL: every row
                update.addBatch();
                java.sql.BatchUpdateException refused = assertThrows(java.sql.BatchUpdateException.class,
                        update::executeBatch);
                assertEquals("42501", refused.getSQLState(), refused.getMessage());
            }
        }
        assertEquals(20, count("kind_items"));
        try (Connection c = pg.superuser(); ResultSet rs = c.createStatement().executeQuery(
                "SELECT count(*) FROM kind_items WHERE v = 'every row'")) {
            rs.next();
            assertEquals(0, rs.getInt(1));
        }
        assertEquals(refusedBefore + 7, whereRequiredRefusals(), "each refused Bind is counted under its rule");
    }

    private static double whereRequiredRefusals() throws Exception {
        String prefix = "pgguard_rule_rejections_total{mode=\"enforce\",rule=\"where-required\"} ";
        for (String line : guard.admin("GET", "/metrics", null).body().split("\n")) {
            if (line.startsWith(prefix)) {
                return Double.parseDouble(line.substring(prefix.length()).trim());
            }
        }
        return 0;
    }

    @Test
    void forbiddenKindPerEnvironment() throws Exception {
        try (Connection c = guard.connect("kind_user", "pw")) {
            PSQLException e = refused(c, "TRUNCATE kind_items");
            assertEquals("42501", e.getSQLState());
            assertTrue(e.getMessage().contains("prod-no-truncate"), e.getMessage());
            assertEquals(20, count("kind_items"));
        }
    }

    @Test
    void requireWhereRefusesTautologiesAndAllowsRealFilters() throws Exception {
        try (Connection c = guard.connect("kind_user", "pw")) {
            for (String sql : new String[] {"DELETE FROM kind_items", "DELETE FROM kind_items WHERE true",
                    "UPDATE kind_items SET v = 'x' WHERE 1 = 1", "UPDATE kind_items SET v = 'x' WHERE id = id",
                    "DELETE FROM kind_items WHERE id = 3 OR true"}) {
                assertEquals("42501", refused(c, sql).getSQLState(), sql);
            }
            assertEquals(20, count("kind_items"));
            assertEquals(1, c.createStatement().executeUpdate("UPDATE kind_items SET v = 'changed' WHERE id = 1"));
        }
    }

    @Test
    void grantsRefuseTablesOutsideTheRole() throws Exception {
        try (Connection c = guard.connect("kind_user", "pw")) {
            PSQLException e = refused(c, "SELECT * FROM other_table");
            assertEquals("42501", e.getSQLState());
            assertTrue(e.getMessage().contains("grants"), e.getMessage());
        }
    }

    @Test
    void dryRunRulesReportButDoNotRefuse() throws Exception {
        try (Connection c = guard.connect("dry_user", "pw")) {
            c.setAutoCommit(false);
            assertEquals(20, c.createStatement().executeUpdate("UPDATE kind_items SET v = v"));
            c.rollback();
        }
        String metrics = guard.admin("GET", "/metrics", null).body();
        assertTrue(metrics.contains("pgguard_rule_rejections_total{mode=\"dry_run\",rule=\"where-dry-run\"}"), metrics);
    }

    @Test
    void readCapRewritesLimitAndCapsTheStreamWhereItCannot() throws Exception {
        try (Connection c = guard.connect("capped_user", "pw"); Statement s = c.createStatement()) {
            int rows = 0;
            try (ResultSet rs = s.executeQuery("SELECT * FROM kind_items ORDER BY id")) {
                while (rs.next()) {
                    rows++;
                }
            }
            assertEquals(5, rows, "LIMIT 5 was set on a SELECT without LIMIT");
            try (ResultSet rs = s.executeQuery("SELECT * FROM kind_items ORDER BY id LIMIT 3")) {
                rows = 0;
                while (rs.next()) {
                    rows++;
                }
                assertEquals(3, rows, "a smaller LIMIT is kept");
            }
            PSQLException e = assertThrows(PSQLException.class, () -> {
                try (ResultSet rs = s.executeQuery("TABLE kind_items")) {
                    while (rs.next()) {
                        // drain
                    }
                }
            });
            assertEquals("54000", e.getSQLState(), e.getMessage());
            try (ResultSet rs = s.executeQuery("SELECT 1")) {
                assertTrue(rs.next(), "the session goes on after the capped result");
            }
        }
    }

    @Test
    void aResultFetchedInPartsIsCappedAsOneResult() throws Exception {
        try (Connection c = guard.connect("capped_user", "pw")) {
            c.setAutoCommit(false);
            try (Statement s = c.createStatement()) {
                s.setFetchSize(2); // pgjdbc executes the portal 2 rows at a time (Execute with a row limit)
                int[] rows = {0};
                PSQLException e = assertThrows(PSQLException.class, () -> {
                    try (ResultSet rs = s.executeQuery("TABLE kind_items")) {
                        while (rs.next()) {
                            rows[0]++;
                        }
                    }
                });
                assertEquals("54000", e.getSQLState(), e.getMessage());
                assertTrue(rows[0] <= 5, rows[0] + " rows reached the client past the cap of 5");
                assertTransactionAborted(s);
            }
            c.rollback();
        }
    }

    @Test
    void aCapErrorInsideATransactionBlockAbortsIt() throws Exception {
        try (Connection c = guard.connect("capped_user", "pw"); Statement s = c.createStatement()) {
            c.setAutoCommit(false);
            PSQLException e = assertThrows(PSQLException.class, () -> s.executeQuery("TABLE kind_items").close());
            assertEquals("54000", e.getSQLState(), e.getMessage());
            assertTransactionAborted(s);
            c.rollback();
            try (ResultSet rs = s.executeQuery("SELECT 1")) {
                assertTrue(rs.next(), "after ROLLBACK the session goes on");
            }
        }
    }

    @Test
    void aCapErrorFailsTheImplicitTransactionItRanIn() throws Exception {
        // One Query string is one implicit transaction: when its read passes the cap, its INSERT is rolled back with
        // it, as after any error in PostgreSQL. pgjdbc sends it as one simple Query, or (extended, its default) as
        // Parse/Bind/Describe/Execute for each statement and one Sync.
        for (String mode : new String[] {"simple", "extended"}) {
            Properties props = new Properties();
            props.setProperty("preferQueryMode", mode);
            try (Connection c = guard.connect("capped_writer", "pw", "postgres", props); Statement s = c.createStatement()) {
                PSQLException e = assertThrows(PSQLException.class,
                        () -> s.execute("INSERT INTO kind_items VALUES (100, 'new'); TABLE kind_items"));
                assertEquals("54000", e.getSQLState(), mode + ": " + e.getMessage());
                try (ResultSet rs = s.executeQuery("SELECT count(*) FROM kind_items WHERE id = 100")) {
                    rs.next();
                    assertEquals(0, rs.getInt(1), mode + ": the INSERT was rolled back with the statement that failed");
                }
            }
        }
    }

    @Test
    void statementsAfterACappedOneInAQueryStringAreSkippedAndTheSessionGoesOn() throws Exception {
        // After the cap's error the server skips the rest of the string, as after any error; nothing may wait
        // for answers to what the server skips.
        Properties props = new Properties();
        props.setProperty("preferQueryMode", "simple");
        props.setProperty("socketTimeout", "10");
        try (Connection c = guard.connect("capped_user", "pw", "postgres", props); Statement s = c.createStatement()) {
            for (String sql : new String[] {"TABLE kind_items; SELECT 1", "SELECT 1/0; TABLE kind_items",
                    "TABLE kind_items; TABLE kind_items; SELECT 2"}) {
                PSQLException e = assertThrows(PSQLException.class, () -> s.execute(sql));
                assertTrue(e.getSQLState().equals("54000") || e.getSQLState().equals("22012"), sql + ": " + e);
                try (ResultSet rs = s.executeQuery("SELECT 42")) {
                    assertTrue(rs.next(), sql + ": the session goes on");
                    assertEquals(42, rs.getInt(1));
                }
            }
        }
    }

    @Test
    void copyToStdoutIsCappedLikeAResult() throws Exception {
        try (Connection c = guard.connect("capped_writer", "pw")) {
            java.io.StringWriter out = new java.io.StringWriter();
            org.postgresql.copy.CopyManager copy = c.unwrap(org.postgresql.PGConnection.class).getCopyAPI();
            PSQLException e = assertThrows(PSQLException.class,
                    () -> copy.copyOut("COPY kind_items TO STDOUT", out));
            assertEquals("54000", e.getSQLState(), e.getMessage());
            long lines = out.toString().lines().count();
            assertTrue(lines <= 5, lines + " rows of COPY TO STDOUT reached the client past the cap of 5");
        }
    }

    /**
     * Under rules a session begins with PgGuard asking the server which schemas its search_path holds. A server
     * that will not answer (here the role may not call current_schemas) leaves nothing to resolve names by: the
     * client is refused with FATAL 08004 that says why, and the sessions already open go on.
     */
    @Test
    void aSessionWhoseSearchPathTheServerWillNotTellIsRefusedAndOthersGoOn() throws Exception {
        try (Connection open = guard.connect("kind_user", "pw")) {
            pg.sql("REVOKE EXECUTE ON FUNCTION pg_catalog.current_schemas(boolean) FROM PUBLIC");
            try {
                PSQLException e = assertThrows(PSQLException.class, () -> guard.connect("kind_user", "pw").close());
                assertEquals("08004", e.getSQLState(), e.getMessage());
                assertTrue(e.getMessage().contains("could not learn the session's search_path")
                        && e.getMessage().contains("permission denied for function current_schemas"), e.getMessage());
            } finally {
                pg.sql("GRANT EXECUTE ON FUNCTION pg_catalog.current_schemas(boolean) TO PUBLIC");
            }
            try (ResultSet rs = open.createStatement().executeQuery("SELECT count(*) FROM kind_items")) {
                assertTrue(rs.next(), "the session opened before goes on");
                assertEquals(20, rs.getInt(1));
            }
        }
        try (Connection again = guard.connect("kind_user", "pw");
                ResultSet rs = again.createStatement().executeQuery("SELECT 42")) {
            assertTrue(rs.next(), "with the grant back, the role logs in again");
        }
    }

    /** A header line travels in a CopyData of its own ahead of the rows, in both option grammars; it is no row. */
    @Test
    void aCopyWithAHeaderLineOfExactlyTheCapPassesWholeAndOneRowMoreIsRefused() throws Exception {
        try (Connection c = guard.connect("capped_writer", "pw")) {
            CopyManager copy = c.unwrap(PGConnection.class).getCopyAPI();
            for (String options : new String[] {"WITH (FORMAT csv, HEADER)", "CSV HEADER", "(HEADER true)"}) {
                java.io.StringWriter exact = new java.io.StringWriter();
                assertEquals(5, copy.copyOut("COPY (SELECT * FROM kind_items WHERE id <= 5) TO STDOUT " + options,
                        exact), options);
                List<String> lines = exact.toString().lines().toList();
                assertEquals(6, lines.size(), options + ": the header and five rows: " + lines);
                assertTrue(lines.get(0).matches("id.v"), options + ": the header comes first: " + lines.get(0));
                String over = "COPY (SELECT * FROM kind_items WHERE id <= 6) TO STDOUT " + options;
                java.io.StringWriter cut = new java.io.StringWriter();
                PSQLException e = assertThrows(PSQLException.class, () -> copy.copyOut(over, cut), over);
                assertEquals("54000", e.getSQLState(), over + ": " + e.getMessage());
                assertTrue(cut.toString().lines().count() <= 6, over + ": " + cut);
            }
            String noHeader = "COPY (SELECT * FROM kind_items WHERE id <= 6) TO STDOUT (FORMAT csv, HEADER false)";
            PSQLException e = assertThrows(PSQLException.class, () -> copy.copyOut(noHeader, new java.io.StringWriter()));
            assertEquals("54000", e.getSQLState(), noHeader + ": " + e.getMessage());
        }
    }

    @Test
    void aBinaryCopyOfExactlyTheCapPassesWholeAndOneRowMoreIsRefused() throws Exception {
        try (Connection c = guard.connect("capped_writer", "pw")) {
            CopyManager copy = c.unwrap(PGConnection.class).getCopyAPI();
            ByteArrayOutputStream exact = new ByteArrayOutputStream();
            assertEquals(5, copy.copyOut("COPY (SELECT * FROM kind_items WHERE id <= 5) TO STDOUT (FORMAT binary)", exact));
            assertEquals(5, binaryCopyRows(exact.toByteArray()), "five rows and the trailer after them");
            for (String sql : new String[] {"COPY (SELECT * FROM kind_items WHERE id <= 6) TO STDOUT (FORMAT binary)",
                    "COPY kind_items TO STDOUT (FORMAT binary)"}) {
                ByteArrayOutputStream over = new ByteArrayOutputStream();
                PSQLException e = assertThrows(PSQLException.class, () -> copy.copyOut(sql, over), sql);
                assertEquals("54000", e.getSQLState(), sql + ": " + e.getMessage());
            }
            try (ResultSet rs = c.createStatement().executeQuery("SELECT 42")) {
                assertTrue(rs.next(), "the session goes on");
            }
        }
    }

    /** Rows of a binary COPY file, checked whole: signature, flags, header extension, rows, trailer, nothing after. */
    static int binaryCopyRows(byte[] file) {
        ByteBuffer in = ByteBuffer.wrap(file);
        byte[] signature = new byte[11];
        in.get(signature);
        assertEquals("PGCOPY\n\377\r\n\0", new String(signature, StandardCharsets.ISO_8859_1));
        in.getInt(); // flags
        int extension = in.getInt();
        in.position(in.position() + extension);
        int rows = 0;
        for (short fields = in.getShort(); fields != -1; fields = in.getShort()) {
            for (int f = 0; f < fields; f++) {
                int length = in.getInt();
                in.position(in.position() + Math.max(length, 0));
            }
            rows++;
        }
        assertEquals(0, in.remaining(), "bytes after the trailer");
        return rows;
    }

    /**
     * PostgreSQL analyses a prepared statement again, with the search_path of its Bind, when the path changed
     * since its last use. An UPDATE prepared while its table resolved in public and bound after the path moved
     * the name to a schema the rules grant for reading only is judged as the server would run it: refused,
     * although PostgreSQL itself would let the user write there. (The path is changed with set_config, which
     * pgjdbc does not notice: after a SET search_path it prepares its statements again by itself; libpq
     * clients, and pgjdbc after set_config, keep binding the old one.)
     */
    @Test
    void aPreparedStatementIsJudgedWithTheSearchPathItRunsUnder() throws Exception {
        schemaKindS2WritableInPostgresBy("kind_user");
        Properties serverPrepared = new Properties();
        serverPrepared.setProperty("prepareThreshold", "1");
        try (Connection c = guard.connect("kind_user", "pw", "postgres", serverPrepared);
                PreparedStatement update = c.prepareStatement("UPDATE kind_items SET v = 'prepared' WHERE id = ?")) {
            update.setInt(1, 1);
            assertEquals(1, update.executeUpdate());
            assertEquals(1, update.executeUpdate(), "bound again, as the named statement the server holds");
            c.createStatement().execute("SELECT set_config('search_path', 'kind_s2', false)");
            PSQLException refused = assertThrows(PSQLException.class, update::executeUpdate);
            assertEquals("42501", refused.getSQLState(), refused.getMessage());
            assertTrue(refused.getMessage().contains("not granted"), refused.getMessage());
            assertKindS2RowUntouched("the read-only schema's row is untouched");
            c.createStatement().execute("SELECT set_config('search_path', 'public', false)");
            assertEquals(1, update.executeUpdate(), "back on public, where the rules allow it");
        }
    }

    /**
     * pgjdbc sends a batch as one pipeline, one Sync at the end. A write pipelined behind a change of search_path
     * waits until the change is answered, and is judged under the path it will run under.
     */
    @Test
    void aWritePipelinedBehindASearchPathChangeIsJudgedUnderTheNewPath() throws Exception {
        schemaKindS2WritableInPostgresBy("kind_user");
        try (Connection c = guard.connect("kind_user", "pw"); Statement s = c.createStatement()) {
            s.addBatch("SET search_path = kind_s2");
            s.addBatch("UPDATE kind_items SET v = 'batched' WHERE id = 1");
            java.sql.BatchUpdateException refused = assertThrows(java.sql.BatchUpdateException.class, s::executeBatch);
            assertTrue(refused.getMessage().contains("not granted"), refused.getMessage());
            assertKindS2RowUntouched("the read-only schema's row is untouched");
            s.clearBatch();
            s.addBatch("SET search_path = public");
            s.addBatch("UPDATE kind_items SET v = 'batched' WHERE id = 2");
            assertEquals(1, s.executeBatch()[1], "under public the same batch writes");
        }
    }

    /**
     * PostgreSQL undoes a change of search_path made in a transaction that rolls back (ROLLBACK, or an error in an
     * implicit transaction), ends a SET LOCAL with its transaction, and undoes with ROLLBACK TO SAVEPOINT what was
     * set after the savepoint. PgGuard follows: it judges by the path the server has, never by one it undid.
     * kind_s2 is granted for reading only, public for writing.
     */
    @Test
    void searchPathChangesFollowTheirTransactions() throws Exception {
        schemaKindS2WritableInPostgresBy("kind_user");
        String update = "UPDATE kind_items SET v = 'judged' WHERE id = 1";
        try (Connection c = guard.connect("kind_user", "pw"); Statement s = c.createStatement()) {
            s.execute("SET search_path = kind_s2");

            c.setAutoCommit(false);
            s.execute("SET search_path = public");
            c.rollback();
            c.setAutoCommit(true);
            assertRefusedAndS2Untouched(s, update, "after ROLLBACK undid SET search_path = public");

            assertThrows(PSQLException.class, () -> s.execute("SET search_path = public; SELECT 1/0"));
            assertRefusedAndS2Untouched(s, update, "after an error undid the implicit transaction's SET");

            c.setAutoCommit(false);
            Savepoint before = c.setSavepoint();
            s.execute("SET search_path = public");
            c.rollback(before);
            c.commit();
            c.setAutoCommit(true);
            assertRefusedAndS2Untouched(s, update, "after ROLLBACK TO SAVEPOINT undid SET search_path = public");
            try (ResultSet rs = s.executeQuery("SELECT count(*) FROM kind_items")) {
                assertTrue(rs.next(), "what every possible path allows still runs");
            }

            s.execute("SET search_path = public");
            c.setAutoCommit(false);
            s.execute("SET LOCAL search_path = kind_s2");
            c.commit();
            c.setAutoCommit(true);
            assertEquals(1, s.executeUpdate(update), "SET LOCAL ended with its transaction: public again");
        }
    }

    /**
     * A Query string is one message, and when it fails the answers do not say which of its statements took effect
     * before the failure. A string that goes on after a COMMIT of a change of search_path is refused before it
     * runs (the rules cannot tell the path its later statements run under); a PREPARE in a failed string is
     * recorded, as PREPARE is not undone by the failure; a name the string deallocated and prepared again is in
     * doubt.
     */
    @Test
    void aFailedQueryStringLeavesItsChangesPossible() throws Exception {
        schemaKindS2WritableInPostgresBy("kind_user");
        String update = "UPDATE kind_items SET v = 'judged' WHERE id = 1";
        try (Connection c = simpleQueries("kind_user", "pw"); Statement s = c.createStatement()) {
            PSQLException whole = assertThrows(PSQLException.class,
                    () -> s.execute("BEGIN; SET search_path = kind_s2; COMMIT; SELECT 1/0"));
            assertEquals("0A000", whole.getSQLState(), whole.getMessage());
            assertEquals(1, s.executeUpdate(update), "none of it ran: the session is still on public");

            assertThrows(PSQLException.class, () -> s.execute("PREPARE upd2 AS " + update + "; SELECT 1/0"));
            s.execute("SET search_path = kind_s2");
            assertEquals("42501", assertThrows(PSQLException.class, () -> s.executeUpdate("EXECUTE upd2")).getSQLState());
            assertKindS2RowUntouched("the read-only schema's row is untouched");
            s.execute("SET search_path = public");
            assertEquals(1, s.executeUpdate("EXECUTE upd2"), "the PREPARE of the failed string took effect");

            assertThrows(PSQLException.class, () -> s.execute("DEALLOCATE upd2; PREPARE upd2 AS SELECT 1; SELECT 1/0"));
            assertEquals("26000", assertThrows(PSQLException.class, () -> s.execute("EXECUTE upd2")).getSQLState());
            s.execute("DEALLOCATE upd2");
        }
    }

    /** A connection whose statements pgjdbc sends as simple Query messages, several in one string. */
    private static Connection simpleQueries(String user, String password) throws SQLException {
        Properties simple = new Properties();
        simple.setProperty("preferQueryMode", "simple");
        return guard.connect(user, password, "postgres", simple);
    }

    private static void assertRefusedAndS2Untouched(Statement s, String update, String when) throws SQLException {
        PSQLException refused = assertThrows(PSQLException.class, () -> s.executeUpdate(update), when);
        assertEquals("42501", refused.getSQLState(), when + ": " + refused.getMessage());
        assertKindS2RowUntouched(when + ": the read-only schema's row is untouched");
    }

    /** Schema kind_s2 with one row, which PostgreSQL lets {@code user} write: only the rules make it read-only. */
    private static void schemaKindS2WritableInPostgresBy(String user) throws SQLException {
        pg.sql("DROP SCHEMA IF EXISTS kind_s2 CASCADE; CREATE SCHEMA kind_s2; "
                + "CREATE TABLE kind_s2.kind_items (id int PRIMARY KEY, v text); INSERT INTO kind_s2.kind_items VALUES (1, 'a');"
                + "GRANT ALL ON SCHEMA kind_s2 TO " + user + "; GRANT ALL ON kind_s2.kind_items TO " + user);
    }

    private static void assertKindS2RowUntouched(String message) throws SQLException {
        try (Connection direct = pg.superuser(); ResultSet rs = direct.createStatement()
                .executeQuery("SELECT v FROM kind_s2.kind_items WHERE id = 1")) {
            assertTrue(rs.next());
            assertEquals("a", rs.getString(1), message);
        }
    }

    /**
     * An SQL EXECUTE runs what its PREPARE prepared, which PostgreSQL analyses again under the search_path of the
     * EXECUTE: it is judged as what it will run, there and then.
     */
    @Test
    void anSqlExecuteIsJudgedAsWhatItRunsUnderThePathOfNow() throws Exception {
        schemaKindS2WritableInPostgresBy("kind_user");
        try (Connection c = guard.connect("kind_user", "pw"); Statement s = c.createStatement()) {
            s.execute("PREPARE upd (int) AS UPDATE kind_items SET v = 'sql-prepared' WHERE id = $1");
            assertEquals(1, s.executeUpdate("EXECUTE upd(1)"));
            s.execute("SELECT set_config('search_path', 'kind_s2', false)");
            PSQLException refused = assertThrows(PSQLException.class, () -> s.executeUpdate("EXECUTE upd(1)"));
            assertEquals("42501", refused.getSQLState(), refused.getMessage());
            assertTrue(refused.getMessage().contains("not granted"), refused.getMessage());
            assertEquals("42501", assertThrows(PSQLException.class, () -> s.execute("EXPLAIN ANALYZE EXECUTE upd(1)"))
                    .getSQLState(), "EXPLAIN ANALYZE runs it too");
            assertKindS2RowUntouched("the read-only schema's row is untouched");

            s.execute("SELECT set_config('search_path', 'public', false)");
            assertEquals(1, s.executeUpdate("EXECUTE upd(1)"), "back on public, where the rules allow it");
            s.execute("DEALLOCATE upd");
            assertEquals("26000", assertThrows(PSQLException.class, () -> s.executeUpdate("EXECUTE upd(1)"))
                    .getSQLState(), "gone, as PostgreSQL says too");
            s.execute("PREPARE two AS SELECT 2; EXECUTE two");
            assertTrue(s.getMoreResults(), "prepared and executed in one text (one pipeline)");
            try (ResultSet rs = s.getResultSet()) {
                assertTrue(rs.next());
                assertEquals(2, rs.getInt(1));
            }
        }
    }

    /**
     * A session's search_path need not come from the client: ALTER ROLE ... SET search_path (or ALTER DATABASE, or
     * postgresql.conf) sets it on the server. PgGuard asks the server for it when the session starts, so names
     * are judged where the server resolves them, and RESET returns to it, as it does on the server.
     */
    @Test
    void theSearchPathTheServerGivesTheRoleIsTheOneNamesAreJudgedWith() throws Exception {
        schemaKindS2WritableInPostgresBy("kind_user");
        String update = "UPDATE kind_items SET v = 'judged' WHERE id = 1";
        pg.sql("ALTER ROLE kind_user SET search_path = kind_s2");
        try (Connection c = guard.connect("kind_user", "pw"); Statement s = c.createStatement()) {
            assertRefusedAndS2Untouched(s, update, "under the search_path ALTER ROLE gave kind_user");
            s.execute("SET search_path = public");
            assertEquals(1, s.executeUpdate(update), "public is granted for writing");
            s.execute("RESET search_path");
            assertRefusedAndS2Untouched(s, update, "after RESET, back on the role's search_path");
        } finally {
            pg.sql("ALTER ROLE kind_user RESET search_path");
        }
    }

    /**
     * On PostgreSQL's default path, {@code "$user", public}, "$user" names the role's own schema when it has one,
     * and unqualified names resolve there first. The rules grant kind_user nothing in a schema of that name.
     */
    @Test
    void aRolesOwnSchemaOnTheDefaultPathIsWhereNamesResolve() throws Exception {
        pg.sql("DROP SCHEMA IF EXISTS kind_user CASCADE; CREATE SCHEMA kind_user AUTHORIZATION kind_user;"
                + "CREATE TABLE kind_user.kind_items (id int PRIMARY KEY, v text); INSERT INTO kind_user.kind_items VALUES (1, 'a');"
                + "ALTER TABLE kind_user.kind_items OWNER TO kind_user");
        try (Connection c = guard.connect("kind_user", "pw"); Statement s = c.createStatement()) {
            PSQLException refused = assertThrows(PSQLException.class,
                    () -> s.executeUpdate("UPDATE kind_items SET v = 'judged' WHERE id = 1"));
            assertEquals("42501", refused.getSQLState(), refused.getMessage());
            assertTrue(refused.getServerErrorMessage().getDetail().contains("kind_user.kind_items"), refused.getMessage());
            s.execute("SET search_path = public");
            s.execute("SET search_path = \"$user\", public");
            refused = assertThrows(PSQLException.class,
                    () -> s.executeUpdate("UPDATE kind_items SET v = 'judged' WHERE id = 1"));
            assertEquals("42501", refused.getSQLState(), "the same path set by the client: " + refused.getMessage());
            try (Connection direct = pg.superuser(); ResultSet rs = direct.createStatement()
                    .executeQuery("SELECT v FROM kind_user.kind_items WHERE id = 1")) {
                assertTrue(rs.next());
                assertEquals("a", rs.getString(1), "the role's own schema's row is untouched");
            }
        } finally {
            pg.sql("DROP SCHEMA kind_user CASCADE");
        }
    }

    /**
     * PostgreSQL leaves "$user" off a path where the role may not use the schema of its name (no USAGE), so
     * unqualified names resolve in public: so does PgGuard (it refused the write, as not granted in kind_user).
     */
    @Test
    void aSchemaOfTheRolesNameItMayNotUseIsNotOnItsPath() throws Exception {
        pg.sql("DROP SCHEMA IF EXISTS kind_user CASCADE; CREATE SCHEMA kind_user;"
                + "CREATE TABLE kind_user.kind_items (id int PRIMARY KEY, v text)");
        try (Connection c = guard.connect("kind_user", "pw"); Statement s = c.createStatement()) {
            s.execute("SET search_path = \"$user\", public");
            int expected;
            try (Connection direct = pg.superuser(); ResultSet rs = direct.createStatement()
                    .executeQuery("SELECT count(*) FROM public.kind_items WHERE id = 1")) {
                assertTrue(rs.next());
                expected = rs.getInt(1);
            }
            assertEquals(expected, s.executeUpdate("UPDATE kind_items SET v = v WHERE id = 1"));
        } finally {
            pg.sql("DROP SCHEMA kind_user CASCADE");
        }
    }

    /**
     * A rule that names its users applies to whoever acts as one of them. free_user has no rules and passes
     * untouched, but after SET ROLE capped_user the read cap of capped_user applies to it.
     */
    @Test
    void aUserWithoutRulesActingAsANamedRoleGetsThatRolesRules() throws Exception {
        pg.sql("GRANT capped_user TO free_user");
        try (Connection c = guard.connect("free_user", "pw"); Statement s = c.createStatement()) {
            assertEquals(20, rows(s.executeQuery("SELECT * FROM kind_items")), "no rules for free_user");
            s.execute("SET ROLE capped_user");
            assertEquals(5, rows(s.executeQuery("SELECT * FROM kind_items")), "capped_user's read cap");
            s.execute("RESET ROLE");
            assertEquals(20, rows(s.executeQuery("SELECT * FROM kind_items")), "itself again");
        }
    }

    /**
     * A FunctionCall message names a function by OID, out of the rules' sight: refused for users the rules govern
     * (pgjdbc's large-object API sends them), passed for a user without rules, and refused again once that user
     * acts as a role a rule names.
     */
    @Test
    void functionCallMessagesAreRefusedForWhoeverActsAsAGovernedRole() throws Exception {
        pg.sql("GRANT capped_user TO free_user");
        try (Connection c = guard.connect("kind_user", "pw")) {
            c.setAutoCommit(false);
            PSQLException refused = assertThrows(PSQLException.class,
                    () -> c.unwrap(PGConnection.class).getLargeObjectAPI().createLO());
            assertEquals("42501", refused.getSQLState(), refused.getMessage());
            assertTrue(refused.getMessage().contains("FunctionCall messages are refused"), refused.getMessage());
        }
        try (Connection c = guard.connect("free_user", "pw")) {
            c.setAutoCommit(false);
            assertTrue(c.unwrap(PGConnection.class).getLargeObjectAPI().createLO() > 0, "no rules for free_user");
            c.rollback();
            c.createStatement().execute("SET ROLE capped_user");
            PSQLException refused = assertThrows(PSQLException.class,
                    () -> c.unwrap(PGConnection.class).getLargeObjectAPI().createLO());
            assertEquals("42501", refused.getSQLState(), "acting as capped_user: " + refused.getMessage());
            c.rollback();
        }
    }

    /**
     * A Query string runs its statements in order, each under the role and search_path the ones before it left:
     * each is judged so. Where PgGuard cannot tell them (after a transaction that may undo a change), what follows
     * is refused with 0A000 and must come in a query of its own.
     */
    @Test
    void eachStatementOfAQueryIsJudgedUnderThePathTheOnesBeforeItLeave() throws Exception {
        schemaKindS2WritableInPostgresBy("kind_user");
        String update = "UPDATE kind_items SET v = 'judged' WHERE id = 1";
        try (Connection c = simpleQueries("kind_user", "pw"); Statement s = c.createStatement()) {
            assertRefusedAndS2Untouched(s, "SET search_path = kind_s2; " + update, "after SET search_path in the same query");
            s.execute("SET search_path = kind_s2");
            s.execute("SET search_path = public; " + update);
            s.getMoreResults();
            assertEquals(1, s.getUpdateCount(), "public again, in the same query");
            s.execute("SET search_path = public");
            PSQLException unknown = assertThrows(PSQLException.class,
                    () -> s.execute("BEGIN; SET search_path = kind_s2; ROLLBACK; " + update));
            assertEquals("0A000", unknown.getSQLState(), unknown.getMessage());
            assertKindS2RowUntouched("nothing of the refused query ran");
        }
        try (Connection c = simpleQueries("free_user", "pw"); Statement s = c.createStatement()) {
            pg.sql("GRANT capped_user TO free_user");
            s.execute("SET ROLE capped_user; SELECT * FROM kind_items");
            assertTrue(s.getMoreResults());
            assertEquals(5, rows(s.getResultSet()), "a user without rules, acting as capped_user within the query");
        }
    }

    /**
     * ALTER ROLE ... SET role starts a user's sessions acting as another role, without any SET ROLE passing
     * PgGuard. The rules for that role apply from the first statement: here the read cap of capped_user (5 rows),
     * which the sessions act as. RESET ROLE returns to it and SET ROLE NONE to the login user, which PgGuard does
     * not tell apart: until a SET ROLE settles it, what the two would be treated differently is refused. So for a
     * governed login user (kind_user) and for one without rules (free_user).
     */
    @Test
    void theRoleTheServerStartsASessionAsIsTheOneTheRulesJudge() throws Exception {
        pg.sql("GRANT capped_user TO kind_user, free_user;"
                + "ALTER ROLE kind_user SET role = 'capped_user'; ALTER ROLE free_user SET role = 'capped_user'");
        String all = "SELECT * FROM kind_items";
        try {
            for (String user : new String[] {"kind_user", "free_user"}) {
                try (Connection c = guard.connect(user, "pw"); Statement s = c.createStatement()) {
                    try (ResultSet rs = s.executeQuery("SELECT current_user")) {
                        assertTrue(rs.next());
                        assertEquals("capped_user", rs.getString(1));
                    }
                    assertEquals(5, rows(s.executeQuery(all)), user + ": capped_user's read cap, from the first statement");
                    s.execute("RESET ROLE");
                    PSQLException undecided = assertThrows(PSQLException.class, () -> rows(s.executeQuery(all)));
                    assertEquals("42501", undecided.getSQLState(), undecided.getMessage());
                    s.execute("SET ROLE " + user);
                    assertEquals(20, rows(s.executeQuery(all)), user + " acting as itself: no cap");
                }
            }
        } finally {
            pg.sql("ALTER ROLE kind_user RESET role; ALTER ROLE free_user RESET role; REVOKE capped_user FROM kind_user");
        }
    }

    private static int rows(ResultSet rs) throws SQLException {
        try (rs) {
            int n = 0;
            while (rs.next()) {
                n++;
            }
            return n;
        }
    }

    /**
     * If the server will not say which schemas the session's search_path holds, the rules cannot resolve names:
     * the session is refused with a clear FATAL, and other sessions go on.
     */
    @Test
    void aSessionWhoseSearchPathTheServerWillNotTellIsRefused() throws Exception {
        pg.sql("REVOKE EXECUTE ON FUNCTION pg_catalog.current_schemas(boolean) FROM PUBLIC");
        try {
            PSQLException refused = assertThrows(PSQLException.class, () -> guard.connect("kind_user", "pw").close());
            assertEquals("08004", refused.getSQLState(), refused.getMessage());
            assertTrue(refused.getMessage().contains("could not learn the session's search_path")
                    && refused.getMessage().contains("permission denied"), refused.getMessage());
        } finally {
            pg.sql("GRANT EXECUTE ON FUNCTION pg_catalog.current_schemas(boolean) TO PUBLIC");
        }
        try (Connection c = guard.connect("kind_user", "pw"); ResultSet rs = c.createStatement()
                .executeQuery("SELECT count(*) FROM kind_items")) {
            assertTrue(rs.next(), "the next session learns its search_path and runs");
        }
    }

    /** RESET returns to the search_path the startup packet set, which is the session's default on the server. */
    @Test
    void resetReturnsToTheSearchPathOfTheStartupPacket() throws Exception {
        schemaKindS2WritableInPostgresBy("kind_user");
        String update = "UPDATE kind_items SET v = 'judged' WHERE id = 1";
        Properties options = new Properties();
        options.setProperty("options", "-c search_path=kind_s2");
        try (Connection c = guard.connect("kind_user", "pw", "postgres", options); Statement s = c.createStatement()) {
            assertRefusedAndS2Untouched(s, update, "under the startup packet's search_path");
            s.execute("SET search_path = public");
            assertEquals(1, s.executeUpdate(update));
            s.execute("RESET search_path");
            assertRefusedAndS2Untouched(s, update, "after RESET, back on the startup packet's search_path");
        }
    }

    /**
     * PostgreSQL's own default search_path is {@code "$user", public}; "$user" is skipped when the role has no
     * schema of its name. Setting that path explicitly (tools restore it after a migration) changes nothing.
     */
    @Test
    void theDefaultSearchPathSetExplicitlyJudgesNamesInPublic() throws Exception {
        try (Connection c = guard.connect("kind_user", "pw"); Statement s = c.createStatement()) {
            s.execute("SET search_path = \"$user\", public");
            try (ResultSet rs = s.executeQuery("SELECT count(*) FROM kind_items")) {
                assertTrue(rs.next());
            }
            assertEquals(1, s.executeUpdate("UPDATE kind_items SET v = 'v1' WHERE id = 1"));
        }
    }

    @Test
    void aSearchPathSetInAFailedQueryStringDoesNotChangeHowNamesAreJudged() throws Exception {
        schemaKindS2WritableInPostgresBy("capped_writer");
        try (Connection c = simpleQueries("capped_writer", "pw"); Statement s = c.createStatement()) {
            s.execute("SET search_path = kind_s2");
            String update = "UPDATE kind_items SET v = 'through PgGuard' WHERE id = 1";
            assertEquals("42501", assertThrows(PSQLException.class, () -> s.execute(update)).getSQLState(),
                    "kind_s2 is granted for reading only");
            PSQLException capped = assertThrows(PSQLException.class,
                    () -> s.execute("SET search_path = public; TABLE kind_items"));
            assertEquals("54000", capped.getSQLState(), capped.getMessage());
            // The server rolled the SET back with the string: names still resolve in kind_s2, and so must the rules.
            assertEquals("42501", assertThrows(PSQLException.class, () -> s.execute(update)).getSQLState());
        }
        try (Connection c = pg.superuser(); ResultSet rs = c.createStatement().executeQuery(
                "SELECT v FROM kind_s2.kind_items WHERE id = 1")) {
            rs.next();
            assertEquals("a", rs.getString(1));
        }
    }

    /** What PostgreSQL answers after any error in a transaction block, until it ends. */
    private static void assertTransactionAborted(Statement s) {
        PSQLException next = assertThrows(PSQLException.class, () -> s.executeQuery("SELECT 1").close());
        assertEquals("25P02", next.getSQLState(), next.getMessage());
    }

    @Test
    void aCursorIsCappedAsOneResultOverAllItsFetches() throws Exception {
        try (Connection c = guard.connect("capped_user", "pw"); Statement s = c.createStatement()) {
            c.setAutoCommit(false);
            s.execute("DECLARE kind_cursor CURSOR FOR SELECT * FROM kind_items ORDER BY id");
            int rows = 0;
            for (int i = 0; i < 4; i++) {
                try (ResultSet rs = s.executeQuery("FETCH 3 FROM kind_cursor")) {
                    while (rs.next()) {
                        rows++;
                    }
                }
            }
            assertEquals(5, rows, "four FETCHes of 3 return the cap's 5 rows in all, not 12 of the 20");
            c.rollback();
        }
    }

    @Test
    void theCancelEndingACappedResultNeverHitsTheNextStatement() throws Exception {
        // The capped result is over before PgGuard's cancel reaches the server. A statement sent right after it
        // would take the cancel in its place, unless PgGuard holds it until the server has taken the cancel.
        try (Connection c = guard.connect("capped_user", "pw"); Statement s = c.createStatement()) {
            for (int i = 0; i < 10; i++) {
                PSQLException e = assertThrows(PSQLException.class, () -> s.executeQuery("TABLE kind_items").close());
                assertEquals("54000", e.getSQLState(), e.getMessage());
                try (ResultSet rs = s.executeQuery("SELECT pg_sleep(0.05)")) {
                    assertTrue(rs.next(), "round " + i + ": the statement after the capped one ran");
                }
            }
        }
    }

    @Test
    void roleSwitchAndUnknownEffectAreRefused() throws Exception {
        pg.sql("DROP ROLE IF EXISTS kind_other; CREATE ROLE kind_other; GRANT kind_other TO kind_user");
        try (Connection c = guard.connect("kind_user", "pw")) {
            assertEquals("42501", refused(c, "SET ROLE kind_other").getSQLState());
            assertEquals("42501", refused(c, "SELECT set_config('role', 'kind_other', false)").getSQLState());
            assertEquals("42501", refused(c, "DO $$ BEGIN DELETE FROM kind_items; END $$").getSQLState());
            PSQLException garbage = refused(c, "SELEKT * FROM kind_items");
            assertEquals("42601", garbage.getSQLState(), "PostgreSQL's syntax_error, as without PgGuard");
            try (ResultSet rs = c.createStatement().executeQuery("SELECT current_user")) {
                rs.next();
                assertEquals("kind_user", rs.getString(1));
            }
            assertEquals(20, count("kind_items"));
        }
    }

    @Test
    void usersWithoutRulesPassUntouched() throws Exception {
        try (Connection c = simpleQueries(PostgresFixture.SUPERUSER, "postgres")) {
            c.setAutoCommit(false);
            c.createStatement().execute("DELETE FROM kind_items");
            c.rollback();
        }
        assertEquals(20, count("kind_items"));
    }
}
