package io.pgguard.server.rules;

import io.pgguard.core.inspect.BindCheck;
import io.pgguard.core.inspect.SessionView;
import io.pgguard.core.inspect.SqlOrigin;
import io.pgguard.core.inspect.SqlPreparedStatementUse;
import io.pgguard.core.inspect.StatementInspector;
import io.pgguard.core.inspect.Verdict;
import io.pgguard.core.protocol.PgError;
import io.pgguard.core.protocol.SqlState;
import io.pgguard.rules.BindCondition;
import io.pgguard.rules.CommandKind;
import io.pgguard.rules.Decision;
import io.pgguard.rules.ParameterCondition;
import io.pgguard.rules.PolicyEngine;
import io.pgguard.rules.Rejection;
import io.pgguard.rules.SqlPreparedStatement;
import io.pgguard.rules.StatementContext;
import io.pgguard.rules.StatementSource;
import io.pgguard.rules.lex.StatementSplitter;
import java.util.List;

/**
 * Connects the protocol to the rules engine: turns the session into the engine's context and the engine's
 * decision into a verdict the relay applies. The decision rides along as the verdict's attachment for metrics
 * and audit.
 */
public final class RulesInspector implements StatementInspector {
    /** FunctionCall bypasses SQL entirely; PgGuard cannot say what an OID does, so ruled users may not use it. */
    public static final String FUNCTION_CALL_RULE = "function-call-message";

    /** Startup settings that would change who acts before any statement could be judged. */
    private static final java.util.Set<String> IDENTITY_SETTINGS = java.util.Set.of("role", "session_authorization");

    /** Any context: an engine without rules forwards every text without looking at it. */
    private static final StatementContext ALLOW_ALL_CONTEXT = StatementContext.of("", "", "");

    private final PolicyEngine engine;
    private final int maxStatementsPerQuery;

    public RulesInspector(PolicyEngine engine, int maxStatementsPerQuery) {
        this.engine = engine;
        this.maxStatementsPerQuery = maxStatementsPerQuery;
    }

    public PolicyEngine engine() {
        return engine;
    }

    @Override
    public Verdict inspect(SessionView session, String sql, SqlOrigin origin) {
        // Without rules nothing about the session matters to the decision, so no context is built for it.
        Decision decision = engine.decide(sql, engine.rules().isAllowAll() ? ALLOW_ALL_CONTEXT : context(session, origin));
        if (origin == SqlOrigin.SIMPLE_QUERY && maxStatementsPerQuery > 0 && !decision.rejected()) {
            int count = StatementSplitter.split(sql, session.standardConformingStrings()).statements().size();
            if (count > maxStatementsPerQuery) {
                return Verdict.reject(new PgError("ERROR", SqlState.PROGRAM_LIMIT_EXCEEDED,
                        "PgGuard: a query may carry at most " + maxStatementsPerQuery + " statements; this one has "
                                + count, null, "Send the statements in several queries."),
                        "max-statements-per-query", decision);
            }
        }
        return toVerdict(decision, session.standardConformingStrings());
    }

    private static StatementContext context(SessionView session, SqlOrigin origin) {
        return new StatementContext(session.user(), session.database(), session.environment(),
                session.effectiveRole().equals(session.user()) ? null : session.effectiveRole(),
                session.standardConformingStrings(),
                origin == SqlOrigin.PARSE ? StatementSource.PARSE : StatementSource.SIMPLE_QUERY,
                session.searchPath());
    }

    /**
     * Any rule set but allow-all may judge names: every session under one learns its search_path, so a reload
     * that brings rules for its user finds it known.
     */
    @Override
    public boolean resolvesNames(SessionView session) {
        return !engine.rules().isAllowAll();
    }

    /** Governed users may not switch role through the startup packet; ungoverned users pass untouched. */
    @Override
    public PgError inspectStartup(SessionView session, java.util.Map<String, String> parameters) {
        if (!RuleUsers.governs(engine.rules(), session.user())) {
            return null;
        }
        for (String setting : io.pgguard.core.relay.StartupOptions.settings(parameters).keySet()) {
            if (IDENTITY_SETTINGS.contains(setting)) {
                return new PgError("FATAL", SqlState.INSUFFICIENT_PRIVILEGE,
                        "PgGuard: the startup packet may not set " + setting + " for user \"" + session.user() + "\"",
                        "Switching role or session authorization is governed by the rules (rule role-switch).", null);
            }
        }
        return null;
    }

    @Override
    public Verdict inspectFunctionCall(SessionView session, int functionOid) {
        if (!RuleUsers.governs(engine.rules(), session.user(), session.effectiveRole())) {
            return Verdict.FORWARD;
        }
        PgError error = new PgError("ERROR", SqlState.INSUFFICIENT_PRIVILEGE,
                "PgGuard: FunctionCall messages are refused for users with rules",
                "The fast-path FunctionCall message names function OID " + functionOid
                        + ", whose effect PgGuard cannot judge (rule " + FUNCTION_CALL_RULE + ").",
                "Call the function from SQL (SELECT fn(...)) so the rules can judge it.");
        return Verdict.reject(error, FUNCTION_CALL_RULE, null);
    }

