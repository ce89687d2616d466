package io.pgguard.server.rules;

import io.pgguard.rules.RuleSet;
import io.pgguard.rules.policy.UserMapping;
import java.util.LinkedHashSet;
import java.util.Set;

/** What the proxy needs to know of a rule set's users: who is governed, and which names may label metrics. */
public final class RuleUsers {
    private RuleUsers() {}

    /** Whether the rules govern this user (users without rules get the configured default). */
    public static boolean governs(RuleSet rules, String user) {
        return governs(rules, user, null);
    }

    /** Whether the rules govern this user acting as {@code effectiveRole} (null: as itself). */
    public static boolean governs(RuleSet rules, String user, String effectiveRole) {
        return !rules.isAllowAll() && rules.policy().governs(user, effectiveRole);
    }

    /** The exact user names the rules map (patterns are left out: they cannot bound a label). */
    public static Set<String> namedUsers(RuleSet rules) {
        Set<String> names = new LinkedHashSet<>();
        if (!rules.isAllowAll()) {
            for (UserMapping m : rules.policy().users()) {
                String pattern = m.users().pattern();
                if (pattern.indexOf('*') < 0 && pattern.indexOf('?') < 0) {
                    names.add(pattern);
                }
            }
        }
        return names;
    }
}
