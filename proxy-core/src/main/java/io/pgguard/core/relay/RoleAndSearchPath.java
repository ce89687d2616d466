package io.pgguard.core.relay;

import io.pgguard.core.inspect.Verdict;
import java.util.ArrayList;
import java.util.List;

/**
 * The role and search_path PgGuard judges a session's statements with, following how PostgreSQL keeps settings
 * made in a transaction: a change in a transaction that rolls back (ROLLBACK, an error, a failed COMMIT) is
 * undone, SET LOCAL ends with its transaction, and ROLLBACK TO SAVEPOINT undoes what was set after the savepoint.
 * PgGuard sees a transaction's outcome by command tags and ReadyForQuery, not by savepoint names, so after a
 * ROLLBACK TO SAVEPOINT that may have undone a change it keeps every value the session may now have, and a
 * statement must pass under each of them ({@link #possible}).
 */
final class RoleAndSearchPath {
    /**
     * A role (null: the login user), a search_path as set (null: PostgreSQL's default, public) and the schemas it
     * names for that role, which the rules resolve names in: "$user" is the role's own schema.
     */
    record Values(String role, List<String> setting, List<String> searchPath) {}

    /** The search_path entry PostgreSQL replaces with the current role's name when a schema of that name exists. */
    static final String USER_ENTRY = "$user";

    /**
     * More possible values than this and PgGuard gives up following the session (each statement is judged under
     * every one); the values remembered from a block are bounded by it too.
     */
    static final int MAX_POSSIBLE = 16;

    /** What the session may have now; one value but after a ROLLBACK TO SAVEPOINT undid a change. */
    private List<Values> current;
    /** What a COMMIT of the open transaction keeps: the changes without LOCAL. */
    private List<Values> persisting;
    /** What the session had when no transaction was open: what a rollback returns to. */
    private List<Values> outside;
    /** Every value current and persisting had in the open explicit block, for a ROLLBACK TO SAVEPOINT. */
    private final List<Values> seenCurrent = new ArrayList<>();
    private final List<Values> seenPersisting = new ArrayList<>();
    private boolean inBlock;
    private boolean changedInBlock;
    private boolean failed;
    /** The last COMMIT or ROLLBACK tag in the open block (ROLLBACK TO SAVEPOINT also answers ROLLBACK). */
    private String endTag;

    /**
     * The session's own default, which RESET returns to: what the startup packet set, or what the server said the
     * session started with (null: not known, PostgreSQL's default).
     */
    private final List<String> resetSearchPath;
    private final String loginUser;
    /**
     * The role the session started acting as, when the server's settings make it another than the login user
     * ({@code ALTER ROLE ... SET role}); RESET ROLE returns to it, SET ROLE NONE does not, and DISCARD ALL (SET
     * SESSION AUTHORIZATION DEFAULT) does or not by server version. Else null.
     */
    private final String defaultRole;
    /** The role the session started acting as, whose own schema the server said exists or not. */
    private final String startRole;
    private final boolean startRoleHasSchema;

    RoleAndSearchPath(List<String> initialSearchPath) {
        this(initialSearchPath, null, null, false);
    }

    /**
     * What the server said the session starts with: the schemas of its search_path, the role it acts as, and
     * whether that role has a schema of its own name.
     */
    RoleAndSearchPath(List<String> initialSearchPath, String loginUser, String startRole, boolean startRoleHasSchema) {
        this.resetSearchPath = initialSearchPath;
        this.loginUser = loginUser;
        this.startRole = startRole;
        this.startRoleHasSchema = startRoleHasSchema;
        this.defaultRole = startRole == null || startRole.equals(loginUser) ? null : startRole;
        current = List.of(values(defaultRole, initialSearchPath));
        persisting = current;
        outside = current;
    }

    /** The value statements are judged with when it is the only one. */
    Values now() {
        return current.get(0);
    }

    /** Every value the session may have, when there are several; null when PgGuard knows it. */
    List<Values> possible() {
        return current.size() > 1 ? current : null;
    }

    /** All values the session may have now (one, usually). */
    List<Values> all() {
        return current;
    }

    boolean lostTrack() {
        return current.size() > MAX_POSSIBLE;
    }

    /** A statement that changes role or search_path succeeded. */
    void changed(Verdict verdict) {
        if (verdict.newEffectiveRole() == null && verdict.newSearchPath() == null) {
            return;
        }
        current = map(current, verdict);
        if (!verdict.sessionChangeIsLocal()) {
            persisting = map(persisting, verdict);
        }
        if (inBlock) {
            changedInBlock = true;
            remember(seenCurrent, current);
            remember(seenPersisting, persisting);
        }
    }

