package io.pgguard.core.inspect;

import java.util.List;
import java.util.function.IntPredicate;

/**
 * A refusal of a forwarded Parse that the values of each Bind decide (a write whose WHERE holds only parameters and
 * numbers keeps every row or none, by those values).
 */
@FunctionalInterface
public interface BindCheck {

    /**
     * The refusal to fail a Bind with (a rejecting verdict, counted and audited as any other), or null to let it
     * through. {@code values} holds $1, $2... as text, null for SQL NULL; {@code unread} tells which PgGuard did
     * not read (their text is not given); {@code values} is null for a Bind PgGuard could not read at all, which
     * must be refused.
     */
    Verdict refusal(List<String> values, IntPredicate unread);
}
