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
        StringBuilder b = new StringBuilder();
        List<String> values = new ArrayList<>();
        Token previous = null;
        for (Token t : tokens) {
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