    /**
     * A Query string with changes failed somewhere: each change may or may not have been made before the failure
     * (a COMMIT in the string keeps those before it), so the session may have the old values or the new ones.
     * What ReadyForQuery then tells settles it where it can: an implicit transaction's failure undoes them all.
     */
    void maybeChanged(Verdict verdict) {
        if (verdict.newEffectiveRole() == null && verdict.newSearchPath() == null) {
            return;
        }
        current = union(current, map(current, verdict));
        if (!verdict.sessionChangeIsLocal()) {
            persisting = union(persisting, map(persisting, verdict));
        }
        if (inBlock) {
            changedInBlock = true;
            remember(seenCurrent, current);
            remember(seenPersisting, persisting);
        }
    }

    /** A CommandComplete tag: the block's beginning and end, and rollbacks to savepoints. */
    void commandTag(String tag) {
        switch (tag) {
            case "BEGIN", "START TRANSACTION" -> startBlock();
            case "COMMIT", "PREPARE TRANSACTION" -> endTag = "COMMIT";
            case "ROLLBACK" -> {
                endTag = "ROLLBACK";
                if (inBlock && changedInBlock) {
                    // Perhaps a ROLLBACK TO SAVEPOINT: the session may have any value it had in the block.
                    current = union(outside, seenCurrent);
                    persisting = union(outside, seenPersisting);
                }
            }
            default -> { }
        }
    }

    /** An ErrorResponse to a statement: an implicit transaction rolls back, an explicit block fails. */
    void error() {
        failed = true;
    }

    /** ReadyForQuery: at 'I' no transaction is open any more, and what it changed stays or is undone. */
    void readyForQuery(char status) {
        if (status != 'I') {
            if (!inBlock) {
                startBlock(); // BEGIN inside a Query string or a batch
            }
            return;
        }
        // A block commits by its COMMIT (a failed one answers ROLLBACK; an error in COMMIT itself, no tag); an
        // implicit transaction commits unless a statement in it failed.
        boolean committed = inBlock ? "COMMIT".equals(endTag) : !failed;
        current = committed ? persisting : outside;
        persisting = current;
        outside = current;
        inBlock = false;
        changedInBlock = false;
        failed = false;
        endTag = null;
        seenCurrent.clear();
        seenPersisting.clear();
    }

    private void startBlock() {
        if (inBlock) {
            return;
        }
        inBlock = true;
        failed = false;
        endTag = null;
        remember(seenCurrent, current);
        remember(seenPersisting, persisting);
    }

    /**
     * The schemas {@code setting} names when {@code role} acts. "$user" is the starting role's own schema where the
     * server said it exists, and is left out otherwise, as PostgreSQL leaves it out; for another role PgGuard
     * cannot tell, so that role's name stays a schema the rules must allow.
     */
    private Values values(String role, List<String> setting) {
        if (setting == null || !setting.contains(USER_ENTRY)) {
            return new Values(role, setting, setting);
        }
        String acting = role == null ? loginUser : role;
        boolean known = acting == null || acting.equals(startRole);
        List<String> schemas = new ArrayList<>(setting.size());
        for (String entry : setting) {
            if (!entry.equals(USER_ENTRY)) {
                schemas.add(entry);
            } else if (!known || startRoleHasSchema) {
                schemas.add(acting);
            }
        }
        return new Values(role, setting, List.copyOf(schemas));
    }

    private List<Values> map(List<Values> values, Verdict verdict) {
        List<Values> out = new ArrayList<>(values.size());
        for (Values v : values) {
            List<String> path = verdict.newSearchPath() == null ? v.setting()
                    : verdict.newSearchPath().isEmpty() ? resetSearchPath : verdict.newSearchPath();
            String role = verdict.newEffectiveRole();
            if (role == null) {
                add(out, values(v.role(), path));
            } else if (!role.isEmpty()) {
                add(out, values(role, path));
            } else {
                // Back to the login user (SET ROLE NONE) or to the role the server's settings start the session
                // as (RESET ROLE; DISCARD ALL by server version): the verdict does not tell which, so both stay
                // possible.
                add(out, values(null, path));
                if (defaultRole != null) {
                    add(out, values(defaultRole, path));
                }
            }
        }
        return List.copyOf(out);
    }

    private static void add(List<Values> values, Values value) {
        if (!values.contains(value)) {
            values.add(value);
        }
    }

    private static List<Values> union(List<Values> first, List<Values> more) {
        List<Values> out = new ArrayList<>(first);
        addAll(out, more);
        return List.copyOf(out);
    }

    /** Adds to what a block has seen, up to one value past the limit: enough to know it was passed. */
    private static void remember(List<Values> seen, List<Values> values) {
        for (Values v : values) {
            if (seen.size() > MAX_POSSIBLE) {
                return;
            }
            if (!seen.contains(v)) {
                seen.add(v);
            }
        }
    }

    private static void addAll(List<Values> into, List<Values> values) {
        for (Values v : values) {
            if (!into.contains(v)) {
                into.add(v);
            }
        }
    }
}
