package io.pgguard.rules.policy;

import io.pgguard.rules.BindCondition;
import io.pgguard.rules.CommandKind;
import io.pgguard.rules.Decision;
import io.pgguard.rules.DryRunHit;
import io.pgguard.rules.FunctionCall;
import io.pgguard.rules.ParsedBy;
import io.pgguard.rules.Rejection;
import io.pgguard.rules.RewriteSite;
import io.pgguard.rules.StatementContext;
import io.pgguard.rules.StatementFacts;
import io.pgguard.rules.StatementSource;
import io.pgguard.rules.TableAccess;
import io.pgguard.rules.WhereStatus;
import io.pgguard.rules.WriteOperation;
import io.pgguard.rules.classify.StatementClassifier;
import io.pgguard.rules.lex.LexedScript;
import io.pgguard.rules.lex.StatementSplitter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Applies a {@link Policy} to one query string: split, classify, check every statement against every rule that
 * applies to the session, then forward, rewrite (row-cap LIMIT only) or reject the whole string.
 */
public final class PolicyEvaluator {
    /** The rule id of a refusal for a query that goes on after a change of role or search_path it cannot follow. */
    public static final String SESSION_CHANGE_MID_QUERY = "session-change-mid-query";
    /** PostgreSQL's SQLSTATE for a text its lexer or grammar refuses. */
    static final String SYNTAX_ERROR = "42601";
    private final Policy policy;
    private final StatementClassifier classifier;

    public PolicyEvaluator(Policy policy) {
        this.policy = policy;
        this.classifier = new StatementClassifier(policy.functions());
    }

    public Decision decide(String sql, StatementContext ctx) {
        if (!policy.governs(ctx.user(), ctx.effectiveRole())) {
            return ungoverned(sql, ctx);
        }
        return governed(sql, ctx);
    }

    /**
     * Judges each statement of a query as the role and with the search_path the statements before it leave, as
     * the server runs them. Where those cannot be told (a RESET, a role computed at run time, the end of a
     * transaction that may undo a change), what follows is refused: the proxy judges it when it comes on its own.
     */
    private Decision governed(String sql, StatementContext ctx) {
        List<StatementFacts> facts = new ArrayList<>();
        List<StatementContext> contexts = new ArrayList<>();
        String unknownAfter = classifyInOrder(sql, ctx, facts, contexts);
        if (unknownAfter != null) {
            return sessionUnknownMidQuery(sql, facts, unknownAfter);
        }
        Set<Rule> applicable = new LinkedHashSet<>();
        List<Violation> violations = new ArrayList<>();
        StringBuilder explanation = new StringBuilder();
        explanation.append("rules ").append(policy.id()).append(", user ").append(ctx.user())
                .append(ctx.hasEffectiveRole() ? " (acting as " + ctx.effectiveRole() + ")" : "")
                .append(", roles ").append(policy.rolesOf(ctx.user()).stream().map(RoleGrant::name).toList())
                .append('\n');
        for (int i = 0; i < facts.size(); i++) {
            StatementFacts f = facts.get(i);
            StatementContext as = contexts.get(i);
            explanation.append(f.describe()).append(as == ctx ? "" : " (as " + describe(as) + ")").append('\n');
            if (!policy.governs(as.user(), as.effectiveRole())) {
                continue; // a user without rules, back to itself within the query
            }
            List<Rule> rules = policy.rules().stream()
                    .filter(r -> r.appliesTo(as.user(), as.effectiveRole(), as.environment(), as.database())).toList();
            applicable.addAll(rules);
            violations.addAll(new StatementCheck(policy, as, rules, f).violations());
        }
        return conclude(sql, ctx, facts, List.copyOf(applicable), violations, explanation);
    }

    private static String describe(StatementContext as) {
        return (as.hasEffectiveRole() ? "role " + as.effectiveRole() : "the login user") + ", search_path "
                + (as.searchPath() == null ? "public" : String.join(", ", as.searchPath()));
    }

