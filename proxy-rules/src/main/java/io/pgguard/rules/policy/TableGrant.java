package io.pgguard.rules.policy;

import io.pgguard.rules.TableAccess.Access;
import java.util.List;
import java.util.Set;

/** Privileges on relations whose "schema.name" matches one of the patterns. */
public record TableGrant(List<Glob> on, Set<Access> privileges) {

    public boolean allows(String qualifiedName, Access access) {
        return privileges.contains(access) && Glob.anyMatches(on, qualifiedName);
    }

    /** Whether some relation of this schema could be granted (used for search_path checks). */
    public boolean coversSchema(String schema) {
        for (Glob g : on) {
            int dot = g.pattern().indexOf('.');
            String schemaPattern = dot < 0 ? g.pattern() : g.pattern().substring(0, dot);
            if (new Glob(schemaPattern).matches(schema)) {
                return true;
            }
        }
        return false;
    }
}
