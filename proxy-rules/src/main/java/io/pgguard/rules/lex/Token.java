package io.pgguard.rules.lex;

/**
 * One significant token of SQL text. {@code start} and {@code end} are char offsets into the lexed text
 * (end exclusive), so callers can cut spans or edit the original text at exact positions.
 */
public record Token(TokenType type, int start, int end, String text, String value, StringKind stringKind) {

    /**
     * True for an unquoted identifier that is the keyword, given in lower case. The value is already folded the
     * way PostgreSQL folds keywords (ASCII letters only), so the comparison is exact: equalsIgnoreCase would also
     * take look-alikes such as dotless i ("dıstinct") that PostgreSQL reads as plain names.
     */
    public boolean isKeyword(String keyword) {
        return type == TokenType.IDENT && value.equals(keyword);
    }

    public boolean is(TokenType t) {
        return type == t;
    }

    public boolean isOperator(String op) {
        return type == TokenType.OPERATOR && text.equals(op);
    }
}
