package io.pgguard.rules;

/**
 * A refusal that depends on the values a Bind carries: the statement is refused with {@code rejection} for the
 * values that make {@code condition} keep every row, or that PgGuard cannot read.
 */
public record BindCondition(Rejection rejection, ParameterCondition condition) {
}
