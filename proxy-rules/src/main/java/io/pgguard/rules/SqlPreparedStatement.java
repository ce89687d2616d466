package io.pgguard.rules;

/**
 * What a statement does to the session's SQL-level prepared statements (PREPARE, EXECUTE, DEALLOCATE), so that
 * the proxy can follow them: PostgreSQL analyses a prepared statement again, under the session's search_path and
 * privileges of the moment, when it is executed after they changed.
 *
 * @param use  what the statement does with the prepared statement
 * @param name the prepared statement's name; null for DEALLOCATE ALL
 * @param text the statement PREPARE prepares, as written; null otherwise
 */
public record SqlPreparedStatement(Use use, String name, String text) {
    public enum Use { PREPARE, EXECUTE, DEALLOCATE }
}
