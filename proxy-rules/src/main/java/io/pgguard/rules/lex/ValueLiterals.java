package io.pgguard.rules.lex;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Finds the literals of a DML text that are plain data values, whose value cannot change any decision: a
 * constant compared or combined with a column ({@code aid = 42}, {@code abalance + -17}), an element of a VALUES
 * row or of an IN list. Replacing them by parameters lets texts that differ only in such values (pgbench's simple
 * mode, ORMs that inline values) share one cached decision. Deliberately narrow: literals compared with literals
 * ({@code 1 = 1}), LIKE patterns, function arguments ({@code set_config('role', ...)}), LIMIT counts, typed
 * literals and anything outside SELECT/INSERT/UPDATE/DELETE/MERGE/WITH texts are never touched, nor is any
 * literal of a text that calls set_config.
 */
public final class ValueLiterals {
    private static final Set<String> COMPARISONS = Set.of("=", "<>", "!=", "<", ">", "<=", ">=");
    private static final Set<String> ARITHMETIC = Set.of("+", "-", "*", "/");
    private static final Set<String> DML = Set.of("select", "insert", "update", "delete", "merge", "with");
    private static final Set<String> NOT_COLUMNS = Set.of("true", "false", "null", "and", "or", "not", "is", "in",
            "like", "ilike", "between", "case", "when", "then", "else", "end", "select", "where", "on", "limit",
            "offset", "values", "set", "by", "having", "returning", "distinct");

    /**
     * The literals of a shape become $100001, $100002...: above PostgreSQL's 65,535 parameters, so the rules tell
     * a value that was written into the text (a constant for the whole statement) from a client's parameter.
     */
    public static final int SUBSTITUTED_BASE = 100_000;

    private ValueLiterals() {}

    /** The text with value literals replaced by fresh $n parameters, or null when it has none (or is not DML). */
    public static String parameterize(String sql, boolean standardConformingStrings) {
        if (!mayHaveLiterals(sql)) {
            return null;
        }
        List<Token> tokens;
        try {
            tokens = SqlLexer.tokenize(sql, standardConformingStrings);
        } catch (LexException e) {
            return null;
        }
        if (!allStatementsAreDml(tokens) || callsSetConfig(tokens)) {
            return null;
        }
        List<int[]> spans = valueSpans(tokens);
        if (spans.isEmpty()) {
            return null;
        }
        int next = Math.max(highestParameter(tokens), SUBSTITUTED_BASE) + 1;
        StringBuilder out = new StringBuilder(sql.length());
        int copied = 0;
        for (int[] span : spans) {
            out.append(sql, copied, span[0]).append('$').append(next++);
            copied = span[1];
        }
        return out.append(sql, copied, sql.length()).toString();
    }

    /**
     * False when the text cannot hold a literal this class replaces: no quote, and no digit that could start a
     * number (every digit follows a letter, digit, '_' or '$', as in t0_ or $1). Saves lexing statements that
     * only carry parameters, the common case of drivers. Comments and identifiers may make it answer true
     * needlessly; it never answers false for a text with a numeric or quoted literal.
     */
    static boolean mayHaveLiterals(String sql) {
        char previous = ' ';
        for (int i = 0; i < sql.length(); i++) {
            char c = sql.charAt(i);
            if (c == '\'' || c >= '0' && c <= '9' && !continuesName(previous)) {
                return true;
            }
            previous = c;
        }
        return false;
    }

    private static boolean continuesName(char c) {
        return c == '_' || c == '$' || c >= '0' && c <= '9' || Character.isLetter(c);
    }

    private static boolean allStatementsAreDml(List<Token> tokens) {
        boolean atStart = true;
        boolean any = false;
        for (Token t : tokens) {
            if (t.is(TokenType.SEMICOLON)) {
                atStart = true;
            } else if (atStart) {
                if (t.type() != TokenType.IDENT || !DML.contains(t.value())) {
                    return false;
                }
                atStart = false;
                any = true;
            }
        }
        return any;
    }

    /**
     * Whether the text calls set_config, whose setting name a WHERE may pin to a literal compared with a column
     * ({@code set_config(name, ...) FROM pg_settings WHERE name = 'x'}): there a value decides what is set.
     */
    private static boolean callsSetConfig(List<Token> tokens) {
        for (int i = 0; i + 1 < tokens.size(); i++) {
            if (tokens.get(i).isKeyword("set_config") && tokens.get(i + 1).is(TokenType.LPAREN)) {
                return true;
            }
        }
        return false;
    }

    /** Char spans [start, end) of the value literals, in order, a unary minus included. */
    private static List<int[]> valueSpans(List<Token> tokens) {
        List<int[]> spans = new ArrayList<>();
        int depth = 0;
        int listDepth = -1; // paren depth whose direct elements are values (VALUES rows, IN lists)
        for (int i = 0; i < tokens.size(); i++) {
            Token t = tokens.get(i);
            if (t.is(TokenType.LPAREN)) {
                depth++;
                if (opensValueList(tokens, i)) {
                    listDepth = depth;
                }
                continue;
            }
            if (t.is(TokenType.RPAREN)) {
                if (depth == listDepth) {
                    listDepth = -1;
                }
                depth--;
                continue;
            }
            if (!isLiteral(t)) {
                continue;
            }
            int first = i;
            if (i > 0 && tokens.get(i - 1).isOperator("-") && t.is(TokenType.NUMBER) && isUnary(tokens, i - 1)) {
                first = i - 1;
            }
            if (first > 0 && isTypeName(tokens.get(first - 1))) {
                continue; // a typed literal (interval '1 day', timestamptz '...'): its type decides its meaning
            }
            boolean value = (depth == listDepth && isBareListElement(tokens, first, i))
                    || comparedWithColumn(tokens, first, i);
            if (value) {
                spans.add(new int[] {tokens.get(first).start(), t.end()});
            }
        }
        return spans;
    }

