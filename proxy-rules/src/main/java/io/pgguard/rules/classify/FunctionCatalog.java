package io.pgguard.rules.classify;

import io.pgguard.rules.FunctionCall;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What calling a function does. Built-in functions are judged from PostgreSQL's own pg_proc.provolatile, read from
 * the generated resource pg_functions.tsv (checked against a live PostgreSQL by PgCatalogResourceTest): immutable
 * and stable ones only read. Volatile built-ins are unknown unless on {@link #HARMLESS_VOLATILE}; the
 * {@link #DENIED} names are refused whatever their volatility. Everything else must be named in the config.
 */
public final class FunctionCatalog {

    /**
     * Volatile built-ins that applications really call and that neither change who acts, nor touch files, nor run
     * SQL from a string: random numbers, clocks, advisory locks, notifications, monitoring reads.
     * Sequence functions (nextval, setval, currval, lastval) and set_config are judged by their arguments instead.
     * To allow another volatile built-in, add it here with a reason in the commit, or name it in the config.
     */
    static final Set<String> HARMLESS_VOLATILE = Set.of(
            "random", "random_normal", "setseed", "gen_random_uuid", "array_sample", "array_shuffle",
            "clock_timestamp", "timeofday",
            "pg_advisory_lock", "pg_advisory_lock_shared", "pg_advisory_unlock", "pg_advisory_unlock_shared",
            "pg_advisory_unlock_all", "pg_advisory_xact_lock", "pg_advisory_xact_lock_shared",
            "pg_try_advisory_lock", "pg_try_advisory_lock_shared", "pg_try_advisory_xact_lock",
            "pg_try_advisory_xact_lock_shared",
            "pg_notify", "pg_notification_queue_usage", "pg_sleep", "pg_sleep_for", "pg_sleep_until",
            "current_query", "pg_is_in_recovery", "pg_is_wal_replay_paused", "pg_get_wal_replay_pause_state",
            "pg_last_wal_receive_lsn", "pg_last_wal_replay_lsn", "pg_last_xact_replay_timestamp",
            "pg_current_wal_lsn", "pg_current_wal_flush_lsn", "pg_current_wal_insert_lsn",
            "pg_blocking_pids", "pg_safe_snapshot_blocking_pids", "pg_lock_status", "pg_jit_available",
            "pg_database_size", "pg_relation_size", "pg_table_size", "pg_indexes_size", "pg_total_relation_size",
            "pg_tablespace_size", "pg_stat_clear_snapshot", "pg_stat_have_stats", "pg_stat_get_io",
            "pg_partition_ancestors", "pg_partition_tree", "pg_sequence_last_value",
            "pg_xact_commit_timestamp", "pg_xact_commit_timestamp_origin", "pg_last_committed_xact",
            "txid_status", "pg_xact_status", "pg_export_snapshot", "pg_get_wait_events",
            "pg_collation_actual_version", "pg_database_collation_actual_version");

    /** Prefixes of harmless volatile monitoring functions (per-transaction statistics counters). */
    static final List<String> HARMLESS_VOLATILE_PREFIXES = List.of("pg_stat_get_xact_");

    /**
     * Refused whatever the rules grant: they change who acts, reach the server's file system, run SQL given as a
     * string (bypassing every table rule), signal other sessions, or change the server's configuration or WAL.
     */
    static final Set<String> DENIED = Set.of(
            "query_to_xml", "query_to_xml_and_xmlschema", "query_to_xmlschema", "cursor_to_xml",
            "cursor_to_xmlschema", "ts_stat", "ts_rewrite",
            "lo_import", "lo_export", "loread", "lowrite",
            "pg_read_file", "pg_read_binary_file", "pg_stat_file", "pg_file_write", "pg_file_rename",
            "pg_file_unlink", "pg_file_sync", "pg_logdir_ls", "pg_current_logfile",
            "pg_terminate_backend", "pg_cancel_backend", "pg_reload_conf", "pg_rotate_logfile", "pg_promote",
            "pg_switch_wal", "pg_create_restore_point", "pg_backup_start", "pg_backup_stop",
            "pg_wal_replay_pause", "pg_wal_replay_resume", "pg_import_system_collations",
            "pg_log_backend_memory_contexts", "pg_log_standby_snapshot", "pg_stop_making_pinned_objects",
            "pg_sync_replication_slots", "pg_extension_config_dump", "pg_nextoid",
            "brin_summarize_new_values", "brin_summarize_range", "brin_desummarize_range", "gin_clean_pending_list",
            "pg_show_all_file_settings", "pg_hba_file_rules", "pg_ident_file_mappings");

    static final List<String> DENIED_PREFIXES = List.of(
            "dblink", "lo_", "pg_ls_", "table_to_xml", "schema_to_xml", "database_to_xml", "binary_upgrade_",
            "pg_stat_reset", "pg_replication_origin_", "pg_logical_", "pg_create_", "pg_drop_replication_slot",
            "pg_copy_", "pg_replication_slot_");

    /** Sequence functions: the first argument names the sequence, so they become accesses to it. */
    public static final Set<String> SEQUENCE_WRITERS = Set.of("nextval", "setval");
    public static final Set<String> SEQUENCE_READERS = Set.of("currval");

    private static final Map<String, Character> BUILTIN_VOLATILITY = loadBuiltins();

    private final Map<String, UserFunction> userFunctions;

    public FunctionCatalog(Map<String, UserFunction> userFunctions) {
        this.userFunctions = Map.copyOf(userFunctions);
    }

    public static FunctionCatalog builtinsOnly() {
        return new FunctionCatalog(Map.of());
    }

    public static boolean isBuiltin(String name) {
        return BUILTIN_VOLATILITY.containsKey(name);
    }

    /** A built-in whose every overload PostgreSQL marks immutable or stable (gives one value per statement). */
    static boolean isNonVolatileBuiltin(String name) {
        Character v = BUILTIN_VOLATILITY.get(name);
        return v != null && v != 'v';
    }

    public static boolean isDenied(String name) {
        String n = name.toLowerCase(java.util.Locale.ROOT);
        return DENIED.contains(n) || DENIED_PREFIXES.stream().anyMatch(n::startsWith);
    }

    /** The configured function for a resolved or bare name, or null. */
    public UserFunction userFunction(String schema, String name) {
        UserFunction f = schema == null ? null : userFunctions.get(schema + "." + name);
        return f != null ? f : userFunctions.get(name);
    }

    /**
     * Judges a call of a function given by its (possibly qualified) name. Built-ins win for unqualified names
     * because pg_catalog is searched first. Sequence functions and set_config are handled by the classifier.
     */
    public Verdict judge(String schema, String name, List<String> searchPath) {
        boolean catalogSchema = schema == null || schema.equals("pg_catalog");
        if (catalogSchema && isDenied(name)) {
            return new Verdict(FunctionCall.Effect.DENIED, "on the deny list", null);
        }
        if (catalogSchema && BUILTIN_VOLATILITY.containsKey(name)) {
            return judgeBuiltin(name);
        }
        // information_schema's helpers (_pg_expandarray, _pg_char_max_length, ...) are in the generated table
        // under their qualified name: the views use them, and so do drivers' metadata queries.
        if ("information_schema".equals(schema) && BUILTIN_VOLATILITY.containsKey(schema + "." + name)) {
            return judgeBuiltin(schema + "." + name);
        }
        if (schema != null) {
            return judgeConfigured(schema, name);
        }
        for (String s : searchPath) {
            UserFunction f = userFunctions.get(s + "." + name);
            if (f != null) {
                return configured(f);
            }
        }
        return judgeConfigured(null, name);
    }

    private Verdict judgeConfigured(String schema, String name) {
        UserFunction f = userFunction(schema, name);
        if (f == null) {
            return new Verdict(FunctionCall.Effect.UNKNOWN,
                    "not a PostgreSQL built-in and not named under rules.functions", null);
        }
        return configured(f);
    }

    private static Verdict configured(UserFunction f) {
        if (f.readOnly()) {
            return new Verdict(FunctionCall.Effect.READ, "configured read-only", f);
        }
        return new Verdict(FunctionCall.Effect.WRITE, "configured to write " + f.writes(), f);
    }

    private Verdict judgeBuiltin(String name) {
        UserFunction override = userFunctions.get("pg_catalog." + name);
        if (override != null) {
            return configured(override);
        }
        char volatility = BUILTIN_VOLATILITY.get(name);
        if (volatility != 'v') {
            return new Verdict(FunctionCall.Effect.READ, volatility == 'i' ? "built-in immutable" : "built-in stable", null);
        }
        if (HARMLESS_VOLATILE.contains(name) || HARMLESS_VOLATILE_PREFIXES.stream().anyMatch(name::startsWith)) {
            return new Verdict(FunctionCall.Effect.READ, "harmless volatile built-in (allowlist)", null);
        }
        return new Verdict(FunctionCall.Effect.UNKNOWN, "volatile built-in not on the allowlist", null);
    }

    /** The effect of one call, why, and the configured function if that decided it. */
    public record Verdict(FunctionCall.Effect effect, String reason, UserFunction configured) {
    }

    private static Map<String, Character> loadBuiltins() {
        Map<String, Character> m = new HashMap<>();
        try (InputStream in = FunctionCatalog.class.getResourceAsStream("/io/pgguard/rules/pg_functions.tsv")) {
            if (in == null) {
                throw new IllegalStateException("pg_functions.tsv missing from the classpath");
            }
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                int tab = line.indexOf('\t');
                String volatilities = line.substring(tab + 1);
                // Overloads can differ; the most dangerous one decides.
                char worst = volatilities.indexOf('v') >= 0 ? 'v' : volatilities.indexOf('s') >= 0 ? 's' : 'i';
                m.put(line.substring(0, tab), worst);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Map.copyOf(m);
    }
}
