package io.pgguard.rules;

/** A rule in dry-run mode (or any rule under the global dry-run switch) that would have refused the statement. */
public record DryRunHit(String ruleId, String message) {
}