    private static boolean isLiteral(Token t) {
        return t.is(TokenType.NUMBER) || (t.is(TokenType.STRING) && t.text().startsWith("'"));
    }

    /** A '(' that opens a VALUES row or an IN list. */
    private static boolean opensValueList(List<Token> tokens, int paren) {
        if (paren == 0) {
            return false;
        }
        Token before = tokens.get(paren - 1);
        if (before.isKeyword("values")) {
            return true;
        }
        if (before.isKeyword("in")) { // not after a literal: 1 IN (1) compares constants, whose values decide
            int left = paren - 2 >= 0 && tokens.get(paren - 2).isKeyword("not") ? paren - 3 : paren - 2;
            return left < 0 || !isLiteral(tokens.get(left));
        }
        // further rows of a VALUES list: "), ("
        return before.is(TokenType.COMMA) && paren >= 2 && tokens.get(paren - 2).is(TokenType.RPAREN)
                && rowListContinues(tokens, paren - 2);
    }

    /** Whether the ')' at {@code close} ends a VALUES row (its '(' follows VALUES or another row's comma). */
    private static boolean rowListContinues(List<Token> tokens, int close) {
        int depth = 0;
        for (int i = close; i >= 0; i--) {
            Token t = tokens.get(i);
            if (t.is(TokenType.RPAREN)) {
                depth++;
            } else if (t.is(TokenType.LPAREN) && --depth == 0) {
                return i > 0 && (tokens.get(i - 1).isKeyword("values")
                        || (tokens.get(i - 1).is(TokenType.COMMA) && i >= 2 && tokens.get(i - 2).is(TokenType.RPAREN)
                                && rowListContinues(tokens, i - 2)));
            }
        }
        return false;
    }

    private static boolean isBareListElement(List<Token> tokens, int first, int last) {
        Token before = tokens.get(first - 1);
        Token after = last + 1 < tokens.size() ? tokens.get(last + 1) : null;
        return (before.is(TokenType.LPAREN) || before.is(TokenType.COMMA))
                && after != null && (after.is(TokenType.COMMA) || after.is(TokenType.RPAREN));
    }

    private static boolean comparedWithColumn(List<Token> tokens, int first, int last) {
        if (first >= 2) {
            Token op = tokens.get(first - 1);
            if (isValueOperator(op) && isColumn(tokens, first - 2)) {
                return endsOperand(tokens, last + 1);
            }
        }
        if (last + 2 < tokens.size()) {
            Token op = tokens.get(last + 1);
            if (isValueOperator(op) && isColumn(tokens, last + 2)) {
                return true;
            }
        }
        return false;
    }

    private static boolean isValueOperator(Token t) {
        return t.type() == TokenType.OPERATOR && (COMPARISONS.contains(t.text()) || ARITHMETIC.contains(t.text()));
    }

    /** A column reference: an identifier that is not a keyword and not a function name. */
    private static boolean isColumn(List<Token> tokens, int i) {
        Token t = tokens.get(i);
        if (t.is(TokenType.QUOTED_IDENT)) {
            return true;
        }
        if (!t.is(TokenType.IDENT) || NOT_COLUMNS.contains(t.value())
                || i > 0 && tokens.get(i - 1).is(TokenType.TYPECAST)) { // '1'::int = 1: a type, not a column
            return false;
        }
        if (i + 1 >= tokens.size()) {
            return true;
        }
        Token next = tokens.get(i + 1);
        return !next.is(TokenType.LPAREN) && !next.is(TokenType.STRING);
    }

    /** An identifier directly before a string literal makes it a typed literal (or a prefix like E, B, X). */
    private static boolean isTypeName(Token t) {
        return t.is(TokenType.IDENT) || t.is(TokenType.QUOTED_IDENT);
    }

    /** The literal is not followed by something that binds tighter to it (a cast, a subscript, a COLLATE...). */
    private static boolean endsOperand(List<Token> tokens, int next) {
        if (next >= tokens.size()) {
            return true;
        }
        Token t = tokens.get(next);
        return !t.is(TokenType.TYPECAST) && !t.is(TokenType.LBRACKET) && !t.isKeyword("collate")
                && !t.is(TokenType.DOT);
    }

    private static boolean isUnary(List<Token> tokens, int minus) {
        if (minus == 0) {
            return true;
        }
        Token before = tokens.get(minus - 1);
        return before.type() == TokenType.OPERATOR || before.is(TokenType.LPAREN) || before.is(TokenType.COMMA);
    }

    private static int highestParameter(List<Token> tokens) {
        int max = 0;
        for (Token t : tokens) {
            if (t.is(TokenType.PARAM)) {
                try {
                    max = Math.max(max, Integer.parseInt(t.text().substring(1)));
                } catch (NumberFormatException ignored) {
                    // a malformed parameter is the parser's problem, not a value
                }
            }
        }
        return max;
    }
}
