package io.pgguard.rules.lex;

import java.util.List;

/**
 * The result of splitting a query string: its statements, or the reason it cannot be lexed at all, and whether
 * that reason makes it a syntax error for PostgreSQL too.
 */
public record LexedScript(String source, List<LexedStatement> statements, String error, boolean syntaxError) {

    static LexedScript of(String source, List<LexedStatement> statements) {
        return new LexedScript(source, statements, null, false);
    }

    static LexedScript failed(String source, String error, boolean syntaxError) {
        return new LexedScript(source, List.of(), error, syntaxError);
    }

    public boolean failed() {
        return error != null;
    }
}
