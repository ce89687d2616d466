package io.pgguard.rules;

/** What the client receives for a refused statement (an ErrorResponse with these fields). */
public record Rejection(String ruleId, String sqlState, String message, String detail, String hint) {
}
