package io.pgguard.rules.lex;

import java.util.List;

/** The result of splitting a query string: its statements, or the reason it cannot be lexed at all. */
public record LexedScript(String source, List<LexedStatement> statements, String error) {

    public boolean failed() {
        return error != null;
    }
}
