package io.pgguard.rules.lex;

/** The text cannot be lexed the way PostgreSQL would accept it (unterminated literal or comment, bad escape...). */
public final class LexException extends Exception {
    private final int position;

    public LexException(String message, int position) {
        super(message + " at position " + position);
        this.position = position;
    }

    public int position() {
        return position;
    }
}