    /**
     * Classifies the statements of {@code sql} in order, each under the search_path the ones before it leave,
     * and records the context each runs in. Returns why the context after a statement is unknown, when more
     * statements follow it; else null.
     */
    private String classifyInOrder(String sql, StatementContext ctx, List<StatementFacts> facts,
            List<StatementContext> contexts) {
        LexedScript script = StatementSplitter.split(sql, ctx.standardConformingStrings());
        if (script.failed()) {
            facts.add(unlexable(sql, script));
            contexts.add(ctx);
            return null;
        }
        StatementContext current = ctx;
        boolean changed = false;
        int count = script.statements().size();
        for (int i = 0; i < count; i++) {
            StatementFacts f = classifier.classify(script, i, current.searchPath());
            facts.add(f);
            contexts.add(current);
            if (i == count - 1) {
                break;
            }
            if (f.searchPathChange() != null) {
                if (f.searchPathChange().isEmpty()) {
                    return "it resets search_path to the session's default";
                }
                if (f.searchPathChange().contains("$user")) {
                    return "its \"$user\" names a schema only the proxy knows to exist or not";
                }
                current = current.withSearchPath(f.searchPathChange());
                changed = true;
            }
            if (f.roleChange() != null) {
                if (f.roleChange().equals("?")) {
                    return "it sets a role computed when it runs";
                }
                if (f.roleChange().isEmpty()) {
                    return "it returns to the login user or to a role the server's settings start the session as";
                }
                current = current.withEffectiveRole(f.roleChange());
                changed = true;
            }
            if (changed && f.kind().group() == CommandKind.Group.TRANSACTION && f.kind() != CommandKind.BEGIN
                    && f.kind() != CommandKind.SAVEPOINT && f.kind() != CommandKind.SET_TRANSACTION) {
                return "it ends a transaction or a savepoint, which may undo or keep a change of role or search_path";
            }
        }
        return null;
    }

    private List<StatementFacts> classify(String sql, StatementContext ctx) {
        LexedScript script = StatementSplitter.split(sql, ctx.standardConformingStrings());
        if (script.failed()) {
            return List.of(unlexable(sql, script));
        }
        return classifier.classify(script, ctx.searchPath());
    }

    /** The whole text as one statement that does not lex (an unterminated quote or comment). */
    private static StatementFacts unlexable(String sql, LexedScript script) {
        ParsedBy how = script.syntaxError() ? ParsedBy.SYNTAX_ERROR : ParsedBy.UNPARSEABLE;
        return new StatementFacts(0, 0, sql.length(), sql, CommandKind.UNKNOWN, null, how,
                script.error(), List.of(), List.of(), List.of(), List.of(), StatementFacts.NO_LIMIT, null, false,
                null, null, false, false, null, null, "");
    }

    private Decision sessionUnknownMidQuery(String sql, List<StatementFacts> facts, String why) {
        StatementFacts last = facts.get(facts.size() - 1);
        String message = "PgGuard: statement refused: a query changes role or search_path and goes on after statement "
                + (last.index() + 1) + ", where " + why;
        Rejection rejection = new Rejection(SESSION_CHANGE_MID_QUERY, "0A000", message,
                "PgGuard judges each statement as the role and with the search_path it runs under, and cannot tell"
                        + " them after statement " + (last.index() + 1) + " (" + abbreviate(last.fingerprint()) + ").",
                "Send the statements after it in a query of their own.");
        return new Decision(Decision.Action.REJECT, sql, rejection, List.of(), -1, -1, null, facts,
                SESSION_CHANGE_MID_QUERY, message + "\n");
    }

    private Decision ungoverned(String sql, StatementContext ctx) {
        if (policy.usersWithoutRulesAllowed()) {
            // A rule that names its users governs whoever acts as one of them: what an ungoverned user's statements
            // do to role and search_path is followed, so that the rules see a SET ROLE to such a role. Nothing else
            // of them is reported, so that they pass as untouched as before (no prepared statement followed).
            List<StatementFacts> all = policy.hasRulesNamingUsers() ? classify(sql, ctx) : List.of();
            List<StatementFacts> facts = sessionChanges(all);
            if (switchesToAGovernedRoleMidQuery(all, ctx)) {
                return governed(sql, ctx); // what follows the SET ROLE in the query runs as a governed role
            }
            return new Decision(Decision.Action.FORWARD, sql, null, List.of(), -1, -1, newEffectiveRole(facts), facts,
                    "users-without-rules", "user " + ctx.user() + " has no rules; users-without-rules = allow\n");
        }
        String message = "PgGuard: statement refused by rule \"users-without-rules\": user " + ctx.user()
                + " has no rules and users without rules are denied";
        Rejection rejection = new Rejection("users-without-rules", "42501", message,
                "No entry under rules.users matches user " + ctx.user() + " (rule users-without-rules).",
                "Ask the platform team to give this user a role in the PgGuard rules.");
        if (policy.dryRun()) {
            return new Decision(Decision.Action.FORWARD, sql, null, List.of(new DryRunHit("users-without-rules", message)),
                    -1, -1, null, List.of(), "users-without-rules", "dry-run: " + message + "\n");
        }
        return new Decision(Decision.Action.REJECT, sql, rejection, List.of(), -1, -1, null, List.of(),
                "users-without-rules", message + "\n");
    }

