package io.pgguard.rules;

import java.util.List;

/**
 * Everything about the session that a decision depends on; it is part of the decision cache key, so nothing else
 * may influence a decision. {@code effectiveRole} is null or empty when no SET ROLE is in force. {@code searchPath}
 * is the session's search_path as a list of schema names (null: PostgreSQL's default, so unqualified names are
 * taken to be in {@code public}).
 */
public record StatementContext(String user, String database, String environment, String effectiveRole,
        boolean standardConformingStrings, StatementSource source, List<String> searchPath) {

    public StatementContext {
        searchPath = searchPath == null ? null : List.copyOf(searchPath);
    }

    /** The shape the proxy bridge uses: default search_path. */
    public StatementContext(String user, String database, String environment, String effectiveRole,
            boolean standardConformingStrings, StatementSource source) {
        this(user, database, environment, effectiveRole, standardConformingStrings, source, null);
    }

    /** Convenience for tests and the CLI: a simple query with standard_conforming_strings on. */
    public static StatementContext of(String user, String database, String environment) {
        return new StatementContext(user, database, environment, null, true, StatementSource.SIMPLE_QUERY);
    }

    public StatementContext withSearchPath(List<String> path) {
        return new StatementContext(user, database, environment, effectiveRole, standardConformingStrings, source, path);
    }

    public StatementContext withEffectiveRole(String role) {
        return new StatementContext(user, database, environment, role, standardConformingStrings, source, searchPath);
    }

    public boolean hasEffectiveRole() {
        return effectiveRole != null && !effectiveRole.isEmpty();
    }
}
