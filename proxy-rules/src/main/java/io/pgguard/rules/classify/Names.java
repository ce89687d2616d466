package io.pgguard.rules.classify;

import io.pgguard.rules.lex.SqlLexer;

/** Identifier normalisation as PostgreSQL does it: quoted names keep their case, others fold to lowercase. */
final class Names {
    private Names() {
    }

    static String normalize(String raw) {
        if (raw == null) {
            return null;
        }
        if (raw.length() >= 2 && raw.startsWith("\"") && raw.endsWith("\"")) {
            return raw.substring(1, raw.length() - 1).replace("\"\"", "\"");
        }
        return SqlLexer.asciiLower(raw);
    }
}
