package io.pgguard.rules;

/** Which part of the classifier produced a statement's facts. */
public enum ParsedBy {
    FULL_PARSER,
    LEXER_FALLBACK,
    /** PgGuard cannot read it, though PostgreSQL may: its effect is unknown. */
    UNPARSEABLE,
    /**
     * PostgreSQL cannot read it either: it does not lex (an unterminated quote or comment), its brackets do not
     * balance, or its first word is not a command. Nothing of the query string would run, and the server would
     * answer 42601, so PgGuard answers that too.
     */
    SYNTAX_ERROR;

    /** Whether the classifier could not read the statement, so nothing about its effect is known. */
    public boolean unreadable() {
        return this == UNPARSEABLE || this == SYNTAX_ERROR;
    }
}