    private Decision conclude(String sql, StatementContext ctx, List<StatementFacts> facts, List<Rule> applicable,
            List<Violation> violations, StringBuilder explanation) {
        List<DryRunHit> dryRun = new ArrayList<>();
        List<BindCondition> byValues = new ArrayList<>();
        Violation enforced = null;
        for (Violation v : violations) {
            if (policy.dryRun() || v.rule().dryRun()) {
                dryRun.add(new DryRunHit(v.rule().id(), message(v)));
                explanation.append("dry-run ").append(v.rule().id()).append(": ").append(v.reason()).append('\n');
            } else if (v.onlyIf() != null) {
                byValues.add(new BindCondition(rejection(v, facts), v.onlyIf()));
                explanation.append("at each Bind, ").append(v.rule().id()).append(": ").append(v.reason()).append('\n');
            } else if (enforced == null) {
                enforced = v;
            }
        }
        if (enforced != null) {
            explanation.append("REJECT by rule ").append(enforced.rule().id()).append(": ").append(enforced.reason()).append('\n');
            return new Decision(Decision.Action.REJECT, sql, rejection(enforced, facts), dryRun, -1, -1, null, facts,
                    enforced.rule().id(), explanation.toString());
        }
        RowCaps caps = RowCaps.of(applicable, facts, sql);
        String newRole = newEffectiveRole(facts);
        String matched = facts.isEmpty() ? "empty" : policy.mapsUser(ctx.user())
                ? applicable.stream().filter(r -> r.type() == Rule.Type.GRANTS).map(Rule::id).findFirst().orElse("grants")
                : "no-rule-refused";
        explanation.append(caps.rewritten() != null ? "REWRITE (row cap " + caps.rewriteCap() + ")" : "FORWARD")
                .append(caps.readRowCap() >= 0 ? ", result stream capped at " + caps.readRowCap() + " rows" : "")
                .append(caps.writeRowCap() >= 0 ? ", writes capped at " + caps.writeRowCap() + " rows" : "")
                .append(" (allowed by ").append(matched).append(")\n");
        Decision.Action action = caps.rewritten() != null ? Decision.Action.REWRITE : Decision.Action.FORWARD;
        return new Decision(action, caps.rewritten() != null ? caps.rewritten() : sql, null, dryRun, caps.readRowCap(),
                caps.writeRowCap(), newRole, facts, matched, explanation.toString(), byValues);
    }

    /** Whether a statement before the last sets a role the rules govern (or one computed when it runs). */
    private boolean switchesToAGovernedRoleMidQuery(List<StatementFacts> facts, StatementContext ctx) {
        for (int i = 0; i < facts.size() - 1; i++) {
            String role = facts.get(i).roleChange();
            if (role != null && !role.isEmpty() && (role.equals("?") || policy.governs(ctx.user(), role))) {
                return true;
            }
        }
        return false;
    }

    /**
     * What of an ungoverned user's statements the proxy follows: changes of role and search_path, and of the
     * settings that decide how the server reads texts, and the ends of transaction blocks, which may undo those. Statements of unknown effect are not among them (such a
     * user's functions and DO blocks run untouched), so a change of role or client_encoding inside a function is
     * not followed.
     */
    private static List<StatementFacts> sessionChanges(List<StatementFacts> facts) {
        List<StatementFacts> changes = null;
        for (StatementFacts f : facts) {
            if (f.roleChange() != null || f.searchPathChange() != null || f.mayChangeLexing() || f.mayEndBlock()) {
                if (changes == null) {
                    changes = new ArrayList<>();
                }
                changes.add(f);
            }
        }
        return changes == null ? List.of() : changes;
    }

