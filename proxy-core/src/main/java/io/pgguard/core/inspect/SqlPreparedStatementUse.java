package io.pgguard.core.inspect;

/**
 * A PREPARE, EXECUTE or DEALLOCATE of a named SQL-level prepared statement, as the inspector found it in a text:
 * the relay follows these statements so that an EXECUTE runs only what the rules allow at that moment.
 *
 * @param name the prepared statement's name; null for DEALLOCATE ALL (and DISCARD ALL)
 * @param sql  the statement PREPARE prepares; null for the others
 */
public record SqlPreparedStatementUse(Kind kind, String name, String sql) {
    public enum Kind { PREPARE, EXECUTE, DEALLOCATE }
}
