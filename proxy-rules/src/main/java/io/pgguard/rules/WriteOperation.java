package io.pgguard.rules;

/** One data-modifying operation inside a statement (the statement itself or a data-modifying CTE). */
public record WriteOperation(CommandKind kind, String table, WhereStatus where, String whereReason) {
    @Override
    public String toString() {
        return kind + " " + table + " where=" + where + (whereReason == null ? "" : " (" + whereReason + ")");
    }
}