    private static String newEffectiveRole(List<StatementFacts> facts) {
        String role = null;
        for (StatementFacts f : facts) {
            if (f.roleChange() != null) {
                role = f.roleChange();
            }
        }
        return role;
    }

    static String message(Violation v) {
        return "PgGuard: statement refused by rule \"" + v.rule().id() + "\": " + v.rule().message();
    }

    private static Rejection rejection(Violation v, List<StatementFacts> facts) {
        StatementFacts f = v.statementIndex() < facts.size() ? facts.get(v.statementIndex()) : null;
        String where = facts.size() > 1 && f != null
                ? " (statement " + (f.index() + 1) + " of " + facts.size() + ": " + abbreviate(f.fingerprint()) + ")" : "";
        String detail = v.reason() + where + ". Rule: " + v.rule().id() + ".";
        // A query string the server could not read either gets the server's own SQLSTATE, so that an application's
        // error handling sees a syntax error as a syntax error, through PgGuard or not. The server parses the whole
        // string before it runs any of it, so one such statement makes the whole string one.
        boolean syntaxError = facts.stream().anyMatch(s -> s.parsedBy() == ParsedBy.SYNTAX_ERROR);
        String sqlState = syntaxError ? SYNTAX_ERROR : v.rule().sqlState();
        return new Rejection(v.rule().id(), sqlState, message(v), detail, v.hint());
    }

    private static String abbreviate(String s) {
        return s.length() <= 120 ? s : s.substring(0, 117) + "...";
    }

    /** The row caps that apply, and the LIMIT rewrite when a SELECT can take one. */
    record RowCaps(long readRowCap, long writeRowCap, String rewritten, long rewriteCap) {

        static RowCaps of(List<Rule> applicable, List<StatementFacts> facts, String sql) {
            long readCap = minCap(applicable, Rule.Type.READ_ROW_CAP);
            long writeCap = minCap(applicable, Rule.Type.WRITE_ROW_CAP);
            long streamCap = -1;
            List<RewriteSite> edits = new ArrayList<>();
            for (StatementFacts f : facts) {
                if (readCap > 0 && returnsUserRows(f)) {
                    if (f.limit() >= 0 && f.limit() <= readCap) {
                        continue;
                    }
                    if (f.rowCapRewrite() != null) {
                        edits.add(f.rowCapRewrite());
                    } else if (f.kind() != CommandKind.DECLARE_CURSOR) { // a cursor's FETCHes are capped themselves
                        streamCap = readCap;
                    }
                }
            }
            boolean writes = facts.stream().anyMatch(f -> f.writesData() || f.kind() == CommandKind.EXECUTE
                    || f.kind() == CommandKind.CALL);
            String rewritten = edits.isEmpty() ? null : apply(sql, edits, readCap);
            return new RowCaps(streamCap, writes ? writeCap : -1, rewritten, readCap);
        }

        private static long minCap(List<Rule> rules, Rule.Type type) {
            return rules.stream().filter(r -> r.type() == type && !r.dryRun()).mapToLong(Rule::maxRows).min().orElse(-1);
        }

        /** Statements that can stream many rows of user data (pure catalog reads are left alone: tools need them). */
        private static boolean returnsUserRows(StatementFacts f) {
            return switch (f.kind()) {
                case SELECT, DECLARE_CURSOR -> f.tables().isEmpty() ? !f.functions().isEmpty()
                        : f.tables().stream().anyMatch(t -> !t.catalog());
                case FETCH, EXECUTE, COPY_TO_STDOUT -> true;
                default -> false;
            };
        }

        private static String apply(String sql, List<RewriteSite> edits, long cap) {
            StringBuilder b = new StringBuilder(sql);
            edits.stream().sorted(Comparator.comparingInt(RewriteSite::start).reversed())
                    .forEach(e -> b.replace(e.start(), e.end(), e.prefix() + cap));
            return b.toString();
        }
    }

    /** All checks of one statement against the applicable rules. */
    private static final class StatementCheck {
        private final Policy policy;
        private final StatementContext ctx;
        private final List<Rule> rules;
        private final StatementFacts f;
        private final List<Violation> out = new ArrayList<>();

        StatementCheck(Policy policy, StatementContext ctx, List<Rule> rules, StatementFacts f) {
            this.policy = policy;
            this.ctx = ctx;
            this.rules = rules;
            this.f = f;
        }

