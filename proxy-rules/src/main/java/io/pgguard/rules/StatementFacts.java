package io.pgguard.rules;

import java.util.List;

/**
 * What the classifier found out about one statement of a query string.
 *
 * @param index           position of the statement in the query string (0-based)
 * @param start           start offset of the statement's first token in the query string
 * @param end             end offset (exclusive) of its last token
 * @param kind            what the statement does (EXPLAIN ANALYZE X is X's kind)
 * @param innerKind       the wrapped statement's kind for PREPARE, DECLARE CURSOR, COPY (query), plain EXPLAIN,
 *                        CREATE TABLE AS; null otherwise
 * @param parsedBy        full parser, lexer fallback, or unparseable
 * @param parseError      why it could not be classified (null when it could)
 * @param tables          relations touched, with read/write mode
 * @param writes          data-modifying operations with the status of their WHERE
 * @param functions       functions called, with their effect
 * @param unknownEffects  reasons the statement's effect cannot be known (empty when it can)
 * @param limit           literal LIMIT/FETCH FIRST row count of a top-level SELECT; -1 none, -2 not a literal
 * @param rowCapRewrite   where a LIMIT can be set without changing meaning; null when the statement cannot be
 *                        rewritten (the proxy must cap the result stream instead)
 * @param copyHeader      a COPY TO STDOUT whose options ask for a header line, sent ahead of the rows
 * @param roleChange      target of SET ROLE / SET SESSION AUTHORIZATION / set_config('role'...); "" for a reset to
 *                        the session user; "?" when the target is not a literal; null when the role does not change
 * @param searchPathChange new search_path if the statement sets it (empty list for RESET), else null
 * @param localChange     the role or search_path change lasts until the end of the transaction only (SET LOCAL,
 *                        set_config with is_local true)
 * @param lexingChange    the statement may change a setting that decides how the server reads the texts sent
 *                        after it: client_encoding or standard_conforming_strings (SET or RESET of one, SET NAMES,
 *                        RESET ALL, DISCARD ALL, set_config of one or of a name that is not a literal)
 * @param preparedStatement what a PREPARE, EXECUTE or DEALLOCATE does to a named SQL prepared statement; null
 *                        for other statements
 * @param setting         the setting a SET/RESET/SHOW/set_config names, lowercased; null otherwise
 * @param fingerprint     normalised text with literals replaced by '?'
 */
public record StatementFacts(int index, int start, int end, String text, CommandKind kind, CommandKind innerKind,
        ParsedBy parsedBy, String parseError, List<TableAccess> tables, List<WriteOperation> writes,
        List<FunctionCall> functions, List<String> unknownEffects, long limit, RewriteSite rowCapRewrite,
        boolean copyHeader, String roleChange, List<String> searchPathChange, boolean localChange,
        boolean lexingChange, SqlPreparedStatement preparedStatement, String setting, String fingerprint) {

    public static final long NO_LIMIT = -1;
    public static final long NON_LITERAL_LIMIT = -2;

    /** Whether setting {@code name} decides how the server reads the texts a client sends. */
    public static boolean changesLexing(String name) {
        return name.equalsIgnoreCase("client_encoding") || name.equalsIgnoreCase("standard_conforming_strings");
    }

    /**
     * Whether the statement may change how the server reads later texts: {@link #lexingChange}, or a write to
     * pg_settings. (A statement of unknown effect may too, but where the rules let one run they trust it with any
     * SQL: a DO block can run what the rules would refuse.)
     */
    public boolean mayChangeLexing() {
        return lexingChange || writesSettings();
    }

    /**
     * Whether the statement can end a transaction block or roll back to a savepoint, and so set client_encoding
     * and standard_conforming_strings back to what a change in the block replaced.
     */
    public boolean mayEndBlock() {
        return kind == CommandKind.COMMIT || kind == CommandKind.ROLLBACK || kind == CommandKind.ROLLBACK_TO_SAVEPOINT
                || kind == CommandKind.PREPARE_TRANSACTION;
    }

    /** A write to pg_settings, which sets the settings it names (an UPDATE of it calls set_config). */
    public boolean writesSettings() {
        for (TableAccess t : tables) {
            if (t.access() != TableAccess.Access.READ && t.name().equals("pg_settings")
                    && t.schema().equals("pg_catalog")) {
                return true;
            }
        }
        return false;
    }

    public boolean hasUnknownEffect() {
        return parsedBy.unreadable() || !unknownEffects.isEmpty();
    }

    public boolean writesData() {
        return !writes.isEmpty() || kind == CommandKind.COPY_FROM_STDIN;
    }

    /** One-line summary for `pgguard explain` and logs. */
    public String describe() {
        StringBuilder b = new StringBuilder();
        b.append('#').append(index).append(' ').append(kind);
        if (innerKind != null) {
            b.append(" (of ").append(innerKind).append(')');
        }
        b.append(" parsedBy=").append(parsedBy);
        if (!tables.isEmpty()) {
            b.append(" tables=").append(tables);
        }
        if (!writes.isEmpty()) {
            b.append(" writes=").append(writes);
        }
        if (!functions.isEmpty()) {
            b.append(" functions=").append(functions);
        }
        if (copyHeader) {
            b.append(" header");
        }
        if (limit != NO_LIMIT) {
            b.append(" limit=").append(limit == NON_LITERAL_LIMIT ? "non-literal" : Long.toString(limit));
        }
        if (roleChange != null) {
            b.append(" roleChange=").append(roleChange.isEmpty() ? "RESET" : roleChange);
        }
        if (searchPathChange != null) {
            b.append(" searchPath=").append(searchPathChange);
        }
        if (lexingChange) {
            b.append(" changesLexing");
        }
        if (setting != null) {
            b.append(" setting=").append(setting);
        }
        if (!unknownEffects.isEmpty()) {
            b.append(" unknown=").append(unknownEffects);
        }
        if (parseError != null) {
            b.append(" parseError=").append(parseError);
        }
        return b.toString();
    }
}
