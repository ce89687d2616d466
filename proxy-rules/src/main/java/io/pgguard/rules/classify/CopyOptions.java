package io.pgguard.rules.classify;

import io.pgguard.rules.lex.Token;
import io.pgguard.rules.lex.TokenType;
import java.util.List;
import java.util.Locale;

/**
 * The options after a COPY's source or target, in both of PostgreSQL's grammars for them: the list in parentheses
 * ({@code WITH (FORMAT csv, HEADER)}) and the older bare keywords ({@code WITH CSV HEADER}).
 */
final class CopyOptions {
    private CopyOptions() {
    }

    /**
     * Whether the options ask for a header line, which a COPY TO sends as a CopyData of its own ahead of the rows.
     * A value PostgreSQL would refuse gives false (the statement fails before it sends anything).
     */
    static boolean sendsHeader(List<Token> options) {
        int i = 0;
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
                Token value = i + 1 < options.size() ? options.get(i + 1) : null;
                header = value == null || value.type() == TokenType.COMMA || value.type() == TokenType.RPAREN
                        || isTrue(value);
            }
            elementStart = false;
        }
        return header;
    }

    /** {@code [BINARY] [DELIMITER 'x'] ... [CSV [HEADER] [FORCE QUOTE columns] ...]}. */
    private static boolean headerInBareKeywords(List<Token> options, int first) {
        for (int i = first; i < options.size(); i++) {
            Token t = options.get(i);
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

    /** PostgreSQL's choices for HEADER: 1, or true or on in any case, as a word or a string. */
    private static boolean isTrue(Token value) {
        return switch (value.type()) {
            case NUMBER -> value.text().equals("1");
            case IDENT, QUOTED_IDENT, STRING -> {
                String v = value.value().toLowerCase(Locale.ROOT);
                yield v.equals("true") || v.equals("on");
            }
            default -> false;
        };
    }
}