        List<Violation> violations() {
            for (Rule r : rules) {
                switch (r.type()) {
                    case UNKNOWN_EFFECT -> unknownEffect(r);
                    case DENIED_FUNCTIONS -> deniedFunctions(r);
                    case ROLE_SWITCH -> roleSwitch(r);
                    case SEARCH_PATH -> searchPath(r);
                    case FORBID -> forbid(r);
                    case GRANTS -> grants(r);
                    case REQUIRE_WHERE -> requireWhere(r);
                    case WRITE_ROW_CAP -> uncountableWrite(r);
                    default -> { }
                }
            }
            return out;
        }

        /**
         * A write row cap reads the changed rows from the command tag, which reports only the top-level statement's
         * own rows: writes whose tag cannot count them are refused under a cap rather than let through uncounted.
         */
        private void uncountableWrite(Rule r) {
            String why = uncountableWrite(f);
            if (why != null) {
                add(r, "the rows this statement changes cannot be counted against the write row limit of "
                        + r.maxRows() + ": " + why, "Run each write as a plain INSERT, UPDATE, DELETE or MERGE of its own.");
            }
        }

        static String uncountableWrite(StatementFacts f) {
            if (f.writes().isEmpty() || f.kind() == CommandKind.COPY_FROM_STDIN) {
                return null; // COPY's tag counts the rows it loaded
            }
            CommandKind kind = f.kind() == CommandKind.PREPARE ? f.innerKind() : f.kind();
            if (f.writes().size() > 1 || f.writes().get(0).kind() != kind) {
                return "a data-modifying WITH changes rows its command tag does not report";
            }
            if (f.text().regionMatches(true, 0, "explain", 0, 7)) {
                return "EXPLAIN ANALYZE reports no row count";
            }
            return null;
        }

        private void add(Rule r, String reason, String hint) {
            out.add(new Violation(r, f.index(), reason, hint));
        }

        private void unknownEffect(Rule r) {
            if (r.allow() || !f.hasUnknownEffect()) {
                return;
            }
            String reason = f.parsedBy().unreadable()
                    ? "PgGuard cannot determine what this statement does: " + f.parseError()
                    : "PgGuard cannot determine what this statement does: " + String.join("; ", f.unknownEffects());
            add(r, reason, "Rewrite the statement without opaque code, or name the function under rules.functions "
                    + "with its effect.");
        }

        private void deniedFunctions(Rule r) {
            for (FunctionCall call : f.functions()) {
                if (call.effect() == FunctionCall.Effect.DENIED) {
                    add(r, "function " + call.name() + "() is refused: it changes who acts, reaches the server's files, "
                            + "runs SQL from a string or controls the server", "Do not call " + call.name() + "().");
                }
            }
        }

        private void roleSwitch(Rule r) {
            String target = f.roleChange();
            if (target == null || target.isEmpty() || target.equals(ctx.user())) {
                return; // no change, or back to the authenticated user: never an escalation
            }
            if (!target.equals("?") && Glob.anyMatches(r.names(), target)) {
                return;
            }
            add(r, "the statement changes the acting role to " + (target.equals("?") ? "a computed role" : target),
                    r.names().isEmpty() ? "Connect as the user you need instead of switching roles."
                            : "Roles this user may switch to: " + r.names() + ".");
        }

        private void searchPath(Rule r) {
            if (f.searchPathChange() == null) {
                return;
            }
            for (String schema : f.searchPathChange()) {
                if (!schemaAllowed(schema, r)) {
                    add(r, "search_path would include schema " + schema + ", which this user may not use",
                            "Schemas this user may put on search_path: " + allowedSchemasForHint(r) + ".");
                    return;
                }
            }
        }

        private boolean schemaAllowed(String schema, Rule r) {
            if (schema.equals("$user") || schema.equals("pg_temp") || Glob.anyMatches(r.names(), schema)) {
                return true; // "$user" and pg_temp: see README (assumed absent / always searched anyway)
            }
            if ((schema.equals("pg_catalog") || schema.equals("information_schema")) && policy.catalogReads()) {
                return true;
            }
            return policy.rolesOf(ctx.user()).stream().flatMap(g -> g.tables().stream()).anyMatch(t -> t.coversSchema(schema));
        }