    static Verdict toVerdict(Decision decision, boolean standardConformingStrings) {
        Verdict verdict = switch (decision.action()) {
            case FORWARD -> Verdict.forward(decision);
            case REWRITE -> Verdict.rewrite(decision.sql(), decision);
            case REJECT -> Verdict.reject(toError(decision.rejection()), decision.rejection().ruleId(), decision);
        };
        if (decision.newEffectiveRole() != null) {
            verdict = verdict.withNewEffectiveRole(decision.newEffectiveRole());
        }
        List<String> path = decision.newSearchPath();
        if (path != null) {
            verdict = verdict.withNewSearchPath(path);
        }
        if (decision.sessionChangeIsLocal()) {
            verdict = verdict.withSessionChangeIsLocal();
        }
        if (decision.changesLexing() && !decision.rejected()) {
            verdict = verdict.withChangesLexing();
        }
        if (decision.mayEndBlock() && !decision.rejected()) {
            verdict = verdict.withMayEndBlock();
        }
        List<SqlPreparedStatement> uses = decision.sqlPreparedStatements();
        if (!uses.isEmpty()) {
            verdict = verdict.withSqlPreparedStatements(uses.stream().map(u -> new SqlPreparedStatementUse(
                    SqlPreparedStatementUse.Kind.valueOf(u.use().name()), u.name(), u.text())).toList());
        }
        if (dropsPreparedStatements(decision)) {
            verdict = verdict.withDropsPreparedStatements();
        }
        if (!decision.bindConditions().isEmpty() && !decision.rejected()) {
            verdict = verdict.withBindCheck(bindCheck(decision));
        }
        if (decision.readRowCap() >= 0 && !decision.rejected()) {
            verdict = verdict.withReadRowCap(decision.readRowCap(), rowCapError(decision.readRowCap()),
                    statementTexts(decision.sql(), standardConformingStrings));
            if (decision.copyHeaderLines()) {
                verdict = verdict.withCopyHeaderLines();
            }
        }
        if (decision.writeRowCap() >= 0 && !decision.rejected()) {
            verdict = verdict.withWriteRowCap(decision.writeRowCap(), writeCapError(decision.writeRowCap()),
                    statementTexts(decision.sql(), standardConformingStrings));
        }
        return verdict;
    }

    /** Refuses a Bind whose values let one of the conditions keep every row, or that PgGuard cannot read. */
    private static BindCheck bindCheck(Decision decision) {
        return (values, unread) -> {
            for (BindCondition c : decision.bindConditions()) {
                if (values == null || c.condition().evaluate(values, unread) != ParameterCondition.Outcome.KEEPS_NO_ROW) {
                    return Verdict.reject(toError(c.rejection()), c.rejection().ruleId(), decision);
                }
            }
            return null;
        };
    }

    private static boolean dropsPreparedStatements(Decision decision) {
        for (var f : decision.statements()) {
            if (f.kind() == CommandKind.DEALLOCATE || f.kind() == CommandKind.DISCARD) {
                return true;
            }
        }
        return false;
    }

    /** The statements of the text that will be sent (rewritten or not), as the server will split them. */
    private static List<String> statementTexts(String sql, boolean standardConformingStrings) {
        var script = StatementSplitter.split(sql, standardConformingStrings);
        List<String> texts = new java.util.ArrayList<>();
        for (var statement : script.statements()) {
            texts.add(statement.text(sql));
        }
        return texts;
    }

    static PgError writeCapError(long cap) {
        return new PgError("ERROR", SqlState.PROGRAM_LIMIT_EXCEEDED,
                "PgGuard: the statement changed more than the write row limit of " + cap + " rows and was rolled back",
                "The rules cap writes at " + cap + " rows per statement; the server rolled the statement back with "
                        + "its transaction.",
                "Change fewer rows per statement (for example in batches with a WHERE on a key range).");
    }

    static PgError rowCapError(long cap) {
        return new PgError("ERROR", SqlState.PROGRAM_LIMIT_EXCEEDED,
                "PgGuard: the result exceeds the read row limit of " + cap + " rows",
                "The rules cap results at " + cap + " rows and this statement could not be limited in SQL; the proxy "
                        + "stopped the result and cancelled the statement rather than return a cut result.",
                "Add a LIMIT of at most " + cap + ", or page through the result with a cursor.");
    }

    private static PgError toError(Rejection r) {
        return new PgError("ERROR", r.sqlState(), r.message(), r.detail(), r.hint());
    }
}
