package io.pgguard.rules;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * What a statement does, at the granularity rules speak about. Each kind belongs to one {@link Group}; rules may
 * name a kind ("DROP_TABLE") or a group ("DDL"). EXPLAIN ANALYZE of X is classified as X (it executes X).
 */
public enum CommandKind {
    SELECT(Group.DML), INSERT(Group.DML), UPDATE(Group.DML), DELETE(Group.DML), MERGE(Group.DML),
    TRUNCATE(Group.TRUNCATE_GROUP),
    COPY_TO_STDOUT(Group.COPY), COPY_FROM_STDIN(Group.COPY), COPY_FILE(Group.COPY_SERVER), COPY_PROGRAM(Group.COPY_SERVER),
    CREATE_TABLE(Group.DDL), CREATE_TABLE_AS(Group.DDL), CREATE_INDEX(Group.DDL), CREATE_VIEW(Group.DDL),
    CREATE_SCHEMA(Group.DDL), CREATE_DATABASE(Group.DDL), CREATE_ROLE(Group.DDL), CREATE_FUNCTION(Group.DDL),
    CREATE_EXTENSION(Group.DDL), CREATE_OTHER(Group.DDL),
    ALTER_TABLE(Group.DDL), ALTER_ROLE(Group.DDL), ALTER_OTHER(Group.DDL),
    DROP_TABLE(Group.DDL), DROP_DATABASE(Group.DDL), DROP_SCHEMA(Group.DDL), DROP_ROLE(Group.DDL), DROP_OTHER(Group.DDL),
    GRANT(Group.DDL), REVOKE(Group.DDL), COMMENT(Group.DDL), SECURITY_LABEL(Group.DDL),
    REFRESH_MATERIALIZED_VIEW(Group.DDL), REINDEX(Group.MAINTENANCE), CLUSTER(Group.MAINTENANCE),
    VACUUM(Group.MAINTENANCE), ANALYZE(Group.MAINTENANCE),
    ALTER_SYSTEM(Group.ADMIN), CHECKPOINT(Group.ADMIN), LOAD(Group.ADMIN),
    BEGIN(Group.TRANSACTION), COMMIT(Group.TRANSACTION), ROLLBACK(Group.TRANSACTION), SAVEPOINT(Group.TRANSACTION),
    RELEASE_SAVEPOINT(Group.TRANSACTION), ROLLBACK_TO_SAVEPOINT(Group.TRANSACTION), SET_TRANSACTION(Group.TRANSACTION),
    PREPARE_TRANSACTION(Group.TRANSACTION), COMMIT_PREPARED(Group.TRANSACTION), ROLLBACK_PREPARED(Group.TRANSACTION),
    DECLARE_CURSOR(Group.CURSOR), FETCH(Group.CURSOR), MOVE(Group.CURSOR), CLOSE(Group.CURSOR),
    PREPARE(Group.PREPARED_STATEMENTS), EXECUTE(Group.PREPARED_STATEMENTS), DEALLOCATE(Group.PREPARED_STATEMENTS),
    LISTEN(Group.NOTIFICATIONS), UNLISTEN(Group.NOTIFICATIONS), NOTIFY(Group.NOTIFICATIONS),
    SHOW(Group.SESSION), SET(Group.SESSION), RESET(Group.SESSION), DISCARD(Group.SESSION),
    SET_ROLE(Group.ROLE_CHANGE), RESET_ROLE(Group.ROLE_CHANGE), SET_SESSION_AUTHORIZATION(Group.ROLE_CHANGE),
    EXPLAIN(Group.EXPLAIN_GROUP),
    LOCK(Group.LOCK_GROUP),
    DO(Group.PROCEDURAL), CALL(Group.PROCEDURAL),
    UNKNOWN(Group.UNKNOWN_GROUP);

    /** Named groups of kinds usable in the config wherever a kind is expected. */
    public enum Group {
        DML, TRUNCATE_GROUP, COPY, COPY_SERVER, DDL, MAINTENANCE, ADMIN, TRANSACTION, CURSOR, PREPARED_STATEMENTS,
        NOTIFICATIONS, SESSION, ROLE_CHANGE, EXPLAIN_GROUP, LOCK_GROUP, PROCEDURAL, UNKNOWN_GROUP
    }

    private final Group group;

    CommandKind(Group group) {
        this.group = group;
    }

    public Group group() {
        return group;
    }

    public boolean isTableWrite() {
        return this == INSERT || this == UPDATE || this == DELETE || this == MERGE || this == COPY_FROM_STDIN;
    }

    /** Group names as written in the config; the ones that clash with a kind name are only reachable as kinds. */
    private static final Map<String, Set<CommandKind>> GROUP_NAMES = groupNames();

    private static Map<String, Set<CommandKind>> groupNames() {
        Map<String, Set<CommandKind>> m = new TreeMap<>();
        for (Group g : Group.values()) {
            if (g.name().endsWith("_GROUP")) {
                continue;
            }
            Set<CommandKind> kinds = EnumSet.noneOf(CommandKind.class);
            for (CommandKind k : values()) {
                if (k.group == g) {
                    kinds.add(k);
                }
            }
            m.put(g.name(), kinds);
        }
        m.put("ALL", EnumSet.allOf(CommandKind.class));
        return m;
    }

    /** Resolves a config word (kind or group name, case-insensitive, '-' or '_') to kinds; null if unknown. */
    public static Set<CommandKind> resolve(String word) {
        String key = word.trim().toUpperCase(Locale.ROOT).replace('-', '_').replace(' ', '_');
        for (CommandKind k : values()) {
            if (k.name().equals(key)) {
                return EnumSet.of(k);
            }
        }
        Set<CommandKind> group = GROUP_NAMES.get(key);
        return group == null ? null : EnumSet.copyOf(group);
    }

    public static Set<String> groupNamesForHelp() {
        return GROUP_NAMES.keySet();
    }
}
