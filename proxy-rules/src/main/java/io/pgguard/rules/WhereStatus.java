package io.pgguard.rules;

/** Whether an UPDATE/DELETE/MERGE restricts the rows it touches. */
public enum WhereStatus {
    /** A WHERE (or MERGE join) that can restrict rows. */
    RESTRICTING,
    /** No WHERE at all. */
    MISSING,
    /** A WHERE that provably matches every row (true, 1=1, x=x, ... OR true, self-join on itself...). */
    TRIVIAL,
    /**
     * A WHERE of numbers and the client's parameters only ({@code 1 = $1}): every row or none, as the values bound
     * decide (see {@link ParameterCondition}).
     */
    BY_PARAMETERS,
    /** Not applicable (INSERT, COPY FROM, MERGE with only WHEN NOT MATCHED THEN INSERT). */
    NOT_APPLICABLE
}
