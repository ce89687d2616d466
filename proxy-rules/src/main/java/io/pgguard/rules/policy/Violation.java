package io.pgguard.rules.policy;

/** A rule that refuses one statement, with why and what would be allowed instead. */
public record Violation(Rule rule, int statementIndex, String reason, String hint) {
}
