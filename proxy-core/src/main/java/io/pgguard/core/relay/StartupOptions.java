package io.pgguard.core.relay;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Settings a startup packet makes, directly ("search_path" = ...) or through "options", read as the server reads
 * it: split into words at whitespace (a backslash escapes the next character), then the words taken as the
 * server's command-line switches by getopt, so "-c name=value", "-cname=value", "--name=value" and single-letter
 * switches grouped ahead of c ("-ecrole=bob" is -e then -c role=bob).
 */
public final class StartupOptions {
    /** The server's switches that take an argument (PostgreSQL's getopt string), '-' being --name=value. */
    private static final String SWITCHES_WITH_ARGUMENT = "BcCDdfhkNprStvW-";
    /** Its switches that take none. */
    private static final String SWITCHES_WITHOUT_ARGUMENT = "bEeFijlnOPsT";

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
            for (String assignment : assignments(words(options))) {
                int eq = assignment.indexOf('=');
                if (eq > 0) {
                    settings.put(assignment.substring(0, eq).toLowerCase(Locale.ROOT).replace('-', '_'),
                            assignment.substring(eq + 1));
                }
            }
        }
        return settings;
    }

    /**
     * The arguments of every -c and -- switch, found as getopt finds them: a word of switches is read letter by
     * letter, and a switch that takes an argument takes the rest of its word, or the next word when none is left.
     * Words that are no switches are skipped (the server refuses the connection for them anyway), as is the rest of
     * a word after a letter that is no switch.
     */
    private static List<String> assignments(List<String> words) {
        List<String> assignments = new ArrayList<>();
        for (int i = 0; i < words.size(); i++) {
            String word = words.get(i);
            if (word.length() < 2 || word.charAt(0) != '-' || word.equals("--")) {
                continue;
            }
            for (int j = 1; j < word.length(); j++) {
                char letter = word.charAt(j);
                if (SWITCHES_WITH_ARGUMENT.indexOf(letter) >= 0) {
                    String argument = null;
                    if (j + 1 < word.length()) {
                        argument = word.substring(j + 1);
                    } else if (i + 1 < words.size()) {
                        argument = words.get(++i);
                    }
                    if (argument != null && (letter == 'c' || letter == '-')) {
                        assignments.add(argument);
                    }
                    break;
                }
                if (SWITCHES_WITHOUT_ARGUMENT.indexOf(letter) < 0) {
                    break;
                }
            }
        }
        return assignments;
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
            } else if (isSpace(ch)) {
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

    /** C's isspace, which the server splits options with: no other character separates words. */
    private static boolean isSpace(char ch) {
        return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == '\f' || ch == 0x0B;
    }
}
