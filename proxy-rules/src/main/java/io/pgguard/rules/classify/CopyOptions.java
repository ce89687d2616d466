package io.pgguard.rules.classify;

import io.pgguard.rules.lex.Token;
import io.pgguard.rules.lex.TokenType;
import java.util.List;
import java.util.Locale;

/**
 * The options after a COPY's source or target, in both of PostgreSQL's grammars for them: the list in parentheses
 * ({@code WITH (FORMAT csv, HEADER)}) and the older bare keywords ({@code WITH CSV HEADER}), either of them after
 * the oldest form's {@code [USING] DELIMITERS 'x'}.
 */
final class CopyOptions {
    private CopyOptions() {
    }

    /**
     * Whether the options ask for a header line, which a COPY TO sends as a CopyData of its own ahead of the rows.
     * True only where PostgreSQL sends one, or refuses the statement before it sends anything; what is not read
     * here gives false, and the header line then counts as a row.
     */
    static boolean sendsHeader(List<Token> options) {
        int i = 0;
        if (i < options.size() && options.get(i).isKeyword("using")) {
            i++;
        }
        if (i < options.size() && options.get(i).isKeyword("delimiters")) {
            i += 2; // and its string
        }
        if (i < options.size() && options.get(i).isKeyword("with")) {
            i++;
        }
        if (i < options.size() && options.get(i).type() == TokenType.LPAREN) {
            return headerInList(options, i + 1);
        }
        return headerInBareKeywords(options, i);
    }

    /** {@code name [value], ...)}: each element starts after the '(' or a top-level comma. */
    private static boolean headerInList(List<Token> options, int first) {
        boolean header = false;
        boolean elementStart = true;
        int depth = 1;
        for (int i = first; i < options.size() && depth > 0; i++) {
            Token t = options.get(i);
            if (t.type() == TokenType.LPAREN) {
                depth++;
            } else if (t.type() == TokenType.RPAREN) {
                depth--;
            } else if (depth == 1 && t.type() == TokenType.COMMA) {
                elementStart = true;
                continue;
            } else if (depth == 1 && elementStart && isName(t, "header")) {
                header = isTrue(options, i + 1);
            }
            elementStart = false;
        }
        return header;
    }

    /**
     * {@code [BINARY] [DELIMITER 'x'] ... [CSV [HEADER] [FORCE QUOTE columns] ...]}, which has no parentheses: where
     * one comes, this is no form read here.
     */
    private static boolean headerInBareKeywords(List<Token> options, int first) {
        for (int i = first; i < options.size(); i++) {
            Token t = options.get(i);
            if (t.type() == TokenType.LPAREN) {
                return false;
            }
            if (t.isKeyword("header")) {
                return true;
            }
            if (t.isKeyword("force")) {
                i = afterForcedColumns(options, i + 1);
            }
        }
        return false;
    }

    /** Skips {@code QUOTE | NOT NULL | NULL} and the column list or '*' after FORCE: a column may be named header. */
    private static int afterForcedColumns(List<Token> options, int i) {
        while (i < options.size() && (options.get(i).isKeyword("quote") || options.get(i).isKeyword("not")
                || options.get(i).isKeyword("null"))) {
            i++;
        }
        i++; // the first column, or '*'
        while (i + 1 < options.size() && options.get(i).type() == TokenType.COMMA) {
            i += 2;
        }
        return i - 1;
    }

    private static boolean isName(Token t, String name) {
        return t.isKeyword(name) || (t.type() == TokenType.QUOTED_IDENT && t.value().equals(name));
    }

    /**
     * The value after HEADER at {@code at} asks for the line: none at all, the integer 1 (+1, 01, 0x1...), or true
     * or on in any case, as a word or a string, bare or as the one element of a parenthesized list (PostgreSQL
     * joins a list's words with dots before it reads them as a boolean, so only a list of one can be true).
     */
    private static boolean isTrue(List<Token> options, int at) {
        Token value = at < options.size() ? options.get(at) : null;
        if (value == null || value.type() == TokenType.COMMA || value.type() == TokenType.RPAREN) {
            return true;
        }
        if (value.type() == TokenType.OPERATOR && value.text().equals("+") && at + 1 < options.size()) {
            value = options.get(at + 1);
            return value.type() == TokenType.NUMBER && isOne(value.text());
        }
        if (value.type() == TokenType.LPAREN) {
            return at + 2 < options.size() && options.get(at + 2).type() == TokenType.RPAREN
                    && isTrueWord(options.get(at + 1));
        }
        return value.type() == TokenType.NUMBER ? isOne(value.text()) : isTrueWord(value);
    }

    private static boolean isTrueWord(Token value) {
        return switch (value.type()) {
            case IDENT, QUOTED_IDENT, STRING -> {
                String v = value.value().toLowerCase(Locale.ROOT);
                yield v.equals("true") || v.equals("on");
            }
            default -> false;
        };
    }

    /** An integer literal of value 1 in any of PostgreSQL's notations (decimal, 0x, 0o, 0b, with underscores). */
    private static boolean isOne(String number) {
        String digits = number.replace("_", "");
        int radix = 10;
        if (digits.length() > 2 && digits.charAt(0) == '0' && "xXoObB".indexOf(digits.charAt(1)) >= 0) {
            radix = switch (Character.toLowerCase(digits.charAt(1))) {
                case 'x' -> 16;
                case 'o' -> 8;
                default -> 2;
            };
            digits = digits.substring(2);
        }
        try {
            return new java.math.BigInteger(digits, radix).equals(java.math.BigInteger.ONE);
        } catch (NumberFormatException e) {
            return false; // 1.0, 1e0: not integers, which PostgreSQL refuses for HEADER
        }
    }
}
