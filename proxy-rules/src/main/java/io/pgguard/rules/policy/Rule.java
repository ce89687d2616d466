package io.pgguard.rules.policy;

import io.pgguard.rules.CommandKind;
import java.util.List;
import java.util.Set;

/**
 * One configured (or implicit) rule. Which fields matter depends on {@link Type}.
 *
 * @param users        session-user / effective-role patterns the rule applies to
 * @param environments upstream environment patterns the rule applies to
 * @param databases    database patterns the rule applies to
 * @param kinds        forbid / require-where: the statement kinds concerned
 * @param names        role-switch: roles that may be switched to; search-path: extra schemas allowed
 * @param allow        unknown-effect: true to let unknown-effect statements through
 * @param maxRows      read-row-cap / write-row-cap
 * @param implicit     added because the config did not declare a rule of this type
 * @param explicitUsers the config named the users (so the rule also governs users outside the users map)
 */
public record Rule(String id, Type type, String message, boolean dryRun, String sqlState, List<Glob> users,
        List<Glob> environments, List<Glob> databases, Set<CommandKind> kinds, List<Glob> names, boolean allow,
        long maxRows, boolean implicit, boolean explicitUsers) {

    public enum Type {
        FORBID("forbid"), REQUIRE_WHERE("require-where"), GRANTS("grants"), UNKNOWN_EFFECT("unknown-effect"),
        DENIED_FUNCTIONS("denied-functions"), ROLE_SWITCH("role-switch"), SEARCH_PATH("search-path"),
        READ_ROW_CAP("read-row-cap"), WRITE_ROW_CAP("write-row-cap");

        public final String configName;

        Type(String configName) {
            this.configName = configName;
        }

        public static Type of(String name) {
            for (Type t : values()) {
                if (t.configName.equals(name)) {
                    return t;
                }
            }
            return null;
        }
    }

    public boolean appliesTo(String user, String effectiveRole, String environment, String database) {
        boolean subject = Glob.anyMatches(users, user)
                || (effectiveRole != null && !effectiveRole.isEmpty() && Glob.anyMatches(users, effectiveRole));
        return subject && Glob.anyMatches(environments, environment == null ? "" : environment)
                && Glob.anyMatches(databases, database == null ? "" : database);
    }
}
