package io.pgguard.rules.lex;

/** The text cannot be lexed the way PostgreSQL would accept it (unterminated literal or comment, bad escape...). */
public final class LexException extends Exception {
    private final int position;
    private final boolean syntaxError;

    public LexException(String message, int position) {
        this(message, position, false);
    }

    private LexException(String message, int position, boolean syntaxError) {
        super(message + " at position " + position);
        this.position = position;
        this.syntaxError = syntaxError;
    }

    /** A text PostgreSQL's lexer or grammar refuses with SQLSTATE 42601, syntax_error. */
    static LexException syntax(String message, int position) {
        return new LexException(message, position, true);
    }

    public int position() {
        return position;
    }

    /**
     * Whether PostgreSQL answers this text with 42601 (an unterminated quote, comment or dollar quote, an empty quoted
     * identifier, a character that starts no token). Escape errors are not: the server gives them other codes, and
     * some depend on its encoding.
     */
    public boolean syntaxError() {
        return syntaxError;
    }
}
