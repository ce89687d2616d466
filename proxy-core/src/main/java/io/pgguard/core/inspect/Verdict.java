package io.pgguard.core.inspect;

import io.pgguard.core.protocol.PgError;
import java.util.List;

/**
 * What to do with one SQL text: forward it, forward a rewritten text, or refuse it with an error the client
 * receives exactly where the server would have raised it. {@code attachment} carries the inspector's own record
 * of the decision (for metrics and audit) back to it without the core knowing its type.
 */
public final class Verdict {
    public enum Action { FORWARD, REWRITE, REJECT }

    public static final Verdict FORWARD = new Verdict(Action.FORWARD, null, null, null, null, null);

    private final Action action;
    private final String rewrittenSql;
    private final PgError rejection;
    private final String ruleId;
    private final String newEffectiveRole;
    private final Object attachment;
    private List<String> newSearchPath;
    private long readRowCap = -1;
    private PgError readRowCapError;
    private long writeRowCap = -1;
    private PgError writeRowCapError;
    private List<String> statementTexts = List.of();
    private boolean dropsPreparedStatements;
    private boolean sessionChangeIsLocal;
    private boolean changesLexing;
    private boolean mayEndBlock;
    private boolean copyHeaderLines;
    private List<SqlPreparedStatementUse> sqlPreparedStatements = List.of();
    private BindCheck bindCheck;

    private Verdict(Action action, String rewrittenSql, PgError rejection, String ruleId, String newEffectiveRole,
            Object attachment) {
        this.action = action;
        this.rewrittenSql = rewrittenSql;
        this.rejection = rejection;
        this.ruleId = ruleId;
        this.newEffectiveRole = newEffectiveRole;
        this.attachment = attachment;
    }

    public static Verdict forward(Object attachment) {
        return new Verdict(Action.FORWARD, null, null, null, null, attachment);
    }

    public static Verdict rewrite(String sql, Object attachment) {
        return new Verdict(Action.REWRITE, sql, null, null, null, attachment);
    }

    /** Refuses a statement; {@code ruleId} names the rule in the server's log, never in the client's error. */
    public static Verdict reject(PgError error, String ruleId, Object attachment) {
        return new Verdict(Action.REJECT, null, error, ruleId, null, attachment);
    }

    /** Marks a forwarded statement as one that switches the session's effective role ("" for RESET ROLE). */
    public Verdict withNewEffectiveRole(String role) {
        return copy(role);
    }

    private Verdict copy(String role) {
        Verdict copy = new Verdict(action, rewrittenSql, rejection, ruleId, role, attachment);
        copy.newSearchPath = newSearchPath;
        copy.readRowCap = readRowCap;
        copy.readRowCapError = readRowCapError;
        copy.writeRowCap = writeRowCap;
        copy.writeRowCapError = writeRowCapError;
        copy.statementTexts = statementTexts;
        copy.dropsPreparedStatements = dropsPreparedStatements;
        copy.sessionChangeIsLocal = sessionChangeIsLocal;
        copy.changesLexing = changesLexing;
        copy.mayEndBlock = mayEndBlock;
        copy.copyHeaderLines = copyHeaderLines;
        copy.sqlPreparedStatements = sqlPreparedStatements;
        copy.bindCheck = bindCheck;
        return copy;
    }

    /** A forwarded Parse whose Binds are let through only for the values {@code check} accepts. */
    public Verdict withBindCheck(BindCheck check) {
        Verdict copy = copy(newEffectiveRole);
        copy.bindCheck = check;
        return copy;
    }

    /** The check each Bind of this statement must pass, or null. */
    public BindCheck bindCheck() {
        return bindCheck;
    }

    /**
     * The role or search_path change ends with the transaction it is made in (SET LOCAL), whether that commits
     * or not.
     */
    public Verdict withSessionChangeIsLocal() {
        Verdict copy = copy(newEffectiveRole);
        copy.sessionChangeIsLocal = true;
        return copy;
    }

    public boolean sessionChangeIsLocal() {
        return sessionChangeIsLocal;
    }

    /**
     * The text may change client_encoding or standard_conforming_strings, which decide how the server reads every
     * later text: PgGuard reads no later text they matter to before the server has said what is in force.
     */
    public Verdict withChangesLexing() {
        Verdict copy = copy(newEffectiveRole);
        copy.changesLexing = true;
        return copy;
    }

