package io.pgguard.rules.classify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgguard.rules.CommandKind;
import io.pgguard.rules.FunctionCall;
import io.pgguard.rules.ParsedBy;
import io.pgguard.rules.SqlPreparedStatement;
import io.pgguard.rules.StatementFacts;
import io.pgguard.rules.TableAccess;
import io.pgguard.rules.TableAccess.Access;
import io.pgguard.rules.WhereStatus;
import io.pgguard.rules.lex.StatementSplitter;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class StatementClassifierTest {
    private static final StatementClassifier CLASSIFIER = new StatementClassifier(new FunctionCatalog(Map.of(
            "public.order_total", new UserFunction("public.order_total", true, List.of()),
            "public.archive", new UserFunction("public.archive", false, List.of("public.orders_archive")))));

    static List<StatementFacts> classify(String sql) {
        return CLASSIFIER.classify(StatementSplitter.split(sql, true), null);
    }

    static StatementFacts one(String sql) {
        List<StatementFacts> facts = classify(sql);
        assertEquals(1, facts.size(), sql);
        return facts.get(0);
    }

    @ParameterizedTest(name = "{1} <- {0}")
    @CsvSource(delimiter = '|', value = {
            "SELECT 1|SELECT", "TABLE t|SELECT", "VALUES (1)|SELECT", "(SELECT 1)|SELECT",
            "INSERT INTO t VALUES (1)|INSERT", "UPDATE t SET v = 1 WHERE id = 2|UPDATE", "DELETE FROM t WHERE id = 1|DELETE",
            "MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN DELETE|MERGE", "TRUNCATE t|TRUNCATE",
            "COPY t TO STDOUT|COPY_TO_STDOUT", "COPY t FROM STDIN|COPY_FROM_STDIN", "COPY t TO '/x'|COPY_FILE",
            "COPY t FROM PROGRAM 'x'|COPY_PROGRAM", "CREATE TABLE x (a int)|CREATE_TABLE", "CREATE TABLE x AS SELECT 1|CREATE_TABLE_AS",
            "SELECT 1 INTO x|CREATE_TABLE_AS", "DROP TABLE t|DROP_TABLE", "DROP DATABASE d|DROP_DATABASE",
            "DROP SCHEMA s CASCADE|DROP_SCHEMA", "ALTER TABLE t ADD c int|ALTER_TABLE", "CREATE ROLE r|CREATE_ROLE",
            "ALTER USER r PASSWORD 'x'|ALTER_ROLE", "GRANT SELECT ON t TO r|GRANT", "REVOKE ALL ON t FROM r|REVOKE",
            "COMMENT ON TABLE t IS 'x'|COMMENT", "ALTER SYSTEM SET x = 1|ALTER_SYSTEM", "VACUUM|VACUUM", "ANALYZE t|ANALYZE",
            "BEGIN|BEGIN", "START TRANSACTION ISOLATION LEVEL SERIALIZABLE|BEGIN", "COMMIT|COMMIT", "END|COMMIT",
            "ROLLBACK|ROLLBACK", "ABORT|ROLLBACK", "SAVEPOINT s|SAVEPOINT", "RELEASE SAVEPOINT s|RELEASE_SAVEPOINT",
            "RELEASE s|RELEASE_SAVEPOINT", "ROLLBACK TO SAVEPOINT s|ROLLBACK_TO_SAVEPOINT", "ROLLBACK TO s|ROLLBACK_TO_SAVEPOINT",
            "SET TRANSACTION READ ONLY|SET_TRANSACTION", "PREPARE TRANSACTION 'x'|PREPARE_TRANSACTION",
            "COMMIT PREPARED 'x'|COMMIT_PREPARED", "ROLLBACK PREPARED 'x'|ROLLBACK_PREPARED",
            "DECLARE c CURSOR FOR SELECT 1|DECLARE_CURSOR", "FETCH 10 FROM c|FETCH", "MOVE NEXT IN c|MOVE", "CLOSE c|CLOSE",
            "PREPARE p AS SELECT 1|PREPARE", "EXECUTE p|EXECUTE", "DEALLOCATE ALL|DEALLOCATE", "LISTEN x|LISTEN",
            "UNLISTEN *|UNLISTEN", "NOTIFY x, 'y'|NOTIFY", "SHOW ALL|SHOW", "SET x.y = 1|SET", "SET TIME ZONE 'UTC'|SET",
            "RESET ALL|RESET", "DISCARD ALL|DISCARD", "SET ROLE bob|SET_ROLE", "SET SESSION AUTHORIZATION bob|SET_SESSION_AUTHORIZATION",
            "RESET ROLE|RESET_ROLE", "EXPLAIN SELECT 1|EXPLAIN", "EXPLAIN ANALYZE DELETE FROM t|DELETE", "DO $$ $$|DO",
            "CALL p()|CALL", "LOCK t|LOCK", "CHECKPOINT|CHECKPOINT"})
    void commandKinds(String sql, CommandKind kind) {
        assertEquals(kind, one(sql).kind(), sql);
    }

    @Test
    void tablesAreResolvedWithTheirMode() {
        StatementFacts f = one("WITH d AS (DELETE FROM q.jobs WHERE id = 1 RETURNING *) "
                + "INSERT INTO done SELECT * FROM d JOIN pg_class c ON true");
        assertTrue(f.tables().contains(new TableAccess("q", "jobs", Access.DELETE, false)), f.describe());
        assertTrue(f.tables().contains(new TableAccess("public", "done", Access.INSERT, false)), f.describe());
        assertTrue(f.tables().contains(new TableAccess("pg_catalog", "pg_class", Access.READ, true)), f.describe());
        assertTrue(f.tables().stream().noneMatch(t -> t.name().equals("d")), "CTE names are not tables: " + f.describe());
    }

    @Test
    void quotedNamesKeepCaseAndUnquotedFold() {
        StatementFacts f = one("SELECT * FROM \"UserAccounts\" JOIN Orders ON true");
        assertTrue(f.tables().contains(new TableAccess("public", "UserAccounts", Access.READ, false)));
        assertTrue(f.tables().contains(new TableAccess("public", "orders", Access.READ, false)));
    }

    @Test
    void searchPathGivesEveryCandidateSchema() {
        StatementFacts f = CLASSIFIER.classify(StatementSplitter.split("SELECT * FROM t", true), List.of("app", "public")).get(0);
        assertTrue(f.tables().contains(new TableAccess("app", "t", Access.READ, false)));
        assertTrue(f.tables().contains(new TableAccess("public", "t", Access.READ, false)));
    }

    @Test
    void rowLocksAndUpsertsAreWrites() {
        assertTrue(one("SELECT * FROM t FOR UPDATE SKIP LOCKED").tables().contains(new TableAccess("public", "t", Access.LOCK, false)));
        StatementFacts upsert = one("INSERT INTO t VALUES (1) ON CONFLICT (id) DO UPDATE SET v = 2");
        assertTrue(upsert.tables().contains(new TableAccess("public", "t", Access.UPDATE, false)));
    }

    /** PostgreSQL asks SELECT for LOCK ... IN ACCESS SHARE MODE and UPDATE, DELETE or TRUNCATE for any other mode. */
    @Test
    void onlyAnAccessShareLockIsARead() {
        assertEquals(List.of(new TableAccess("public", "t", Access.READ, false), new TableAccess("app", "u", Access.READ,
                false)), one("LOCK TABLE t, app.u IN ACCESS SHARE MODE").tables().stream().toList());
        assertEquals(Access.READ, one("lock only t in access share mode nowait").tables().iterator().next().access());
        for (String sql : new String[] {"LOCK t", "LOCK TABLE t IN ROW SHARE MODE", "LOCK t IN ACCESS EXCLUSIVE MODE",
                "LOCK t IN SHARE MODE NOWAIT"}) {
            assertEquals(Access.LOCK, one(sql).tables().iterator().next().access(), sql);
        }
    }

    @ParameterizedTest(name = "{1} <- {0}")
    @CsvSource(delimiter = '|', value = {
            "DELETE FROM t|MISSING", "DELETE FROM t WHERE id = 1|RESTRICTING", "DELETE FROM t WHERE 1 = 1|TRIVIAL",
            "DELETE FROM t WHERE id = id|TRIVIAL", "DELETE FROM t WHERE id = 1 OR true|TRIVIAL",
            "DELETE FROM t WHERE id = 1 AND true|RESTRICTING", "DELETE FROM t WHERE NOT false|TRIVIAL",
            "DELETE FROM t WHERE 1 = 2|RESTRICTING", "UPDATE t SET v = 1 WHERE 'a' = 'a'|TRIVIAL",
            "UPDATE t SET v = 1 WHERE 'a' = 'b'|RESTRICTING", "UPDATE t SET v = 1 WHERE 1 < 2|TRIVIAL",
            "DELETE FROM t USING t x WHERE t.id = x.id|TRIVIAL", "DELETE FROM t USING u WHERE t.id = u.id|RESTRICTING",
            "MERGE INTO t USING t s ON t.id = s.id WHEN MATCHED THEN DELETE|TRIVIAL",
            "MERGE INTO t USING u s ON t.id = s.id WHEN MATCHED THEN DELETE|RESTRICTING",
            "MERGE INTO t USING t s ON t.id = s.id WHEN MATCHED AND s.v = 'x' THEN DELETE|RESTRICTING",
            "MERGE INTO t USING t s ON t.id = s.id WHEN NOT MATCHED THEN INSERT VALUES (1)|NOT_APPLICABLE",
            "DELETE FROM t WHERE coalesce(id, 0) = coalesce(id, 0)|TRIVIAL",
            "UPDATE t SET v = 'x' WHERE lower(v) = lower(v)|TRIVIAL",
            "DELETE FROM t WHERE pg_catalog.upper(v) >= pg_catalog.upper(v)|TRIVIAL",
            "DELETE FROM t WHERE v COLLATE \"C\" = v COLLATE \"C\"|TRIVIAL",
            "DELETE FROM t WHERE id * random() = id * random()|RESTRICTING",
            "DELETE FROM t WHERE my_func(id) = my_func(id)|RESTRICTING",
            "DELETE FROM t WHERE (SELECT max(id) FROM u) = (SELECT max(id) FROM u)|RESTRICTING",
            "DELETE FROM t WHERE lower(v) = lower(w)|RESTRICTING",
            "DELETE FROM t WHERE 1 != 1|RESTRICTING", "DELETE FROM t WHERE 1 IN (1)|TRIVIAL", "DELETE FROM t WHERE coalesce(null, true)|TRIVIAL",
            "DELETE FROM t WHERE lower('A') = 'a'|TRIVIAL", "DELETE FROM t WHERE $1|TRIVIAL",
            "DELETE FROM t WHERE random() < 2|TRIVIAL", "DELETE FROM t WHERE (SELECT true)|TRIVIAL",
            "DELETE FROM t WHERE id = 5 OR (SELECT true)|TRIVIAL", "DELETE FROM t WHERE (SELECT false)|RESTRICTING",
            "DELETE FROM t WHERE $1::int IS NULL OR id = $1|RESTRICTING",
            "DELETE FROM t WHERE EXISTS (SELECT 1 FROM u WHERE u.tid = t.id)|RESTRICTING",
            "DELETE FROM t WHERE id IN (SELECT tid FROM u WHERE u.x = 5)|RESTRICTING",
            "UPDATE t SET v = 'x' WHERE v IS NOT NULL|RESTRICTING",
            "MERGE INTO t USING u ON 1 IN (1) WHEN MATCHED THEN DELETE|TRIVIAL",
            "DELETE FROM t USING u WHERE u.x = 5|TRIVIAL", "UPDATE t SET v = 'x' FROM u WHERE u.x = 5|TRIVIAL",
            "DELETE FROM t USING u WHERE u.tid = t.id|RESTRICTING", "DELETE FROM t USING u WHERE u.tid = id|RESTRICTING",
            "DELETE FROM t AS x USING u WHERE u.a = x.a|RESTRICTING",
            "DELETE FROM public.t USING u WHERE u.tid = public.t.id|RESTRICTING",
            "UPDATE t SET v = u.v FROM u WHERE u.id = t.id AND u.x = 5|RESTRICTING"})
    void whereTriviality(String sql, WhereStatus expected) {
        StatementFacts f = one(sql);
        assertEquals(expected, f.writes().get(0).where(), f.describe());
    }

    @Test
    void functionsAreJudgedFromPgProcAndConfig() {
        StatementFacts f = one("SELECT lower(v), now(), random(), order_total(1), archive(2), nextval('s') FROM t");
        Map<String, FunctionCall.Effect> effects = new java.util.HashMap<>();
        f.functions().forEach(c -> effects.put(c.name(), c.effect()));
        assertEquals(FunctionCall.Effect.READ, effects.get("lower"));
        assertEquals(FunctionCall.Effect.READ, effects.get("now"));
        assertEquals(FunctionCall.Effect.READ, effects.get("random"));
        assertEquals(FunctionCall.Effect.READ, effects.get("order_total"));
        assertEquals(FunctionCall.Effect.WRITE, effects.get("archive"));
        assertEquals(FunctionCall.Effect.WRITE, effects.get("nextval"));
        assertTrue(f.tables().contains(new TableAccess("public", "orders_archive", Access.UPDATE, false)));
        assertTrue(f.tables().contains(new TableAccess("public", "s", Access.UPDATE, false)));
        assertTrue(f.unknownEffects().isEmpty(), f.describe());
    }

    @Test
    void informationSchemaHelpersAreBuiltins() {
        StatementFacts f = one("SELECT (information_schema._pg_expandarray(ARRAY[10, 20])).n");
        assertTrue(f.unknownEffects().isEmpty(), f.describe());
        assertEquals(FunctionCall.Effect.READ, f.functions().get(0).effect());
        assertTrue(one("SELECT information_schema.no_such_helper(1)").hasUnknownEffect());
    }

    @Test
    void collateClausesDoNotDefeatTheParser() {
        StatementFacts f = one("SELECT v::text COLLATE \"C\" AS v FROM t ORDER BY 1");
        assertEquals(ParsedBy.FULL_PARSER, f.parsedBy(), f.describe());
        assertTrue(f.unknownEffects().isEmpty(), f.describe());
        assertEquals(ParsedBy.FULL_PARSER, one("SELECT * FROM t ORDER BY v COLLATE pg_catalog.\"default\"").parsedBy());
    }

    @Test
    void unknownFunctionIsAnUnknownEffect() {
        assertTrue(one("SELECT mystery(1)").hasUnknownEffect());
        assertTrue(one("SELECT lo_unlink(1)").functions().get(0).effect() == FunctionCall.Effect.DENIED);
    }

    @Test
    void setConfigOfRoleIsARoleChange() {
        assertEquals("bob", one("SELECT set_config('role', 'bob', false)").roleChange());
        assertNull(one("SELECT set_config('application_name', 'x', false)").roleChange());
        assertEquals(List.of("a", "B"), one("SELECT set_config('search_path', 'a, \"B\"', false)").searchPathChange());
        assertEquals(List.of("app", "public"), one("SET search_path TO app, public").searchPathChange());
        assertEquals(List.of("x"), one("SET SCHEMA 'x'").searchPathChange());
        assertEquals("", one("RESET ROLE").roleChange());
        assertEquals("", one("SET ROLE NONE").roleChange());
        assertEquals("", one("SET SESSION AUTHORIZATION DEFAULT").roleChange());
    }

    /**
     * client_encoding and standard_conforming_strings decide how the server reads every text after the statement
     * that changes them, so the proxy must learn them anew before it reads another.
     */
    @ParameterizedTest
    @ValueSource(strings = {"SET client_encoding TO 'SJIS'", "SET NAMES 'LATIN1'", "SET SESSION \"CLIENT_ENCODING\" = sjis",
            "SET LOCAL client_encoding = 'SJIS'", "RESET client_encoding", "SET standard_conforming_strings = off",
            "RESET standard_conforming_strings", "RESET ALL", "DISCARD ALL",
            "SELECT set_config('client_encoding', 'SJIS', false)",
            "SELECT 1, pg_catalog.set_config('standard_conforming_strings', 'off', true), set_config('work_mem', '1MB', false)",
            "SELECT set_config(current_setting('x.name'), 'SJIS', false)",
            "EXPLAIN ANALYZE SELECT set_config('client_encoding', 'SJIS', false)"})
    void changesOfHowTheServerReadsTextsAreReported(String sql) {
        assertTrue(one(sql).lexingChange(), sql);
    }

    @ParameterizedTest
    @ValueSource(strings = {"SHOW client_encoding", "SELECT current_setting('client_encoding')", "SET work_mem = '1MB'",
            "RESET work_mem", "DISCARD PLANS", "SELECT set_config('application_name', 'x', false)"})
    void otherSettingsLeaveTheReadingAlone(String sql) {
        assertFalse(one(sql).lexingChange(), sql);
    }

    /** What ends a block or rolls back to a savepoint sets both settings back to what a change in it replaced. */
    @ParameterizedTest
    @ValueSource(strings = {"COMMIT", "END", "ROLLBACK", "ABORT", "ROLLBACK TO SAVEPOINT s", "ROLLBACK TO s",
            "COMMIT AND CHAIN", "PREPARE TRANSACTION 'x'"})
    void statementsThatMayEndABlock(String sql) {
        assertTrue(one(sql).mayEndBlock(), sql);
    }

    @ParameterizedTest
    @ValueSource(strings = {"BEGIN", "SAVEPOINT s", "RELEASE SAVEPOINT s", "SELECT 1", "COMMIT PREPARED 'x'"})
    void statementsThatDoNotEndTheBlockTheyRunIn(String sql) {
        assertFalse(one(sql).mayEndBlock(), sql);
    }

    /** A write to pg_settings sets what it names, so it may change them too. */
    @Test
    void aWriteToPgSettingsMayChangeTheReading() {
        StatementFacts f = one("UPDATE pg_settings SET setting = 'SJIS' WHERE name = 'client_encoding'");
        assertFalse(f.lexingChange());
        assertTrue(f.mayChangeLexing());
        assertFalse(one("SELECT setting FROM pg_settings WHERE name = 'client_encoding'").mayChangeLexing());
    }

    /** A PREPARE'd or cursor query changes the encoding when it runs, later: an effect the proxy cannot follow. */
    @ParameterizedTest
    @ValueSource(strings = {"PREPARE p AS SELECT set_config('client_encoding', 'SJIS', false)",
            "DECLARE c CURSOR FOR SELECT set_config('standard_conforming_strings', 'off', false)"})
    void aDeferredChangeOfTheReadingIsAnUnknownEffect(String sql) {
        StatementFacts f = one(sql);
        assertFalse(f.lexingChange(), sql);
        assertTrue(f.hasUnknownEffect(), sql);
    }

    /** The proxy follows SQL-level prepared statements by name, and keeps the text PREPARE prepares. */
    @Test
    void preparedStatementUsesAreNamed() {
        assertEquals(new SqlPreparedStatement(SqlPreparedStatement.Use.PREPARE, "upd",
                "UPDATE t SET v = $2 WHERE id = $1"),
                one("PREPARE upd (int, text) AS UPDATE t SET v = $2 WHERE id = $1").preparedStatement());
        assertEquals(new SqlPreparedStatement(SqlPreparedStatement.Use.EXECUTE, "upd", null),
                one("EXECUTE upd(1, 'x')").preparedStatement());
        assertEquals(new SqlPreparedStatement(SqlPreparedStatement.Use.EXECUTE, "Mixed", null),
                one("EXECUTE \"Mixed\"").preparedStatement());
        assertEquals(new SqlPreparedStatement(SqlPreparedStatement.Use.DEALLOCATE, "upd", null),
                one("DEALLOCATE PREPARE upd").preparedStatement());
        assertEquals(new SqlPreparedStatement(SqlPreparedStatement.Use.DEALLOCATE, null, null),
                one("DEALLOCATE ALL").preparedStatement());
        assertEquals(new SqlPreparedStatement(SqlPreparedStatement.Use.DEALLOCATE, null, null),
                one("DISCARD ALL").preparedStatement());
        assertEquals(new SqlPreparedStatement(SqlPreparedStatement.Use.EXECUTE, "upd", null),
                one("EXPLAIN ANALYZE EXECUTE upd(1)").preparedStatement(), "runs it");
        assertNull(one("EXPLAIN EXECUTE upd(1)").preparedStatement(), "plans it only");
        assertNull(one("PREPARE TRANSACTION 'tx1'").preparedStatement());
        assertNull(one("SELECT 1").preparedStatement());
    }

    /** SET LOCAL and set_config(..., true) end with their transaction; the proxy must know which changes do. */
    @Test
    void localChangesOfRoleAndSearchPathAreMarked() {
        assertTrue(one("SET LOCAL search_path = x").localChange());
        assertTrue(one("SET LOCAL ROLE bob").localChange());
        assertTrue(one("SELECT set_config('search_path', 'x', true)").localChange());
        assertTrue(one("SELECT set_config('role', 'bob', 'on')").localChange());
        assertFalse(one("SET search_path = x").localChange());
        assertFalse(one("SET SESSION search_path = x").localChange());
        assertFalse(one("SELECT set_config('search_path', 'x', false)").localChange());
        assertFalse(one("SELECT set_config('search_path', 'x', 'f')").localChange());
        assertFalse(one("SELECT set_config('search_path', 'x', false)").hasUnknownEffect());
        assertTrue(one("EXECUTE p(set_config('search_path', 'x', true))").localChange(), "in EXECUTE's arguments");
        assertTrue(one("SELECT set_config('search_path', 'x', now() > now())").hasUnknownEffect(),
                "when the change ends cannot be told");
    }

    @Test
    void wrappersCarryTheWrappedStatement() {
        StatementFacts prepare = one("PREPARE p(int) AS DELETE FROM t WHERE id = $1");
        assertEquals(CommandKind.DELETE, prepare.innerKind());
        assertEquals(WhereStatus.RESTRICTING, prepare.writes().get(0).where());
        StatementFacts explain = one("EXPLAIN DELETE FROM t");
        assertEquals(CommandKind.EXPLAIN, explain.kind());
        assertTrue(explain.writes().isEmpty());
        StatementFacts copy = one("COPY (DELETE FROM t RETURNING id) TO STDOUT");
        assertEquals(CommandKind.COPY_TO_STDOUT, copy.kind());
        assertEquals(WhereStatus.MISSING, copy.writes().get(0).where());
    }

    /** Both of PostgreSQL's option grammars for COPY, and HEADER's values (a header line is no row under a cap). */
    @Test
    void aCopyToStdoutKnowsWhetherItSendsAHeaderLine() {
        for (String sql : new String[] {"COPY t TO STDOUT WITH (FORMAT csv, HEADER)", "COPY t TO STDOUT (HEADER)",
                "COPY t TO STDOUT (FORMAT csv, HEADER true, DELIMITER ';')", "COPY t TO STDOUT (header ON)",
                "COPY t TO STDOUT (HEADER 1)", "COPY t TO STDOUT (HEADER 'true')", "COPY t TO STDOUT (\"header\")",
                "COPY (SELECT a, b FROM t) TO STDOUT WITH CSV HEADER", "COPY t TO STDOUT CSV HEADER",
                "COPY t TO STDOUT WITH CSV FORCE QUOTE a, b HEADER", "COPY t (a, b) TO STDOUT (FORCE_QUOTE (a), HEADER)",
                "COPY t TO STDOUT (HEADER +1)", "COPY t TO STDOUT (HEADER 01)", "COPY t TO STDOUT (HEADER 0x1)",
                "COPY t TO STDOUT USING DELIMITERS ',' WITH (HEADER)", "COPY t TO STDOUT DELIMITERS ';' CSV HEADER",
                "COPY t TO STDOUT (FORMAT csv, HEADER (true))", "COPY t TO STDOUT (HEADER ('on'))",
                "COPY t TO STDOUT (HEADER (\"TRUE\"), FORMAT csv)", "COPY t TO STDOUT (HEADER (on))"}) {
            assertTrue(one(sql).copyHeader(), sql);
        }
        for (String sql : new String[] {"COPY t TO STDOUT", "COPY t TO STDOUT (FORMAT csv)",
                "COPY t TO STDOUT (FORMAT csv, HEADER false)", "COPY t TO STDOUT (HEADER off)",
                "COPY t TO STDOUT (HEADER 0)", "COPY t TO STDOUT (HEADER match)", "COPY t TO STDOUT (\"HEADER\")",
                "COPY t TO STDOUT WITH CSV FORCE QUOTE header", "COPY t TO STDOUT WITH CSV FORCE QUOTE a, header",
                "COPY t TO STDOUT (FORCE_QUOTE (header))", "COPY t TO STDOUT (DELIMITER 'header')",
                "COPY t TO '/tmp/x' (HEADER)", "COPY t FROM STDIN (FORMAT csv, HEADER)",
                "COPY t TO STDOUT USING DELIMITERS ',' WITH (HEADER false)", "COPY t TO STDOUT DELIMITERS ';' (HEADER 0)",
                "COPY t TO STDOUT DELIMITERS ';' (FORMAT csv, FORCE_QUOTE (header))", "COPY t TO STDOUT (HEADER 1.0)",
                "COPY t TO STDOUT (HEADER 2)", "COPY t TO STDOUT (HEADER (false))", "COPY t TO STDOUT (HEADER (off))",
                "COPY t TO STDOUT (HEADER (true, on))"}) {
            assertFalse(one(sql).copyHeader(), sql);
        }
    }

    @Test
    void parsedByIsRecorded() {
        assertEquals(ParsedBy.FULL_PARSER, one("SELECT 1").parsedBy());
        assertEquals(ParsedBy.LEXER_FALLBACK, one("BEGIN").parsedBy());
        assertEquals(ParsedBy.SYNTAX_ERROR, one("FROB the database").parsedBy(), "no command starts so");
        assertEquals(ParsedBy.SYNTAX_ERROR, one("PREPARE p AS FROB").parsedBy(), "nor does the prepared one");
        assertEquals(ParsedBy.UNPARSEABLE, one("SELECT FROM WHERE").parsedBy(), "JSqlParser's failure proves nothing");
        assertNotNull(one("SELECT FROM WHERE").parseError());
    }

    @Test
    void limitsAndRewriteSites() {
        StatementFacts none = one("SELECT * FROM t /* trailing */");
        assertEquals(StatementFacts.NO_LIMIT, none.limit());
        assertEquals(" LIMIT ", none.rowCapRewrite().prefix());
        assertEquals("SELECT * FROM t".length(), none.rowCapRewrite().start());
        assertEquals(50, one("SELECT * FROM t LIMIT 50").limit());
        assertEquals(StatementFacts.NON_LITERAL_LIMIT, one("SELECT * FROM t LIMIT $1").limit());
        assertNull(one("SELECT * FROM t LIMIT $1").rowCapRewrite());
        assertNull(one("SELECT * FROM t UNION SELECT * FROM u").rowCapRewrite());
        assertNull(one("SELECT * FROM t FOR UPDATE").rowCapRewrite());
        assertEquals(7, one("SELECT id FROM t FETCH FIRST 7 ROWS ONLY").limit());
    }

    @Test
    void fingerprintHidesLiterals() {
        assertEquals("select * from t where id = ? and v = ? and w = $1",
                one("SELECT * FROM T WHERE id = 42 AND v = 'x' AND w = $1").fingerprint());
    }

    @Test
    void pathologicalInputIsRefusedQuickly() {
        String deep = "SELECT " + "(".repeat(200) + "1" + ")".repeat(200);
        long start = System.nanoTime();
        StatementFacts f = one(deep);
        assertEquals(ParsedBy.UNPARSEABLE, f.parsedBy());
        assertTrue(System.nanoTime() - start < 2_000_000_000L);
        StringBuilder chain = new StringBuilder("SELECT data");
        for (int i = 0; i < 30; i++) {
            chain.append("->'k").append(i).append("'");
        }
        chain.append("::jsonb FROM t");
        start = System.nanoTime();
        one(chain.toString());
        assertTrue(System.nanoTime() - start < 2_000_000_000L, "a 30-step json chain must not stall the classifier");
    }

    @Test
    void parseOverTheTimeBudgetIsStoppedAndUnparseable() throws InterruptedException {
        // the cast keeps it from the shape parser, which would read it in a blink
        StringBuilder or = new StringBuilder("SELECT * FROM t WHERE id = 0::int");
        for (int i = 1; i < 3000; i++) {
            or.append(" OR id = ").append(i);
        }
        long saved = ParseWatchdog.budgetMillis;
        ParseWatchdog.budgetMillis = 1;
        try {
            // The watchdog reads the budget between polls, which are up to 50 ms apart under the default budget: let
            // it start polling at the new one, or a parse the JIT has made fast ends before the first look.
            Thread.sleep(2 * 50 + 10);
            long start = System.nanoTime();
            StatementFacts f = one(or.toString());
            long tookMillis = (System.nanoTime() - start) / 1_000_000;
            assertEquals(ParsedBy.UNPARSEABLE, f.parsedBy(), f.describe());
            assertTrue(f.parseError().contains("time budget"), f.parseError());
            assertTrue(StatementClassifier.timingDependent(f));
            assertTrue(tookMillis < 1000, "stopped after " + tookMillis + " ms");
        } finally {
            ParseWatchdog.budgetMillis = saved;
        }
    }

    @Test
    void aQuotedNameWithADotIsAnUnknownEffect() {
        // PostgreSQL reads one name, schema "x.public"; JSqlParser would read schema public of database x
        StatementFacts f = one("UPDATE \"x.public\".t SET a = 1 WHERE id = 1");
        assertTrue(f.unknownEffects().stream().anyMatch(r -> r.contains("dot")), f.describe());
        assertTrue(one("SELECT * FROM \"secret.x\"").unknownEffects().stream().anyMatch(r -> r.contains("dot")));
        assertTrue(one("UPDATE \"x_public\".t SET a = 1 WHERE id = 1").unknownEffects().isEmpty());
    }

    @Test
    void keywordsAreMatchedAsPostgreSqlFoldsThem() throws Exception {
        // dotless i upper-cases to I, so a case-insensitive match would read this column as DISTINCT
        StatementFacts f = one("SELECT d\u0131stinct FROM t");
        assertEquals(ParsedBy.FULL_PARSER, f.parsedBy(), f.describe());
        assertFalse(io.pgguard.rules.lex.SqlLexer.tokenize("d\u0131stinct", true).get(0).isKeyword("distinct"));
        assertTrue(io.pgguard.rules.lex.SqlLexer.tokenize("DISTINCT", true).get(0).isKeyword("distinct"));
    }
}
