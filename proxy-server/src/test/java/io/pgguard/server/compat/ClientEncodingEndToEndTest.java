package io.pgguard.server.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgguard.core.testing.PostgresFixture;
import io.pgguard.server.testing.GuardHarness;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * PostgreSQL converts every text from the session's client_encoding before it lexes it, and lexes '' strings by
 * its standard_conforming_strings; PgGuard must read each text the same way, or a statement can hide inside what
 * PgGuard takes for a string. As app_rw under the reference policy (plus a read cap on a second PgGuard, whose
 * rewrite must keep the client's bytes), against table t of the corpus schema.
 */
class ClientEncodingEndToEndTest {
    static final String PROXY_DB = "encoding_proxy";
    static final String DIRECT_DB = "encoding_direct";
    static final List<String> T_ROWS = List.of("#id|v", "1|a", "2|b", "3|c");

    /** 0x95 0x5C is one SJIS character, 表; to a reader that does not know SJIS its second byte is a backslash. */
    static final byte[] SJIS_HIDDEN_DELETE = text("SELECT E'", 0x95, 0x5C, "'; DELETE FROM t; --'");

    static PostgresFixture pg;
    static GuardHarness guard;
    static GuardHarness cappedGuard;
    WireClient direct;
    WireClient proxied;

    @BeforeAll
    static void start() throws Exception {
        pg = PostgresFixture.get();
        CompatSupport.corpusDatabase(pg, DIRECT_DB);
        CompatSupport.corpusDatabase(pg, PROXY_DB);
        guard = GuardHarness.start(pg, GuardHarness.referencePolicy(), Map.of());
        cappedGuard = GuardHarness.startReferencePolicyWith(pg, "{ id = read-cap, type = read-row-cap, max-rows = 5 }");
    }

    @AfterAll
    static void stop() {
        for (GuardHarness g : new GuardHarness[] {guard, cappedGuard}) {
            if (g != null) {
                g.close();
            }
        }
    }

    @BeforeEach
    void connect() throws Exception {
        CompatSupport.exec(pg, PROXY_DB, "DELETE FROM t; INSERT INTO t VALUES (1, 'a'), (2, 'b'), (3, 'c')");
        direct = WireClient.connect(pg.host(), pg.port(), CompatSupport.APP_USER, CompatSupport.APP_PASSWORD, DIRECT_DB);
        proxied = connect(guard);
    }

    @AfterEach
    void disconnect() {
        direct.close();
        proxied.close();
    }

    private static WireClient connect(GuardHarness g) throws Exception {
        return WireClient.connect("127.0.0.1", g.port(), CompatSupport.APP_USER, CompatSupport.APP_PASSWORD, PROXY_DB);
    }

    @Test
    void anSjisCharacterEndingInABackslashCannotHideADelete() throws Exception {
        assertFalse(proxied.query("SET client_encoding TO 'SJIS'").failed());
        WireClient.Result r = proxied.pipeline(1, WireClient.queryMessage(SJIS_HIDDEN_DELETE)).get(0);
        assertEquals("42501", r.sqlState(), r::transcript);
        assertEquals(T_ROWS, rowsOfT());
    }

    @Test
    void sjisTextPassesAsDirect() throws Exception {
        byte[] query = WireClient.queryMessage(text("SELECT E'", 0x95, 0x5C, "' AS k, octet_length(E'", 0x95, 0x5C,
                "') AS n"));
        for (WireClient c : new WireClient[] {direct, proxied}) {
            assertFalse(c.query("SET client_encoding TO 'SJIS'").failed());
        }
        asDirect(proxied, query);
    }

    /** The server reads a Query sent after SET client_encoding in the new encoding, answered or not. */
    @Test
    void aQueryPipelinedAfterSetClientEncodingIsReadInTheNewEncoding() throws Exception {
        List<WireClient.Result> answers = proxied.pipeline(2,
                WireClient.queryMessage(text("SET client_encoding TO 'SJIS'")),
                WireClient.queryMessage(SJIS_HIDDEN_DELETE));
        assertFalse(answers.get(0).failed(), answers.get(0)::transcript);
        assertEquals("42501", answers.get(1).sqlState(), answers.get(1)::transcript);
        assertEquals(T_ROWS, rowsOfT());
    }

    /** With standard_conforming_strings on, 'a\' is a whole string and the DELETE after it runs. */
    @Test
    void aQueryPipelinedAfterSetStandardConformingStringsIsReadWithTheNewSetting() throws Exception {
        assertFalse(proxied.query("SET standard_conforming_strings = off").failed());
        List<WireClient.Result> answers = proxied.pipeline(2,
                WireClient.queryMessage(text("SET standard_conforming_strings = on")),
                WireClient.queryMessage(text("SELECT 'a\\'; DELETE FROM t; --'")));
        assertFalse(answers.get(0).failed(), answers.get(0)::transcript);
        assertEquals("42501", answers.get(1).sqlState(), answers.get(1)::transcript);
        assertEquals(T_ROWS, rowsOfT());
    }

    /**
     * In one extended-protocol batch the server reads the Parse after a SET client_encoding in the new encoding,
     * which PgGuard learns only at the batch's ReadyForQuery: such a text is refused unread.
     */
    @Test
    void aTextInTheSameBatchAsAnEncodingChangeIsRefusedUnread() throws Exception {
        WireClient.Result r = proxied.pipeline(1,
                WireClient.parseMessage(text("SET client_encoding TO 'SJIS'")), WireClient.bindAndExecute(),
                WireClient.parseMessage(SJIS_HIDDEN_DELETE), WireClient.bindAndExecute(),
                WireClient.syncMessage()).get(0);
        assertEquals("0A000", r.sqlState(), r::transcript);
        assertEquals(T_ROWS, rowsOfT());
        assertEquals("UTF8", proxied.parameters().get("client_encoding"), "the failed batch undid the SET");
    }

    /** A plain ASCII text reads alike in every encoding, so it goes on in the same batch. */
    @Test
    void anAsciiTextInTheSameBatchAsAnEncodingChangeRuns() throws Exception {
        WireClient.Result r = proxied.pipeline(1,
                WireClient.parseMessage(text("SET client_encoding TO 'LATIN1'")), WireClient.bindAndExecute(),
                WireClient.parseMessage(text("SELECT v FROM t WHERE id = 2")), WireClient.bindAndExecute(),
                WireClient.syncMessage()).get(0);
        assertFalse(r.failed(), r::transcript);
        assertEquals(List.of("D b"), r.lines().stream().filter(l -> l.startsWith("D ")).toList());
        assertEquals("LATIN1", proxied.parameters().get("client_encoding"));
    }

    /**
     * PgGuard keeps what it judged of a statement under its name, so it must read names as the server does: a name
     * that is not ASCII is refused outside UTF8 (the JVM's table may read it otherwise than the server's), and an
     * ASCII one goes on.
     */
    @Test
    void aStatementNameThatIsNotAsciiIsRefusedOutsideUtf8() throws Exception {
        assertFalse(proxied.query("SET client_encoding TO 'LATIN1'").failed());
        byte[] name = text("caf", 0xE9);
        WireClient.Result r = proxied.pipeline(1, WireClient.parseMessage(name, text("SELECT v FROM t WHERE id = 3")),
                WireClient.bindAndExecute(name), WireClient.syncMessage()).get(0);
        assertEquals("0A000", r.sqlState(), r::transcript);
        byte[] ascii = text("cafe");
        WireClient.Result ok = proxied.pipeline(1, WireClient.parseMessage(ascii, text("SELECT v FROM t WHERE id = 3")),
                WireClient.bindAndExecute(ascii), WireClient.syncMessage()).get(0);
        assertEquals(List.of("D c"), ok.lines().stream().filter(l -> l.startsWith("D ")).toList(), ok::transcript);
    }

    /**
     * PgGuard's own messages reach the client in its encoding, as the server's do: a refused table's schema reads as
     * the client wrote it, é as the one LATIN1 byte 0xE9 (which this test's UTF-8 reader shows as U+FFFD), not as
     * UTF-8's two bytes, which a LATIN1 client reads as Ã©.
     */
    @Test
    void aRefusalNamesWhatItRefusesInTheClientsEncoding() throws Exception {
        assertFalse(proxied.query("SET client_encoding TO 'LATIN1'").failed());
        WireClient.Result r = proxied.pipeline(1, WireClient.queryMessage(text("SELECT * FROM caf", 0xE9, ".t")))
                .get(0);
        assertTrue(r.failed(), r::transcript);
        String said = String.join("\n", r.errors().get(0).values());
        assertTrue(said.contains("caf\uFFFD.t") && !said.contains("caf\u00e9"), said);
        assertEquals("LATIN1", proxied.parameters().get("client_encoding"));
    }

    /**
     * The server's SHIFT_JIS_2004 table makes 0x81 0x5F a plain backslash (Java's makes it a full-width one): so
     * E'<0x81 0x5F>\' is a closed string to the server, and the DELETE after it runs unless PgGuard reads it so.
     */
    @Test
    void aShiftJis2004BackslashTheServerReadsAsAsciiCannotHideADelete() throws Exception {
        assertFalse(proxied.query("SET client_encoding TO 'SHIFT_JIS_2004'").failed());
        WireClient.Result r = proxied.pipeline(1,
                WireClient.queryMessage(text("SELECT E'", 0x81, 0x5F, "\\'; DELETE FROM t; --'"))).get(0);
        assertEquals("42501", r.sqlState(), r::transcript);
        assertEquals(T_ROWS, rowsOfT());
    }

    /**
     * The server reads a whole Query in the encoding in force when it arrives, a SET client_encoding in it
     * notwithstanding. Under a read cap PgGuard would run such a Query statement by statement, each read after the
     * one before it ran: so it runs it as it is, and 'é' stays two bytes, as direct.
     */
    @Test
    void aCappedQueryThatChangesTheEncodingIsReadAsOneText() throws Exception {
        try (WireClient capped = connect(cappedGuard)) {
            // UNION ALL: no LIMIT can cap it, so the proxy caps its result stream
            byte[] query = WireClient.queryMessage(("SET client_encoding TO 'LATIN1'; SELECT id, octet_length('\u00e9')"
                    + " AS n FROM t UNION ALL SELECT 4, octet_length('\u00e9') ORDER BY 1").getBytes(StandardCharsets.UTF_8));
            String actual = asDirect(capped, query);
            assertEquals(4, actual.lines().filter(l -> l.endsWith("|2")).count(), actual);
        }
    }

    /** A ROLLBACK undoes a SET client_encoding made in its transaction: the text after it waits for the answer. */
    @Test
    void theEndOfATransactionThatChangedTheEncodingIsAChangeToo() throws Exception {
        assertFalse(proxied.query("BEGIN").failed());
        assertFalse(proxied.query("SET client_encoding TO 'LATIN1'").failed());
        WireClient.Result r = proxied.pipeline(1,
                WireClient.parseMessage(text("ROLLBACK")), WireClient.bindAndExecute(),
                WireClient.parseMessage(text("SELECT 'caf", 0xE9, "'")), WireClient.bindAndExecute(),
                WireClient.syncMessage()).get(0);
        assertEquals("0A000", r.sqlState(), r::transcript);
        assertEquals('I', r.status());
    }

    /**
     * A rollback to a savepoint sets standard_conforming_strings back to what the savepoint saw (off), which the
     * server reports only with its answer: the Query pipelined after it waits for that answer, and is read with
     * the setting off, as the server reads it: 'a\', ' is one string and a DELETE follows.
     */
    @Test
    void whatFollowsARollbackToASavepointIsReadWithTheSettingItRestores() throws Exception {
        for (String sql : List.of("BEGIN", "SET standard_conforming_strings = off", "SAVEPOINT s",
                "SET standard_conforming_strings = on")) {
            assertFalse(proxied.query(sql).failed(), sql);
        }
        List<WireClient.Result> answers = proxied.pipeline(2, WireClient.queryMessage(text("ROLLBACK TO SAVEPOINT s")),
                WireClient.queryMessage(text("SELECT 'a\\', '; DELETE FROM t; --'")));
        assertFalse(answers.get(0).failed(), answers.get(0)::transcript);
        assertEquals("42501", answers.get(1).sqlState(), answers.get(1)::transcript);
        assertFalse(proxied.query("ROLLBACK").failed());
        assertEquals(T_ROWS, rowsOfT());
    }

    /**
     * A Query sent while a change made in an extended batch is unanswered cannot be told apart from the end of a
     * block that undoes it (here the batch began the block): it is held until its own answer, and what follows it
     * is read with the setting the server then reports (on, after the ROLLBACK).
     */
    @Test
    void aQuerySentBeforeTheAnswerToAChangeIsHeldLikeAChange() throws Exception {
        proxied.send(WireClient.parseMessage(text("BEGIN")), WireClient.bindAndExecute(),
                WireClient.parseMessage(text("SET standard_conforming_strings = off")), WireClient.bindAndExecute(),
                WireClient.syncMessage(), WireClient.queryMessage(text("SELECT pg_sleep(0.5); ROLLBACK")));
        Thread.sleep(200); // the batch is answered; the ROLLBACK is not
        proxied.send(WireClient.queryMessage(text("SELECT 'a\\'; DELETE FROM t; --'")));
        List<WireClient.Result> answers = proxied.answers(3);
        assertFalse(answers.get(1).failed(), answers.get(1)::transcript);
        assertEquals("42501", answers.get(2).sqlState(), answers.get(2)::transcript);
        assertEquals(T_ROWS, rowsOfT());
    }

    /**
     * While a change is unanswered PgGuard judges a text by its bytes, not by the characters it decoded: into UTF8
     * the SHIFT_JIS_2004 character 0x81 0xB0 is the ASCII '~', but once the server reads LATIN1 it is two letters of
     * an alias, and the DELETE has no WHERE.
     */
    @Test
    void aTextThatDecodesToAsciiButIsNotAsciiIsRefusedInDoubt() throws Exception {
        assertFalse(proxied.query("SET client_encoding TO 'SHIFT_JIS_2004'").failed());
        WireClient.Result r = proxied.pipeline(1,
                WireClient.parseMessage(text("SET client_encoding TO 'LATIN1'")), WireClient.bindAndExecute(),
                WireClient.parseMessage(text("DELETE FROM t WHERE", 0x81, 0xB0, "id RETURNING 1")),
                WireClient.bindAndExecute(), WireClient.syncMessage()).get(0);
        assertEquals("0A000", r.sqlState(), r::transcript);
        assertEquals(T_ROWS, rowsOfT());
    }

    /**
     * The doubt a change leaves ends at the ReadyForQuery after its answer, although the client has sent more
     * since: statements that cannot change the reading do not prolong it.
     */
    @Test
    void doubtEndsAtTheAnswerToTheChangeWhileThePipelineGoesOn() throws Exception {
        proxied.send(WireClient.parseMessage(text("SET standard_conforming_strings = on")), WireClient.bindAndExecute(),
                WireClient.syncMessage(), WireClient.parseMessage(text("SELECT pg_sleep(0.5)")),
                WireClient.bindAndExecute(), WireClient.syncMessage());
        Thread.sleep(200); // the change is answered; the sleep is not
        proxied.send(WireClient.parseMessage("SELECT 'caf\u00e9'".getBytes(StandardCharsets.UTF_8)),
                WireClient.bindAndExecute(), WireClient.syncMessage());
        List<WireClient.Result> answers = proxied.answers(3);
        assertFalse(answers.get(2).failed(), answers.get(2)::transcript);
    }

    /**
     * In a transaction block that may have changed the reading, only what can end the block (or roll back to a
     * savepoint) may change it again: the statements of a batch in between go on as they are sent.
     */
    @Test
    void inABlockThatChangedTheReadingOnlyItsEndWaits() throws Exception {
        assertFalse(proxied.query("BEGIN").failed());
        assertFalse(proxied.query("SET standard_conforming_strings = on").failed());
        WireClient.Result r = proxied.pipeline(1,
                WireClient.parseMessage("UPDATE t SET v = 'caf\u00e9' WHERE id = 1".getBytes(StandardCharsets.UTF_8)),
                WireClient.bindAndExecute(),
                WireClient.parseMessage("UPDATE t SET v = 'caf\u00e9' WHERE id = 2".getBytes(StandardCharsets.UTF_8)),
                WireClient.bindAndExecute(), WireClient.syncMessage()).get(0);
        assertFalse(r.failed(), r::transcript);
        assertFalse(proxied.query("ROLLBACK").failed());
    }

    /**
     * PostgreSQL undoes what a block set at an error in it, not at the ROLLBACK after it, and reports the setting
     * with the error's ReadyForQuery: in a block that changed the reading, what follows a Query waits for its
     * answer, and is read with standard_conforming_strings on again (so the DELETE shows).
     */
    @Test
    void anErrorInABlockThatChangedTheReadingUndoesTheChange() throws Exception {
        assertFalse(proxied.query("BEGIN").failed());
        assertFalse(proxied.query("SET standard_conforming_strings = off").failed());
        List<WireClient.Result> answers = proxied.pipeline(2, WireClient.queryMessage(text("SELECT 1/0")),
                WireClient.queryMessage(text("ROLLBACK; SELECT 'a\\'; DELETE FROM t; --'")));
        assertEquals("22012", answers.get(0).sqlState(), answers.get(0)::transcript);
        assertEquals("42501", answers.get(1).sqlState(), answers.get(1)::transcript);
        assertFalse(proxied.query("ROLLBACK").failed());
        assertEquals(T_ROWS, rowsOfT());
    }

    /**
     * A rewrite (here the LIMIT of a read cap) is sent in the client's encoding: the server reads 'café' in
     * LATIN1, five bytes once in UTF-8, as it does straight from the client.
     */
    @Test
    void aRewrittenLatin1TextKeepsItsCharacters() throws Exception {
        try (WireClient capped = connect(cappedGuard)) {
            byte[] query = WireClient.queryMessage(text("SELECT id, octet_length('caf", 0xE9, "') AS n FROM t ORDER BY id"));
            for (WireClient c : new WireClient[] {direct, capped}) {
                assertFalse(c.query("SET client_encoding TO 'LATIN1'").failed());
            }
            String actual = asDirect(capped, query);
            assertEquals(3, actual.lines().filter(l -> l.endsWith("|5")).count(), actual);
        }
    }

    /**
     * A ROLLBACK that ends a block which turned standard_conforming_strings off turns it on again for the
     * statements after it, were they sent on their own; the server reads a whole Query with the setting it found.
     */
    @Test
    void aCappedQueryEndingABlockThatChangedTheReadingIsReadAsOneText() throws Exception {
        try (WireClient capped = connect(cappedGuard)) {
            byte[] query = WireClient.queryMessage(text("ROLLBACK; SELECT 'a\\\\' || v AS x FROM t UNION ALL"
                    + " SELECT 'd' ORDER BY 1"));
            for (WireClient c : new WireClient[] {direct, capped}) {
                assertFalse(c.query("BEGIN").failed());
                assertFalse(c.query("SET standard_conforming_strings = off").failed());
            }
            String actual = asDirect(capped, query);
            assertTrue(actual.contains("D a\\a"), actual);
        }
    }

    /** The transcript of {@code query} through {@code client}, after checking it is exactly what direct gives. */
    private String asDirect(WireClient client, byte[] query) throws Exception {
        String expected = direct.pipeline(1, query).get(0).transcript();
        String actual = client.pipeline(1, query).get(0).transcript();
        assertFalse(actual.contains("PgGuard"), actual);
        assertEquals(expected, actual);
        return actual;
    }

    private static List<String> rowsOfT() throws Exception {
        return CompatSupport.query(pg, PROXY_DB, "SELECT id, v FROM t ORDER BY id");
    }

    /** ASCII strings and single bytes, in order. */
    private static byte[] text(Object... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Object part : parts) {
            if (part instanceof String s) {
                out.writeBytes(s.getBytes(StandardCharsets.US_ASCII));
            } else {
                out.write((Integer) part);
            }
        }
        return out.toByteArray();
    }
}
