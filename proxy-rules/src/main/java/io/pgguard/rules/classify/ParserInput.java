package io.pgguard.rules.classify;

import io.pgguard.rules.lex.Token;
import io.pgguard.rules.lex.TokenType;
import java.util.ArrayList;
import java.util.List;

/**
 * The text handed to JSqlParser for one statement, rebuilt from our tokens so that the parser cannot misread it:
 * comments and all layout become single spaces (no blank lines for its statement separator, no "go" or "/" lines),
 * every string constant, whatever its quoting (E'', U&'', $tag$, B'', scs=off backslashes), becomes the plain
 * placeholder '__pgguard_lit_N' whose decoded value is kept here, and quoted identifiers are re-quoted plainly.
 */
final class ParserInput {
    private static final String PLACEHOLDER = "__pgguard_lit_";

    final String text;
    private final List<String> literalValues;

    private ParserInput(String text, List<String> literalValues) {
        this.text = text;
        this.literalValues = literalValues;
    }

    static ParserInput of(List<Token> tokens) {
        return of(tokens, false);
    }

    /**
     * With {@code quoteAliases}, every identifier after AS (outside CAST(...)) is written quoted, as its folded
     * value: PostgreSQL accepts any keyword as a column label after AS ("... IS NOT NULL AS exists"), JSqlParser
     * does not. Used for a second attempt only; the meaning is unchanged because the value is already folded.
     */
    static ParserInput of(List<Token> tokens, boolean quoteAliases) {
        StringBuilder b = new StringBuilder();
        List<String> values = new ArrayList<>();
        java.util.ArrayDeque<Boolean> castParens = new java.util.ArrayDeque<>();
        Token previous = null;
        for (Token t : tokens) {
            boolean alias = quoteAliases && previous != null && previous.isKeyword("as") && t.type() == TokenType.IDENT
                    && !Boolean.TRUE.equals(castParens.peek());
            if (t.type() == TokenType.LPAREN) {
                castParens.push(previous != null && previous.isKeyword("cast"));
            } else if (t.type() == TokenType.RPAREN && !castParens.isEmpty()) {
                castParens.pop();
            }
            if (alias) {
                if (previous.end() != t.start()) {
                    b.append(' ');
                }
                b.append('"').append(t.value()).append('"');
                previous = t;
                continue;
            }
            if (previous != null && previous.end() != t.start()) {
                b.append(' ');
            }
            switch (t.type()) {
                case STRING -> {
                    b.append('\'').append(PLACEHOLDER).append(values.size()).append('\'');
                    values.add(t.value());
                }
                case QUOTED_IDENT -> b.append('"').append(t.value().replace("\"", "\"\"")).append('"');
                default -> b.append(t.text());
            }
            previous = t;
        }
        return new ParserInput(b.toString(), List.copyOf(values));
    }

    /** The decoded value of a string constant as JSqlParser reports it, or null if it is not one of ours. */
    String literal(String parserValue) {
        if (parserValue == null || !parserValue.startsWith(PLACEHOLDER)) {
            return null;
        }
        try {
            int i = Integer.parseInt(parserValue.substring(PLACEHOLDER.length()));
            return i < literalValues.size() ? literalValues.get(i) : null;
        } catch (NumberFormatException e) {
            return null;
        }
    }

    static boolean hasType(List<Token> tokens, TokenType type) {
        return tokens.stream().anyMatch(t -> t.type() == type);
    }
}
