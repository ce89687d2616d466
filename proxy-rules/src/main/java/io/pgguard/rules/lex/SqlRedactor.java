package io.pgguard.rules.lex;

import java.util.List;

/**
 * Replaces every literal value (strings of any quoting, numbers) by '?' so that statement text can be logged and
 * audited without the data or secrets it carries (e.g. CREATE ROLE ... PASSWORD 'x'). Comments, identifiers and
 * layout are kept. Text that does not lex is redacted from the point where lexing failed.
 */
public final class SqlRedactor {
    private SqlRedactor() {
    }

    public static String redact(String sql, boolean standardConformingStrings) {
        if (sql == null) {
            return null;
        }
        try {
            return replaceLiterals(sql, SqlLexer.tokenize(sql, standardConformingStrings));
        } catch (LexException e) {
            String prefix = sql.substring(0, Math.min(e.position(), sql.length()));
            try {
                return replaceLiterals(prefix, SqlLexer.tokenize(prefix, standardConformingStrings)) + "?";
            } catch (LexException nested) {
                return "?";
            }
        }
    }

    private static String replaceLiterals(String sql, List<Token> tokens) {
        StringBuilder out = new StringBuilder(sql.length());
        int copied = 0;
        for (Token t : tokens) {
            if (t.type() == TokenType.STRING || t.type() == TokenType.NUMBER) {
                out.append(sql, copied, t.start()).append('?');
                copied = t.end();
            }
        }
        return out.append(sql, copied, sql.length()).toString();
    }

    /**
     * A normalised form for grouping statements in metrics and logs: comments and layout dropped, literals as '?',
     * unquoted identifiers and keywords lowercased, parameters kept.
     */
    public static String fingerprint(List<Token> tokens) {
        StringBuilder out = new StringBuilder();
        for (Token t : tokens) {
            if (!out.isEmpty()) {
                out.append(' ');
            }
            switch (t.type()) {
                case STRING, NUMBER -> out.append('?');
                case IDENT -> out.append(t.value());
                default -> out.append(t.text());
            }
        }
        return out.toString();
    }
}
