package io.pgguard.rules.classify;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Resolves relation names the way PostgreSQL's search_path does, without knowing which tables exist: pg_catalog
 * is searched first (so an unqualified name of a catalog relation from the generated pg_catalog_relations.tsv is
 * that relation), then the session's search_path (by default: public).
 */
public final class NameResolver {
    private static final Set<String> CATALOG_RELATIONS = load();
    public static final List<String> DEFAULT_SEARCH_PATH = List.of("public");
    private static final String USER_SCHEMA = "$user";

    private NameResolver() {
    }

    public static boolean isCatalogSchema(String schema) {
        return schema.equals("pg_catalog") || schema.equals("information_schema") || schema.startsWith("pg_toast");
    }

    /** Schema an unqualified relation name resolves to. */
    public static String schemaFor(String name, List<String> searchPath) {
        if (CATALOG_RELATIONS.contains("pg_catalog." + name)) {
            return "pg_catalog";
        }
        List<String> path = searchPath == null || searchPath.isEmpty() ? DEFAULT_SEARCH_PATH : searchPath;
        for (String s : path) {
            if (CATALOG_RELATIONS.contains(s + "." + name)) {
                return s; // e.g. search_path includes information_schema
            }
        }
        for (String s : path) {
            if (!isImplicitOrAbsent(s)) {
                return s;
            }
        }
        return "public";
    }

    /**
     * Whether a search_path entry is passed over when resolving a name that is not a catalog relation:
     * pg_catalog and pg_temp, and "$user", which PgGuard takes as absent, as it is unless the role has a schema
     * of its own name (PostgreSQL then skips it). The proxy resolves "$user" itself, knowing whether the schema
     * exists, before a session's path reaches the rules.
     */
    static boolean isImplicitOrAbsent(String entry) {
        return entry.equals("pg_catalog") || entry.equals("pg_temp") || entry.equals(USER_SCHEMA);
    }

    /** Schemas an unqualified name could resolve to (all of them must be allowed for a write or read). */
    public static List<String> path(List<String> searchPath) {
        return searchPath == null || searchPath.isEmpty() ? DEFAULT_SEARCH_PATH : searchPath;
    }

    private static Set<String> load() {
        Set<String> s = new HashSet<>();
        try (InputStream in = NameResolver.class.getResourceAsStream("/io/pgguard/rules/pg_catalog_relations.tsv")) {
            if (in == null) {
                throw new IllegalStateException("pg_catalog_relations.tsv missing from the classpath");
            }
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (!line.isBlank() && !line.startsWith("#")) {
                    s.add(line.replace('\t', '.'));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Set.copyOf(s);
    }
}
