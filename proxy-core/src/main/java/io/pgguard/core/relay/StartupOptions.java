package io.pgguard.core.relay;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Settings a startup packet makes, directly ("search_path" = ...) or through "options" ("-c name=value" or
 * "--name=value", backslash escapes a space), as the server will apply them.
 */
public final class StartupOptions {
    private StartupOptions() {}

    /** Every setting the packet makes, names lower-cased; "options" wins over a direct parameter, as in PostgreSQL. */
    public static Map<String, String> settings(Map<String, String> parameters) {
        Map<String, String> settings = new LinkedHashMap<>();
        parameters.forEach((k, v) -> {
            if (!k.equals("user") && !k.equals("database") && !k.equals("options") && !k.equals("replication")) {
                settings.put(k.toLowerCase(Locale.ROOT), v);
            }
        });
        String options = parameters.get("options");
        if (options != null) {
            List<String> words = words(options);
            for (int i = 0; i < words.size(); i++) {
                String w = words.get(i);
                String assignment = null;
                if (w.equals("-c") && i + 1 < words.size()) {
                    assignment = words.get(++i);
                } else if (w.startsWith("-c")) {
                    assignment = w.substring(2);
                } else if (w.startsWith("--")) {
                    assignment = w.substring(2);
                }
                int eq = assignment == null ? -1 : assignment.indexOf('=');
                if (eq > 0) {
                    settings.put(assignment.substring(0, eq).toLowerCase(Locale.ROOT).replace('-', '_'),
                            assignment.substring(eq + 1));
                }
            }
        }
        return settings;
    }

    /** The search_path the packet sets, as schema names, or null when it sets none. */
    public static List<String> searchPath(Map<String, String> parameters) {
        String value = settings(parameters).get("search_path");
        if (value == null) {
            return null;
        }
        return SearchPathText.parse(value);
    }

    private static List<String> words(String options) {
        List<String> words = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (int i = 0; i < options.length(); i++) {
            char ch = options.charAt(i);
            if (ch == '\\' && i + 1 < options.length()) {
                current.append(options.charAt(++i));
            } else if (Character.isWhitespace(ch)) {
                if (current.length() > 0) {
                    words.add(current.toString());
                    current.setLength(0);
                }
            } else {
                current.append(ch);
            }
        }
        if (current.length() > 0) {
            words.add(current.toString());
        }
        return words;
    }
}
