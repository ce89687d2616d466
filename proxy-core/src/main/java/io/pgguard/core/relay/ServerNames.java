package io.pgguard.core.relay;

import io.pgguard.core.inspect.StatementInspector;
import io.pgguard.core.inspect.Verdict;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The verdicts of the server's prepared statements and portals, as PgGuard follows them. The live picture is
 * what the server will hold once every message sent so far has taken effect: Binds and Executes are judged by
 * it. The confirmed picture is what the server holds after the messages it has answered. When the server fails
 * a message and skips what follows up to Sync, the live picture is rebuilt from the confirmed one and the
 * changes of the messages still pending, so that PgGuard never judges a statement by a verdict the server
 * never took on.
 */
final class ServerNames {
    /**
     * A statement as PgGuard follows it: its verdict, and what the verdict was reached with (the text, the
     * inspector, the roles and search_paths the session may have had, its standard_conforming_strings), so that a
     * Bind after a rules reload or a change of role or search_path can judge it again as the server will run it.
     */
    /**
     * A statement the server holds. {@code parameterTypes} are the OIDs its Parse declared, kept only where a Bind
     * check reads values by them (empty otherwise): the server keeps them whatever the rules say of it later.
     */
    record Prepared(Verdict verdict, String sql, StatementInspector judgedBy, List<RoleAndSearchPath.Values> judgedUnder,
            boolean standardConformingStrings, int[] parameterTypes) {

        Prepared(Verdict verdict, String sql, StatementInspector judgedBy, List<RoleAndSearchPath.Values> judgedUnder,
                boolean standardConformingStrings) {
            this(verdict, sql, judgedBy, judgedUnder, standardConformingStrings, NO_TYPES);
        }

        /** Whether the verdict was reached by these rules, under these roles and search_paths. */
        boolean judgedAsNow(StatementInspector inspector, List<RoleAndSearchPath.Values> now) {
            return judgedBy == inspector && judgedUnder.equals(now);
        }

        /** The same statement with the verdict it got when judged again. */
        Prepared judged(Verdict again, StatementInspector by, List<RoleAndSearchPath.Values> under) {
            return new Prepared(again, sql, by, under, standardConformingStrings, parameterTypes);
        }
    }

    private static final int[] NO_TYPES = new int[0];

    /** The unnamed statement of a simple Query PgGuard ran as extended messages, which PostgreSQL would drop. */
    static final Prepared UNNAMED_GONE = new Prepared(Verdict.forward(null), "", null, List.of(), true);

    private static final int STATEMENTS = 0;
    private static final int PORTALS = 1;
    private static final int PORTAL_ROWS = 2;

    @SuppressWarnings("unchecked")
    private final Map<String, Object>[] live = new Map[] {new HashMap<>(), new HashMap<>(), new HashMap<>()};
    @SuppressWarnings("unchecked")
    private final Map<String, Object>[] confirmed = new Map[] {new HashMap<>(), new HashMap<>(), new HashMap<>()};
    /** Named statements SQL may have dropped (DEALLOCATE, DISCARD): unknown until a Parse of the name is answered. */
    private final Set<String> uncertain = new HashSet<>();

    /** What one forwarded message changes, in order; a null value removes the name. */
    static final class Change {
        private final ServerNames names;
        private final int table;
        private final String key;
        private final Object value;
        private final Change next;

        private Change(ServerNames names, int table, String key, Object value, Change next) {
            this.names = names;
            this.table = table;
            this.key = key;
            this.value = value;
            this.next = next;
        }

        /** The server answered the message: what it changed now holds. */
        void confirm() {
            names.apply(this, names.confirmed);
            for (Change c = this; c != null; c = c.next) {
                if (c.table == STATEMENTS) {
                    names.uncertain.remove(c.key);
                }
            }
        }

        ServerNames names() {
            return names;
        }
    }

    Prepared statement(String name) {
        return (Prepared) live[STATEMENTS].get(name);
    }

