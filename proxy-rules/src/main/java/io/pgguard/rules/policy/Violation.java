package io.pgguard.rules.policy;

import io.pgguard.rules.ParameterCondition;

/**
 * A rule that refuses one statement, with why and what would be allowed instead; {@code onlyIf}, when set, is a
 * WHERE of the client's parameters that refuses it only for the values that make it keep every row.
 */
public record Violation(Rule rule, int statementIndex, String reason, String hint, ParameterCondition onlyIf) {

    public Violation(Rule rule, int statementIndex, String reason, String hint) {
        this(rule, statementIndex, reason, hint, null);
    }
}
