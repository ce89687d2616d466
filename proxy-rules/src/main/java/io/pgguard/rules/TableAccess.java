package io.pgguard.rules;

/**
 * One relation a statement touches, with its name resolved (schema filled in) and the way it is touched.
 * {@code catalog} marks pg_catalog / information_schema relations.
 */
public record TableAccess(String schema, String name, Access access, boolean catalog) {

    /** How the relation is touched; LOCK is a row lock (FOR UPDATE/SHARE), which PostgreSQL ties to UPDATE. */
    public enum Access { READ, INSERT, UPDATE, DELETE, LOCK, TRUNCATE, DDL }

    public String qualifiedName() {
        return schema + "." + name;
    }

    @Override
    public String toString() {
        return access + " " + qualifiedName() + (catalog ? " (catalog)" : "");
    }
}
