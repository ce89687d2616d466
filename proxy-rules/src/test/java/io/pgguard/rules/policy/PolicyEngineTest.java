package io.pgguard.rules.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.pgguard.rules.Decision;
import io.pgguard.rules.PolicyEngine;
import io.pgguard.rules.RuleConfigException;
import io.pgguard.rules.RuleSet;
import io.pgguard.rules.StatementContext;
import io.pgguard.rules.StatementSource;
import io.pgguard.rules.TestFiles;
import java.lang.management.ManagementFactory;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PolicyEngineTest {
    private static final RuleSet ALL_RULES = TestFiles.exampleRules("all-rules.conf");
    /** Users without rules pass; a rule caps what whoever acts as role "reporting" reads. */
    private static final RuleSet REPORTING_ROLE_CAPPED = rules("""
            users-without-rules = allow
            users { app = [r] }
            roles { r { statements = [DML], tables = [ { on = ["public.*"], privileges = [SELECT] } ] } }
            rules = [ { id = capped, type = read-row-cap, max-rows = 5, users = [reporting] } ]
            """);

    static StatementContext ctx(String user, String env) {
        return new StatementContext(user, "app", env, null, true, StatementSource.SIMPLE_QUERY);
    }

    static RuleSet rules(String hocon) {
        return RuleSet.fromConfig(ConfigFactory.parseString(hocon));
    }

    @Test
    void secondDecisionComesFromTheCache() {
        PolicyEngine engine = new PolicyEngine(TestFiles.exampleRules("reference-policy.conf"), 100);
        Decision first = engine.decide("SELECT * FROM t WHERE id = $1", ctx("app_rw", "prod"));
        Decision second = engine.decide("SELECT * FROM t WHERE id = $1", ctx("app_rw", "prod"));
        assertSame(first, second);
        assertEquals(1, engine.cacheHits());
        assertEquals(1, engine.cacheMisses());
        engine.decide("SELECT * FROM t WHERE id = $1", ctx("app_rw", "staging"));
        assertEquals(2, engine.cacheMisses(), "the context is part of the key");
    }

    /**
     * The size limit counts what the parser is given, after long constant lists are shortened: a 10,000-row
     * VALUES list an ORM inlines (60,000 tokens) passes; a statement as long whose tokens are not such a list does not.
     */
    @Test
    void aLongListOfConstantsIsNotATooLargeStatement() {
        PolicyEngine engine = new PolicyEngine(TestFiles.exampleRules("reference-policy.conf"), 10);
        StringBuilder insert = new StringBuilder("INSERT INTO t (id, v) VALUES ");
        StringBuilder in = new StringBuilder("SELECT * FROM t WHERE v IN (");
        StringBuilder sum = new StringBuilder("SELECT id");
        for (int i = 0; i < 10_000; i++) {
            insert.append(i == 0 ? "" : ", ").append("(").append(i).append(", 'v").append(i).append("')");
            in.append(i == 0 ? "" : ", ").append("'v").append(i).append("'");
            sum.append(" + id");
        }
        for (int i = 0; i < 20_000; i++) {
            sum.append(" + id");
        }
        assertEquals(Decision.Action.FORWARD, engine.decide(insert.toString(), ctx("app_rw", "prod")).action());
        assertEquals(Decision.Action.FORWARD, engine.decide(in.append(")").toString(), ctx("app_rw", "prod")).action());
        Decision tooLarge = engine.decide(sum.append(" FROM t").toString(), ctx("app_rw", "prod"));
        assertEquals(Decision.Action.REJECT, tooLarge.action());
        assertTrue(tooLarge.rejection().detail().contains("too large"), tooLarge.rejection().detail());
    }

    @Test
    void decideCreatesNoThreads() {
        PolicyEngine engine = new PolicyEngine(TestFiles.exampleRules("reference-policy.conf"), 10);
        engine.decide("SELECT 1", ctx("app_rw", "prod")); // class loading, static tables
        long before = ManagementFactory.getThreadMXBean().getTotalStartedThreadCount();
        for (int i = 0; i < 200; i++) {
            engine.decide("SELECT * FROM t WHERE id = " + i + "; BEGIN; DELETE FROM t; COMMIT", ctx("app_rw", "prod"));
        }
        long after = ManagementFactory.getThreadMXBean().getTotalStartedThreadCount();
        assertEquals(before, after, "decide() must parse on the calling thread and run cache upkeep there too");
    }

    @Test
    void rejectionNamesTheRuleWithDetailAndHint() {
        PolicyEngine engine = new PolicyEngine(TestFiles.exampleRules("reference-policy.conf"), 10);
        Decision d = engine.decide("SELECT 1; DELETE FROM t", ctx("app_rw", "prod"));
        assertEquals(Decision.Action.REJECT, d.action());
        assertEquals("PgGuard: statement refused by rule \"no-unrestricted-delete\": DELETE without a restricting WHERE",
                d.rejection().message());
        assertEquals("42501", d.rejection().sqlState());
        assertTrue(d.rejection().detail().contains("statement 2 of 2"), d.rejection().detail());
        assertTrue(d.rejection().detail().contains("no-unrestricted-delete"));
        assertTrue(d.rejection().hint().contains("WHERE"));
    }

    @Test
    void unknownEffectDetailCarriesTheParseError() {
        PolicyEngine engine = new PolicyEngine(TestFiles.exampleRules("reference-policy.conf"), 10);
        Decision d = engine.decide("SELECT 1 /* unterminated", ctx("app_rw", "prod"));
        assertEquals("unknown-effect", d.rejection().ruleId());
        assertTrue(d.rejection().detail().contains("unterminated /* comment"), d.rejection().detail());
        assertEquals(1, engine.parseFailures());
    }

    /**
     * What PostgreSQL cannot read either is refused with its SQLSTATE, 42601 syntax_error, so that a driver maps it
     * to the same exception it would without PgGuard; what only PgGuard cannot read keeps the rule's 42501.
     */
    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        "SELECT 1 /* unterminated              | 42601",
        "SELECT 'unterminated                  | 42601",
        "SELECT \"unterminated                 | 42601",
        "SELECT $tag$ unterminated             | 42601",
        "SELECT \"\" FROM t                    | 42601",
        "SELECT (1                             | 42601",
        "SELECT 1); DELETE FROM t              | 42601",
        "SELEC 1                               | 42601",
        "1; DELETE FROM t                      | 42601",
        "EXPLAIN SELEC 1                       | 42601",
        "PREPARE p AS SELEC 1                  | 42601",
        "SELECT U&'\\0000'                     | 42501",
        "SELECT v IS JSON FROM t               | 42501",
        "DELETE FROM t                         | 42501",
    })
    void aSyntaxErrorIsRefusedWithPostgresqlsSqlstate(String sql, String sqlState) {
        PolicyEngine engine = new PolicyEngine(TestFiles.exampleRules("reference-policy.conf"), 10);
        Decision d = engine.decide(sql.strip(), ctx("app_rw", "prod"));
        assertEquals(Decision.Action.REJECT, d.action(), d.explanation());
        assertEquals(sqlState, d.rejection().sqlState(), d.explanation());
    }

    @Test
    void environmentSpecificForbid() {
        PolicyEngine engine = new PolicyEngine(ALL_RULES, 10);
        Decision prod = engine.decide("TRUNCATE orders", ctx("migrator", "production"));
        assertEquals("no-destructive-ddl-in-production", prod.rejection().ruleId());
        Decision staging = engine.decide("TRUNCATE orders", ctx("migrator", "staging"));
        assertEquals(Decision.Action.FORWARD, staging.action(), staging.explanation());
    }

    @Test
    void perUserForbidAndGrants() {
        PolicyEngine engine = new PolicyEngine(ALL_RULES, 10);
        assertEquals("no-role-admin", engine.decide("GRANT SELECT ON t TO x", ctx("app_rw", "dev")).rejection().ruleId());
        assertEquals("grants", engine.decide("INSERT INTO orders VALUES (1)", ctx("report_eu", "dev")).rejection().ruleId());
        assertEquals(Decision.Action.FORWARD, engine.decide("INSERT INTO audit.log VALUES (1)", ctx("app_rw", "dev")).action());
        assertEquals("grants", engine.decide("SELECT * FROM audit.log", ctx("app_rw", "dev")).rejection().ruleId());
        assertEquals("users-without-rules", engine.decide("SELECT 1", ctx("stranger", "dev")).rejection().ruleId());
    }

    @Test
    void configuredFunctionsAreJudgedByTheirEffect() {
        PolicyEngine engine = new PolicyEngine(ALL_RULES, 10);
        assertEquals(Decision.Action.FORWARD, engine.decide("SELECT order_total(1)", ctx("app_rw", "dev")).action());
        Decision archive = engine.decide("SELECT archive_old_orders()", ctx("report_x", "dev"));
        assertEquals("grants", archive.rejection().ruleId(), archive.explanation());
    }

    @Test
    void readCapRewritesOrCapsTheStream() {
        PolicyEngine engine = new PolicyEngine(ALL_RULES, 10);
        StatementContext report = ctx("report_eu", "dev");
        Decision plain = engine.decide("SELECT * FROM orders -- all of them", report);
        assertEquals(Decision.Action.REWRITE, plain.action());
        assertEquals("SELECT * FROM orders LIMIT 10000 -- all of them", plain.sql());
        Decision larger = engine.decide("SELECT * FROM orders WHERE id > $1 LIMIT 50000", report);
        assertEquals("SELECT * FROM orders WHERE id > $1 LIMIT 10000", larger.sql());
        Decision smaller = engine.decide("SELECT * FROM orders LIMIT 5", report);
        assertEquals(Decision.Action.FORWARD, smaller.action());
        assertEquals(-1, smaller.readRowCap());
        Decision union = engine.decide("SELECT id FROM orders UNION SELECT id FROM customers", report);
        assertEquals(Decision.Action.FORWARD, union.action());
        assertEquals(10000, union.readRowCap());
        Decision param = engine.decide("SELECT * FROM orders LIMIT $1", report);
        assertEquals(10000, param.readRowCap());
        Decision catalog = engine.decide("SELECT * FROM pg_class", report);
        assertEquals(-1, catalog.readRowCap(), "catalog reads are not capped: tools need them whole");
        Decision fetch = engine.decide("FETCH ALL FROM c", report);
        assertEquals(10000, fetch.readRowCap());
        Decision cursor = engine.decide("DECLARE c SCROLL CURSOR WITH HOLD FOR SELECT * FROM orders ORDER BY id", report);
        assertEquals("DECLARE c SCROLL CURSOR WITH HOLD FOR SELECT * FROM orders ORDER BY id LIMIT 10000",
                cursor.sql(), "the cursor's query is capped, so any number of FETCHes together stay under the cap");
        Decision unionCursor = engine.decide("DECLARE c CURSOR FOR SELECT id FROM orders UNION SELECT id FROM customers",
                report);
        assertEquals(Decision.Action.FORWARD, unionCursor.action(), "no LIMIT where readers misattribute it");
        assertEquals(-1, unionCursor.readRowCap(), "DECLARE returns no rows; its FETCHes are capped one by one");
        Decision catalogCursor = engine.decide("DECLARE c CURSOR FOR SELECT * FROM pg_class", report);
        assertEquals(Decision.Action.FORWARD, catalogCursor.action());
        Decision twoStatements = engine.decide("SELECT * FROM orders; SELECT * FROM customers", report);
        assertEquals("SELECT * FROM orders LIMIT 10000; SELECT * FROM customers LIMIT 10000", twoStatements.sql());
    }

    @Test
    void writeCapIsCarriedForWrites() {
        PolicyEngine engine = new PolicyEngine(ALL_RULES, 10);
        assertEquals(1000, engine.decide("UPDATE orders SET status = 'x' WHERE id > 10", ctx("app_rw", "dev")).writeRowCap());
        assertEquals(-1, engine.decide("SELECT * FROM orders", ctx("app_rw", "dev")).writeRowCap());
        assertEquals(1000, engine.decide("COPY orders FROM STDIN", ctx("app_rw", "dev")).writeRowCap());
    }

    @Test
    void dryRunRuleReportsWithoutRefusing() {
        PolicyEngine engine = new PolicyEngine(ALL_RULES, 10);
        Decision d = engine.decide("VACUUM orders", ctx("migrator", "staging"));
        assertEquals(Decision.Action.FORWARD, d.action(), d.explanation());
        assertEquals(List.of("maintenance-trial"), d.dryRunHits().stream().map(h -> h.ruleId()).toList());
    }

    @Test
    void globalDryRunNeverRefuses() {
        PolicyEngine engine = new PolicyEngine(rules("dry-run = true\nusers { u = [r] }\nroles { r { statements = [SELECT] } }"), 10);
        Decision d = engine.decide("DROP TABLE t", ctx("u", "prod"));
        assertEquals(Decision.Action.FORWARD, d.action());
        assertFalse(d.dryRunHits().isEmpty());
    }

    @Test
    void allowedRoleSwitchReportsTheNewRole() {
        PolicyEngine engine = new PolicyEngine(ALL_RULES, 10);
        assertEquals("readonly_app", engine.decide("SET ROLE readonly_app", ctx("app_rw", "dev")).newEffectiveRole());
        assertEquals("role-switch", engine.decide("SET ROLE postgres", ctx("app_rw", "dev")).rejection().ruleId());
        assertEquals("", engine.decide("RESET ROLE", ctx("app_rw", "dev")).newEffectiveRole());
        assertNull(engine.decide("SELECT 1", ctx("app_rw", "dev")).newEffectiveRole());
    }

    @Test
    void searchPathChangesAreReportedAndChecked() {
        PolicyEngine engine = new PolicyEngine(ALL_RULES, 10);
        assertEquals(List.of("extensions", "public"),
                engine.decide("SET search_path = extensions, public", ctx("app_rw", "dev")).newSearchPath());
        assertEquals("search-path", engine.decide("SET search_path = hr", ctx("app_rw", "dev")).rejection().ruleId());
        StatementContext withPath = ctx("app_rw", "dev").withSearchPath(List.of("audit"));
        assertEquals("grants", engine.decide("SELECT * FROM log", withPath).rejection().ruleId());
    }

    /** "$user" is taken as absent, as PostgreSQL skips it when the role has no schema of its name. */
    @Test
    void theUserEntryOfASearchPathResolvesNothing() {
        PolicyEngine engine = new PolicyEngine(ALL_RULES, 10);
        StatementContext postgresDefault = ctx("app_rw", "dev").withSearchPath(List.of("$user", "public"));
        Decision read = engine.decide("SELECT * FROM orders WHERE id = 1", postgresDefault);
        assertEquals(Decision.Action.FORWARD, read.action(), String.valueOf(read.rejection()));
        assertEquals("[READ public.orders]", read.statements().get(0).tables().toString());
        StatementContext userOnly = ctx("app_rw", "dev").withSearchPath(List.of("$user", "audit"));
        assertEquals("grants", engine.decide("SELECT * FROM log", userOnly).rejection().ruleId(),
                "the next schema on the path is the one judged");
    }

    /**
     * A rule naming its users applies to whoever acts as one of them. A user without rules passes untouched, but
     * its role changes are reported, so that after SET ROLE the rules for the new role apply.
     */
    @Test
    void anUngovernedUsersRoleChangesAreFollowed() {
        PolicyEngine engine = new PolicyEngine(REPORTING_ROLE_CAPPED, 10);
        Decision switched = engine.decide("SET ROLE reporting", ctx("admin", "dev"));
        assertEquals(Decision.Action.FORWARD, switched.action());
        assertEquals("reporting", switched.newEffectiveRole());
        StatementContext asReporting = new StatementContext("admin", "app", "dev", "reporting", true, StatementSource.SIMPLE_QUERY);
        Decision capped = engine.decide("SELECT * FROM t", asReporting);
        assertEquals(Decision.Action.REWRITE, capped.action(), "the rule for the role applies: " + capped.explanation());
        assertTrue(capped.sql().contains("LIMIT 5"), capped.sql());
        assertEquals(Decision.Action.FORWARD, engine.decide("SELECT * FROM t", ctx("admin", "dev")).action());
    }

    /**
     * A change of client_encoding or standard_conforming_strings is reported for a user without rules too, where
     * a rule names its users: the proxy must read what it sends next (a SET ROLE to a governed role, for one) the
     * way the server will.
     */
    @Test
    void anUngovernedUsersChangesOfHowTextsAreReadAreReported() {
        PolicyEngine engine = new PolicyEngine(REPORTING_ROLE_CAPPED, 10);
        assertTrue(engine.decide("SET client_encoding = 'SJIS'", ctx("admin", "dev")).changesLexing());
        assertTrue(engine.decide("SELECT set_config('standard_conforming_strings', 'off', false)", ctx("admin", "dev"))
                .changesLexing());
        assertFalse(engine.decide("SET work_mem = '1MB'", ctx("admin", "dev")).changesLexing());
        // such a user's functions and DO blocks pass untouched, their pipelines not held for an answer
        assertFalse(engine.decide("DO $$ BEGIN PERFORM 1; END $$", ctx("admin", "dev")).changesLexing());
    }

    /** Each statement of a query runs under the search_path and role the statements before it leave. */
    @Test
    void eachStatementOfAQueryIsJudgedUnderWhatTheOnesBeforeItSet() {
        PolicyEngine engine = new PolicyEngine(ALL_RULES, 10);
        Decision intoAudit = engine.decide("SET search_path = audit; SELECT * FROM log", ctx("app_rw", "dev"));
        assertEquals("grants", intoAudit.rejection().ruleId(), "log resolves in audit, granted for INSERT only");
        assertTrue(intoAudit.rejection().detail().contains("audit.log"), intoAudit.rejection().detail());
        StatementContext inAudit = ctx("app_rw", "dev").withSearchPath(List.of("audit"));
        assertEquals(Decision.Action.FORWARD,
                engine.decide("SET search_path = public; SELECT * FROM log", inAudit).action(), "public again first");
        Decision afterReset = engine.decide("RESET search_path; SELECT * FROM log", inAudit);
        assertEquals(PolicyEvaluator.SESSION_CHANGE_MID_QUERY, afterReset.rejection().ruleId());
        assertEquals("0A000", afterReset.rejection().sqlState());
        assertEquals(PolicyEvaluator.SESSION_CHANGE_MID_QUERY, engine.decide(
                "BEGIN; SET search_path = public; ROLLBACK; SELECT * FROM log", inAudit).rejection().ruleId(),
                "the ROLLBACK may undo the change");
        assertEquals(Decision.Action.FORWARD, engine.decide("SELECT 1; RESET search_path", inAudit).action(),
                "a change that ends the query is followed by the proxy");
        assertEquals(PolicyEvaluator.SESSION_CHANGE_MID_QUERY, engine.decide(
                "SET search_path = \"$user\", public; SELECT * FROM log", inAudit).rejection().ruleId(),
                "whether the role has a schema of its name is known to the proxy only");
        assertEquals(PolicyEvaluator.SESSION_CHANGE_MID_QUERY,
                engine.decide("RESET ROLE; SELECT * FROM log", inAudit).rejection().ruleId(),
                "back to the login user, or to a role the server's settings start the session as");
    }

    /** A user without rules passes a query that changes its search_path and goes on: nothing is judged. */
    @Test
    void aUserWithoutRulesIsNotRefusedForChangesMidQuery() {
        PolicyEngine engine = new PolicyEngine(REPORTING_ROLE_CAPPED, 10);
        for (String sql : new String[] {"RESET search_path; SELECT 1", "BEGIN; SET search_path = x; COMMIT; SELECT 1",
                "SET ROLE other; SELECT 1"}) {
            Decision d = engine.decide(sql, ctx("admin", "dev"));
            assertEquals(Decision.Action.FORWARD, d.action(), sql + ": " + d.explanation());
        }
        Decision asReporting = engine.decide("SET ROLE reporting; SELECT * FROM t", ctx("admin", "dev"));
        assertEquals(Decision.Action.REWRITE, asReporting.action(), "the SELECT runs as reporting: capped");
    }

    /**
     * PREPARE and DECLARE CURSOR run their query later, at EXECUTE or FETCH: a set_config of search_path in it is
     * an unknown effect, not a change at PREPARE.
     */
    @Test
    void aSessionChangeInAPreparedQueryIsAnUnknownEffect() {
        PolicyEngine engine = new PolicyEngine(ALL_RULES, 10);
        for (String sql : new String[] {"PREPARE p AS SELECT set_config('search_path', 'audit', false)",
                "DECLARE c CURSOR FOR SELECT set_config('search_path', 'audit', false)"}) {
            Decision d = engine.decide(sql, ctx("app_rw", "dev"));
            assertNull(d.newSearchPath(), sql);
            assertFalse(d.statements().get(0).unknownEffects().isEmpty(), sql);
        }
    }

    @Test
    void allowAllForwardsEverything() {
        PolicyEngine engine = new PolicyEngine(RuleSet.allowAll(), 10);
        Decision d = engine.decide("DROP DATABASE prod", ctx("anyone", "prod"));
        assertEquals(Decision.Action.FORWARD, d.action());
        assertEquals("DROP DATABASE prod", d.sql());
    }

    @Test
    void decideNeverThrows() {
        PolicyEngine engine = new PolicyEngine(TestFiles.exampleRules("reference-policy.conf"), 10);
        assertEquals(Decision.Action.REJECT, engine.decide(null, ctx("app_rw", "prod")).action());
        assertEquals(Decision.Action.REJECT, engine.decide("SELECT 1", null).action());
    }

    @Test
    void hashIgnoresLayoutButNotContent() {
        RuleSet a = rules("id = x\nusers-without-rules = deny");
        RuleSet b = rules("users-without-rules = \"deny\"   # comment\nid = \"x\"");
        RuleSet c = rules("id = x\nusers-without-rules = allow");
        assertEquals(a.hash(), b.hash());
        assertNotEquals(a.hash(), c.hash());
        assertEquals(64, a.hash().length());
    }

    @Test
    void summaryListsRulesIncludingImplicitOnes() {
        String summary = ALL_RULES.summary();
        assertTrue(summary.contains("rule no-destructive-ddl-in-production [forbid, enforce]"), summary);
        assertTrue(summary.contains("user report_* -> roles [reporting]"), summary);
        String minimal = rules("id = m").summary();
        assertTrue(minimal.contains("[unknown-effect, enforce, implicit]"), minimal);
    }

    @ParameterizedTest(name = "{1}")
    @CsvSource(delimiter = '|', value = {
            "bogus = 1|pgguard.rules.bogus",
            "users-without-rules = maybe|pgguard.rules.users-without-rules",
            "users { u = [nope] }|pgguard.rules.users.u",
            "roles { r { statements = [SELEKT] } }|pgguard.rules.roles.r.statements",
            "roles { r { tables = [ { on = [t], privileges = [SELECT] } ] } }|pgguard.rules.roles.r.tables[0].on",
            "roles { r { tables = [ { on = [\"public.*\"], privileges = [READ] } ] } }|pgguard.rules.roles.r.tables[0].privileges",
            "rules = [ { type = forbid, kinds = [DDL] } ]|pgguard.rules.rules[0].id",
            "rules = [ { id = a, type = nope } ]|pgguard.rules.rules[0].type",
            "rules = [ { id = a, type = forbid } ]|pgguard.rules.rules[0].kinds",
            "rules = [ { id = a, type = forbid, kinds = [DDL], mode = maybe } ]|pgguard.rules.rules[0].mode",
            "rules = [ { id = a, type = forbid, kinds = [DDL], sqlstate = x } ]|pgguard.rules.rules[0].sqlstate",
            "rules = [ { id = a, type = read-row-cap } ]|pgguard.rules.rules[0].max-rows",
            "rules = [ { id = a, type = require-where, kinds = [INSERT] } ]|pgguard.rules.rules[0].kinds",
            "rules = [ { id = a, type = grants }, { id = a, type = forbid, kinds = [DDL] } ]|pgguard.rules.rules[1].id",
            "functions { \"public.f\" { effect = sometimes } }|pgguard.rules.functions.\"public.f\".effect",
            "functions { \"public.f\" { effect = writes } }|pgguard.rules.functions.\"public.f\".tables",
            "functions { pg_read_file { effect = read-only } }|pgguard.rules.functions.pg_read_file"})
    void invalidConfigIsRefusedNamingTheKey(String hocon, String key) {
        RuleConfigException e = assertThrows(RuleConfigException.class, () -> rules(hocon));
        assertTrue(e.getMessage().startsWith(key + ":"), e.getMessage());
    }

    @Test
    void standardConformingStringsDecidesWhereStatementsEnd() {
        PolicyEngine engine = new PolicyEngine(TestFiles.exampleRules("reference-policy.conf"), 10);
        String sql = "SELECT 'a\\'; DELETE FROM t; --'";
        StatementContext on = new StatementContext("app_rw", "app", "prod", null, true, StatementSource.SIMPLE_QUERY);
        StatementContext off = new StatementContext("app_rw", "app", "prod", null, false, StatementSource.SIMPLE_QUERY);
        assertEquals(Decision.Action.REJECT, engine.decide(sql, on).action());
        Decision d = engine.decide(sql, off);
        assertEquals(Decision.Action.FORWARD, d.action(), d.explanation());
        assertEquals(1, d.statements().size());
    }

    @Test
    void allowedDecisionNamesTheGrantThatAllowedIt() {
        PolicyEngine engine = new PolicyEngine(TestFiles.exampleRules("reference-policy.conf"), 10);
        Decision d = engine.decide("SELECT * FROM t WHERE id = 1", ctx("app_rw", "prod"));
        assertEquals("app-grants", d.matchedRuleId());
        assertTrue(d.explanation().contains("READ public.t"), d.explanation());
    }

    @Test
    void plainExplainStillJudgesFunctionsThePlannerMayRun() {
        PolicyEngine engine = new PolicyEngine(TestFiles.exampleRules("reference-policy.conf"), 10);
        assertEquals("unknown-effect", engine.decide("EXPLAIN SELECT my_udf()", ctx("app_rw", "prod")).rejection().ruleId());
        assertEquals(Decision.Action.FORWARD, engine.decide("EXPLAIN SELECT lower(v) FROM t", ctx("app_rw", "prod")).action());
    }
}
