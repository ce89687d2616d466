package io.pgguard.rules;

/**
 * One data-modifying operation inside a statement (the statement itself or a data-modifying CTE).
 * {@code condition} is the WHERE to evaluate at each Bind when {@code where} is {@link WhereStatus#BY_PARAMETERS},
 * null otherwise.
 */
public record WriteOperation(CommandKind kind, String table, WhereStatus where, String whereReason,
        ParameterCondition condition) {

    public WriteOperation(CommandKind kind, String table, WhereStatus where, String whereReason) {
        this(kind, table, where, whereReason, null);
    }

    @Override
    public String toString() {
        return kind + " " + table + " where=" + where + (whereReason == null ? "" : " (" + whereReason + ")");
    }
}
