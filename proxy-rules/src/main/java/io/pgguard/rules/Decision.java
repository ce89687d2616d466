package io.pgguard.rules;

import java.util.List;

/**
 * The verdict on one query string (one simple Query or one Parse).
 *
 * @param sql              the rewritten text when REWRITE, else the input unchanged
 * @param rejection        non-null iff REJECT
 * @param dryRunHits       rules in dry-run mode that would have refused the statement
 * @param readRowCap       -1 none; else the proxy must stop the result stream after this many rows with an error
 *                         (applies to each result set of the message)
 * @param writeRowCap      -1 none; else the proxy must roll back when an INSERT/UPDATE/DELETE/MERGE/COPY command
 *                         tag reports more rows than this
 * @param newEffectiveRole null unless the statement changes the effective role and that is allowed; "" = reset
 * @param matchedRuleId    the rule that refused, or the rule/grant that allowed, for `pgguard explain`
 * @param explanation      multi-line account of facts and rules, for `pgguard explain`
 * @param bindConditions   refusals of a forwarded Parse that the values of each Bind decide (empty for a Query)
 */
public record Decision(Action action, String sql, Rejection rejection, List<DryRunHit> dryRunHits,
        long readRowCap, long writeRowCap, String newEffectiveRole, List<StatementFacts> statements,
        String matchedRuleId, String explanation, List<BindCondition> bindConditions) {

    public enum Action { FORWARD, REWRITE, REJECT }

    public Decision {
        dryRunHits = List.copyOf(dryRunHits);
        statements = List.copyOf(statements);
        bindConditions = List.copyOf(bindConditions);
    }

    public Decision(Action action, String sql, Rejection rejection, List<DryRunHit> dryRunHits, long readRowCap,
            long writeRowCap, String newEffectiveRole, List<StatementFacts> statements, String matchedRuleId,
            String explanation) {
        this(action, sql, rejection, dryRunHits, readRowCap, writeRowCap, newEffectiveRole, statements, matchedRuleId,
                explanation, List.of());
    }

    public boolean rejected() {
        return action == Action.REJECT;
    }

    /** What the message's statements do to SQL-level prepared statements, in order (asked of every decision). */
    public List<SqlPreparedStatement> sqlPreparedStatements() {
        List<SqlPreparedStatement> uses = List.of();
        for (StatementFacts f : statements) {
            if (f.preparedStatement() != null) {
                if (uses.isEmpty()) {
                    uses = new java.util.ArrayList<>();
                }
                uses.add(f.preparedStatement());
            }
        }
        return uses;
    }

    /**
     * Whether the role or search_path change of this message lasts until the end of its transaction only: every
     * statement in it that changes them does so with SET LOCAL or set_config(..., true).
     */
    public boolean sessionChangeIsLocal() {
        boolean any = false;
        for (StatementFacts f : statements) {
            if (f.roleChange() != null || f.searchPathChange() != null) {
                if (!f.localChange()) {
                    return false;
                }
                any = true;
            }
        }
        return any;
    }

    /**
     * Whether a statement of this message may change client_encoding or standard_conforming_strings, which decide
     * how the server reads every text after it: the proxy must learn them anew before it reads another text (see
     * {@link StatementFacts#mayChangeLexing()}).
     */
    public boolean changesLexing() {
        for (int i = 0; i < statements.size(); i++) { // indexed: asked of every decision, cached ones too
            if (statements.get(i).mayChangeLexing()) {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether the message copies to the client and every COPY TO STDOUT in it sends a header line ahead of its
     * rows, which a read cap does not count.
     */
    public boolean copyHeaderLines() {
        boolean any = false;
        for (StatementFacts f : statements) {
            if (f.kind() == CommandKind.COPY_TO_STDOUT) {
                if (!f.copyHeader()) {
                    return false;
                }
                any = true;
            }
        }
        return any;
    }

    /** Whether a statement of this message may end a transaction block (see {@link StatementFacts#mayEndBlock()}). */
    public boolean mayEndBlock() {
        for (int i = 0; i < statements.size(); i++) {
            if (statements.get(i).mayEndBlock()) {
                return true;
            }
        }
        return false;
    }

    /**
     * The search_path the session has after this message, if a statement in it changes search_path (the proxy
     * keeps it and passes it back in {@link StatementContext#searchPath()}); null when unchanged.
     */
    public List<String> newSearchPath() {
        List<String> path = null;
        for (StatementFacts f : statements) {
            if (f.searchPathChange() != null) {
                path = f.searchPathChange();
            }
        }
        return path;
    }
}