    /**
     * Whether the server may hold another statement under this name than the live picture says: a Parse of the
     * name is on its way while the server still has an older one under it (a Close the server may skip came
     * before), or SQL may have dropped it. The server takes or refuses the Parse (42P05) only later, so a Bind
     * now cannot be judged. The unnamed statement is never in doubt: a Parse of it drops the old one first.
     */
    boolean inDoubt(String name) {
        if (name.isEmpty()) {
            return false;
        }
        Prepared confirmedOne = (Prepared) confirmed[STATEMENTS].get(name);
        Prepared liveOne = statement(name);
        return uncertain.contains(name)
                || confirmedOne != null && (liveOne == null || confirmedOne.verdict() != liveOne.verdict());
    }

    /**
     * A statement judged again keeps its new verdict, so it is not judged again on every Bind; only while the
     * server's answer to its Parse is in (live and confirmed hold the same), as otherwise a rebuild could bring
     * the old one back.
     */
    void judgedAgain(String name, Prepared before, Prepared after) {
        if (live[STATEMENTS].get(name) == before && confirmed[STATEMENTS].get(name) == before) {
            live[STATEMENTS].put(name, after);
            confirmed[STATEMENTS].put(name, after);
        }
    }

    /** SQL that may drop prepared statements (DEALLOCATE, DISCARD ALL) was sent: every named one is in doubt. */
    void namedStatementsMayBeDropped() {
        forgetNamed(live[STATEMENTS]);
        forgetNamed(confirmed[STATEMENTS]);
    }

    private void forgetNamed(Map<String, Object> statements) {
        for (Iterator<String> it = statements.keySet().iterator(); it.hasNext(); ) {
            String name = it.next();
            if (!name.isEmpty()) {
                uncertain.add(name);
                it.remove();
            }
        }
    }

    Verdict portal(String name) {
        return (Verdict) live[PORTALS].get(name);
    }

    /** Rows returned so far by a portal under a read cap, shared by all its Executes; null when not capped. */
    long[] portalRows(String name) {
        return (long[]) live[PORTAL_ROWS].get(name);
    }

    Change parsed(String statement, Prepared prepared) {
        return change(STATEMENTS, statement, prepared, null);
    }

    Change bound(String portal, Verdict verdict) {
        boolean capped = verdict.readRowCap() >= 0;
        Change rows = capped || live[PORTAL_ROWS].containsKey(portal) || confirmed[PORTAL_ROWS].containsKey(portal)
                ? change(PORTAL_ROWS, portal, capped ? new long[1] : null, null) : null;
        return change(PORTALS, portal, verdict, rows);
    }

    Change closedStatement(String statement) {
        return change(STATEMENTS, statement, null, null);
    }

    Change closedPortal(String portal) {
        return change(PORTALS, portal, null, change(PORTAL_ROWS, portal, null, null));
    }

    /** A simple Query run as extended messages: PostgreSQL would leave no unnamed statement or portal. */
    Change unnamedDropped() {
        Change portal = closedPortal("");
        return change(STATEMENTS, "", UNNAMED_GONE, portal);
    }

    /** Applies a change to the live picture now, and returns it for {@link Change#confirm} or a rebuild. */
    private Change change(int table, String key, Object value, Change next) {
        Change c = new Change(this, table, key, value, next);
        set(live[table], key, value);
        return c;
    }

    /** The server skipped or failed some messages: live is what it confirmed, plus what is still on its way. */
    void rebuild(Iterable<PendingResponse> stillPending) {
        for (int t = 0; t < live.length; t++) {
            live[t].clear();
            live[t].putAll(confirmed[t]);
        }
        for (PendingResponse p : stillPending) {
            if (p.change != null) {
                apply(p.change, live);
            }
        }
    }

    private void apply(Change change, Map<String, Object>[] tables) {
        for (Change c = change; c != null; c = c.next) {
            set(tables[c.table], c.key, c.value);
        }
    }

    private static void set(Map<String, Object> table, String key, Object value) {
        if (value == null) {
            table.remove(key);
        } else {
            table.put(key, value);
        }
    }

    void clear() {
        for (int t = 0; t < live.length; t++) {
            live[t].clear();
            confirmed[t].clear();
        }
        uncertain.clear();
    }
}
