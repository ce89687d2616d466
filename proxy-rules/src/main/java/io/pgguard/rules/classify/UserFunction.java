package io.pgguard.rules.classify;

import java.util.List;

/**
 * A function or procedure named in the config with its effect, so that calls to it can be judged.
 *
 * @param qualifiedName schema.name as configured (lowercase unless the function's name is mixed-case)
 * @param writes        tables it writes ("schema.table"); empty for a read-only function
 */
public record UserFunction(String qualifiedName, boolean readOnly, List<String> writes) {
    public UserFunction {
        writes = List.copyOf(writes);
    }
}
