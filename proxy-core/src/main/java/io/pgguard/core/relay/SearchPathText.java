package io.pgguard.core.relay;

import java.util.ArrayList;
import java.util.List;

/**
 * A search_path setting's text as PostgreSQL reads it: schema names separated by commas, each a bare identifier
 * (ASCII letters folded to lower case) or a double-quoted one (kept as written, {@code ""} for a quote, commas
 * allowed). Text PostgreSQL would refuse (a stray comma, an unclosed quote) is read leniently: the server refuses
 * such a startup packet itself.
 */
final class SearchPathText {
    private SearchPathText() {}

    static List<String> parse(String value) {
        List<String> schemas = new ArrayList<>();
        StringBuilder name = new StringBuilder();
        boolean quoted = false;
        boolean wasQuoted = false;
        for (int i = 0; i < value.length(); i++) {
            char ch = value.charAt(i);
            if (quoted) {
                if (ch != '"') {
                    name.append(ch);
                } else if (i + 1 < value.length() && value.charAt(i + 1) == '"') {
                    name.append('"');
                    i++;
                } else {
                    quoted = false;
                }
            } else if (ch == '"') {
                quoted = true;
                wasQuoted = true;
            } else if (ch == ',') {
                add(schemas, name, wasQuoted);
                wasQuoted = false;
            } else if (!Character.isWhitespace(ch)) {
                name.append(ch >= 'A' && ch <= 'Z' ? (char) (ch + ('a' - 'A')) : ch); // ASCII, as PostgreSQL folds
            }
        }
        add(schemas, name, wasQuoted);
        return schemas;
    }

    private static void add(List<String> schemas, StringBuilder name, boolean wasQuoted) {
        if (name.length() > 0 || wasQuoted) {
            schemas.add(name.toString());
        }
        name.setLength(0);
    }
}