    public boolean changesLexing() {
        return changesLexing;
    }

    /**
     * The text may end a transaction block or roll back to a savepoint (COMMIT, ROLLBACK, ROLLBACK TO, PREPARE
     * TRANSACTION), which sets client_encoding and standard_conforming_strings back to what a change in the block
     * replaced.
     */
    public Verdict withMayEndBlock() {
        Verdict copy = copy(newEffectiveRole);
        copy.mayEndBlock = true;
        return copy;
    }

    public boolean mayEndBlock() {
        return mayEndBlock;
    }

    /** The text's PREPAREs, EXECUTEs and DEALLOCATEs of SQL-level prepared statements, in order. */
    public Verdict withSqlPreparedStatements(List<SqlPreparedStatementUse> uses) {
        Verdict copy = copy(newEffectiveRole);
        copy.sqlPreparedStatements = List.copyOf(uses);
        return copy;
    }

    public List<SqlPreparedStatementUse> sqlPreparedStatements() {
        return sqlPreparedStatements;
    }

    /** The text holds SQL that may drop prepared statements (DEALLOCATE, DISCARD). */
    public Verdict withDropsPreparedStatements() {
        Verdict copy = copy(newEffectiveRole);
        copy.dropsPreparedStatements = true;
        return copy;
    }

    public boolean dropsPreparedStatements() {
        return dropsPreparedStatements;
    }

    public Action action() {
        return action;
    }

    public boolean isReject() {
        return action == Action.REJECT;
    }

    public String rewrittenSql() {
        return rewrittenSql;
    }

    public PgError rejection() {
        return rejection;
    }

    /**
     * Marks a forwarded statement as one that sets search_path (empty: RESET, back to the session's default);
     * applied when it succeeds.
     */
    public Verdict withNewSearchPath(List<String> path) {
        Verdict copy = copy(newEffectiveRole);
        copy.newSearchPath = List.copyOf(path);
        return copy;
    }

    /**
     * Caps each result set of this statement at {@code cap} rows on the result stream: past it the proxy drops
     * rows, cancels the statement and answers {@code error} in its place, so the server fails the transaction as
     * for any error there, instead of a silently cut result. A simple Query is then run statement by statement
     * ({@code statements}, its texts in order).
     */
    public Verdict withReadRowCap(long cap, PgError error, List<String> statements) {
        Verdict copy = copy(newEffectiveRole);
        copy.readRowCap = cap;
        copy.readRowCapError = error;
        copy.statementTexts = List.copyOf(statements);
        return copy;
    }

    /**
     * Caps the rows each write of this text may change: an INSERT, UPDATE, DELETE, MERGE or COPY whose command
     * tag reports more is turned into {@code error} at that point, so the server rolls it back with its
     * transaction. A simple Query is then run statement by statement ({@code statements}, its texts in order).
     */
    public Verdict withWriteRowCap(long cap, PgError error, List<String> statements) {
        Verdict copy = copy(newEffectiveRole);
        copy.writeRowCap = cap;
        copy.writeRowCapError = error;
        copy.statementTexts = List.copyOf(statements);
        return copy;
    }

    public long writeRowCap() {
        return writeRowCap;
    }

    public PgError writeRowCapError() {
        return writeRowCapError;
    }

    public List<String> statementTexts() {
        return statementTexts;
    }

    public long readRowCap() {
        return readRowCap;
    }

    /**
     * Every COPY TO STDOUT of the text sends a header line ahead of its rows (HEADER in its options): under a read
     * cap that line is no row.
     */
    public Verdict withCopyHeaderLines() {
        Verdict copy = copy(newEffectiveRole);
        copy.copyHeaderLines = true;
        return copy;
    }

    public boolean copyHeaderLines() {
        return copyHeaderLines;
    }

    public PgError readRowCapError() {
        return readRowCapError;
    }

    public List<String> newSearchPath() {
        return newSearchPath;
    }

    public String ruleId() {
        return ruleId;
    }

    public String newEffectiveRole() {
        return newEffectiveRole;
    }

    public Object attachment() {
        return attachment;
    }
}