        private String allowedSchemasForHint(Rule r) {
            Set<String> s = new TreeSet<>();
            policy.rolesOf(ctx.user()).forEach(g -> g.tables().forEach(t -> t.on().forEach(p -> {
                int dot = p.pattern().indexOf('.');
                s.add(dot < 0 ? p.pattern() : p.pattern().substring(0, dot));
            })));
            r.names().forEach(g -> s.add(g.pattern()));
            if (policy.catalogReads()) {
                s.add("pg_catalog");
            }
            return s.toString();
        }

        private void forbid(Rule r) {
            boolean innerRuns = f.kind() != CommandKind.EXPLAIN;
            if (r.kinds().contains(f.kind()) || (innerRuns && f.innerKind() != null && r.kinds().contains(f.innerKind()))) {
                CommandKind k = r.kinds().contains(f.kind()) ? f.kind() : f.innerKind();
                add(r, k + " statements are forbidden for " + ctx.user()
                        + (ctx.environment() == null ? "" : " in environment " + ctx.environment()), "Not allowed: " + r.kinds() + ".");
            }
        }

        private void grants(Rule r) {
            if (!policy.mapsUser(ctx.user()) || f.parsedBy().unreadable()) {
                return; // unparseable statements are the unknown-effect rule's business
            }
            List<RoleGrant> roles = policy.rolesOf(ctx.user());
            Set<CommandKind> allowedKinds = new LinkedHashSet<>();
            roles.forEach(g -> allowedKinds.addAll(g.statements()));
            boolean innerRuns = f.kind() != CommandKind.EXPLAIN;
            for (CommandKind k : innerRuns && f.innerKind() != null ? List.of(f.kind(), f.innerKind()) : List.of(f.kind())) {
                if (!allowedKinds.contains(k)) {
                    add(r, k + " statements are not granted to user " + ctx.user(),
                            "Granted statement kinds: " + allowedKinds + ".");
                    return;
                }
            }
            for (TableAccess t : f.tables()) {
                if (!tableAllowed(t, roles)) {
                    add(r, t.access() + " on " + t.qualifiedName() + " is not granted to user " + ctx.user(),
                            "Granted tables: " + describeGrants(roles) + ".");
                    return;
                }
            }
        }

        private boolean tableAllowed(TableAccess t, List<RoleGrant> roles) {
            if (t.catalog() && t.access() == TableAccess.Access.READ && policy.catalogReads()) {
                return true;
            }
            for (RoleGrant g : roles) {
                for (TableGrant tg : g.tables()) {
                    if (tg.allows(t.qualifiedName(), t.access())) {
                        return true;
                    }
                }
            }
            return false;
        }

        private static String describeGrants(List<RoleGrant> roles) {
            List<String> parts = new ArrayList<>();
            for (RoleGrant g : roles) {
                for (TableGrant t : g.tables()) {
                    parts.add(t.privileges() + " on " + t.on());
                }
            }
            return parts.isEmpty() ? "none" : String.join("; ", parts);
        }

        /**
         * One refusal for the first write that does not restrict its rows; when every such write is one whose
         * parameters decide (and the text is a Parse, whose Binds PgGuard sees: in a Query, $n is PREPARE's), one
         * condition for each of them, all checked at every Bind.
         */
        private void requireWhere(Rule r) {
            String hint = "Add a WHERE that selects the rows to change (for example by primary key).";
            List<Violation> byValues = new ArrayList<>();
            for (WriteOperation w : f.writes()) {
                if (!r.kinds().contains(w.kind())) {
                    continue;
                }
                boolean decidedByValues = w.where() == WhereStatus.BY_PARAMETERS;
                if (w.where() == WhereStatus.MISSING || w.where() == WhereStatus.TRIVIAL || decidedByValues) {
                    String reason = w.kind() + " of " + w.table() + " does not restrict its rows: "
                            + (w.whereReason() == null ? w.where().name().toLowerCase() : w.whereReason());
                    if (decidedByValues && ctx.source() == StatementSource.PARSE) {
                        byValues.add(new Violation(r, f.index(), reason + " (refused for the values bound that keep"
                                + " every row)", hint, w.condition()));
                    } else {
                        add(r, reason, hint);
                        return;
                    }
                }
            }
            out.addAll(byValues);
        }
    }
}
