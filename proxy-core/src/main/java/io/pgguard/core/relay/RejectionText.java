package io.pgguard.core.relay;

/**
 * The text forwarded in place of a refused statement. PostgreSQL fails it at parse time, so nothing of the refused
 * statement runs, and the server itself aborts the transaction and discards the rest of the pipeline up to Sync,
 * exactly as for a real error at that point. The proxy then swaps the server's syntax error for its own.
 * The rule id goes into the server's log for DBAs, reduced to characters that cannot end the comment.
 */
final class RejectionText {
    private RejectionText() {}

    static String forRule(String ruleId) {
        String safe = ruleId == null ? "policy" : ruleId.replaceAll("[^A-Za-z0-9_.:-]", "_");
        return "/* pgguard: rejected by rule " + safe + " */ pgguard_rejected";
    }
}
