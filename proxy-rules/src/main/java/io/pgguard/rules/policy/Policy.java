package io.pgguard.rules.policy;

import io.pgguard.rules.classify.FunctionCatalog;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The validated, immutable content of a rules section. Internal to the rules engine: the proxy uses
 * {@link io.pgguard.rules.RuleSet} and {@link io.pgguard.rules.PolicyEngine}.

 */
public record Policy(String id, boolean dryRun, boolean usersWithoutRulesAllowed, boolean catalogReads,
        List<UserMapping> users, Map<String, RoleGrant> roles, FunctionCatalog functions, List<Rule> rules) {

    /** A user "has rules" when the users map names them or an explicitly-targeted rule applies to them. */
    public boolean governs(String user, String effectiveRole) {
        for (UserMapping m : users) {
            if (m.users().matches(user)) {
                return true;
            }
        }
        for (Rule r : rules) {
            if (r.explicitUsers() && r.appliesTo(user, effectiveRole, "*", "*")) {
                return true;
            }
        }
        return false;
    }

    /** Whether a rule names the users it applies to: it then applies to whoever acts as one of them, too. */
    public boolean hasRulesNamingUsers() {
        for (Rule r : rules) {
            if (r.explicitUsers()) {
                return true;
            }
        }
        return false;
    }

    /** The roles the users map gives this login user (in config order, without duplicates). */
    public List<RoleGrant> rolesOf(String user) {
        Set<String> names = new LinkedHashSet<>();
        for (UserMapping m : users) {
            if (m.users().matches(user)) {
                names.addAll(m.roles());
            }
        }
        List<RoleGrant> out = new ArrayList<>();
        for (String n : names) {
            out.add(roles.get(n));
        }
        return out;
    }

    public boolean mapsUser(String user) {
        return users.stream().anyMatch(m -> m.users().matches(user));
    }

    /** Users of rules that do not name theirs: every governed user. */
    public static final List<Glob> ANY_USER = List.of(new Glob("*"));
}
