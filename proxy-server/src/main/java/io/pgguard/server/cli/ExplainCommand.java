package io.pgguard.server.cli;

import io.pgguard.core.relay.StartupOptions;
import io.pgguard.rules.Decision;
import io.pgguard.rules.PolicyEngine;
import io.pgguard.rules.StatementContext;
import io.pgguard.rules.StatementSource;
import io.pgguard.server.config.ConfigException;
import io.pgguard.server.config.PgGuardConfig;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Prints the decision on a SQL text for a user: what it would do, the facts, and the rule that decided. */
@Command(name = "explain", mixinStandardHelpOptions = true,
        description = "Show what the rules would do with a SQL text, and why.")
final class ExplainCommand implements Callable<Integer> {
    @Mixin
    ConfigOptions options = new ConfigOptions();

    @Option(names = "--user", required = true, description = "The user the statement would run as.")
    String user;

    @Option(names = "--database", description = "The database (default: the user name, as PostgreSQL does).")
    String database;

    @Option(names = "--upstream-name", description = "The upstream (default: where --database routes).")
    String upstreamName;

    @Option(names = "--parse", description = "Judge the text as sent in a Parse message (extended protocol).")
    boolean parse;

    @Option(names = "--search-path", paramLabel = "SCHEMAS",
            description = "The session's search_path as SHOW search_path prints it (default: public). An"
                    + " unqualified name must be allowed in each schema on it; \"$user\" is taken as absent.")
    String searchPath;

    @Option(names = "--role", paramLabel = "ROLE",
            description = "The role the session acts as after SET ROLE (default: the login user, as after RESET ROLE).")
    String role;

    @Option(names = "--standard-conforming-strings", paramLabel = "on|off", defaultValue = "on",
            description = "The session's standard_conforming_strings (default: ${DEFAULT-VALUE}); with off, a"
                    + " backslash in a '' string escapes the character after it, as PostgreSQL reads it then.")
    String standardConformingStrings;

    @Parameters(paramLabel = "SQL", description = "The statement text, as the client would send it.")
    String sql;

    @Override
    public Integer call() {
        PgGuardConfig config;
        try {
            config = PgGuardConfig.load(options.config, options.overrides());
        } catch (ConfigException e) {
            System.err.println("invalid configuration: " + e.getMessage());
            return 2;
        }
        Boolean conforming = onOrOff(standardConformingStrings);
        if (conforming == null) {
            System.err.println("--standard-conforming-strings takes on or off (or true/false, yes/no, 1/0), not "
                    + standardConformingStrings);
            return 2;
        }
        String db = database == null ? user : database;
        var upstream = upstreamName != null
                ? config.proxySettings().routing().byDatabase().values().stream()
                        .filter(u -> u.name().equals(upstreamName)).findFirst()
                        .orElse(config.proxySettings().routing().defaultUpstream())
                : config.proxySettings().routing().route(db);
        List<String> path = searchPath == null ? null : StartupOptions.searchPath(Map.of("search_path", searchPath));
        StatementContext context = new StatementContext(user, db, upstream.environment(), role, conforming,
                parse ? StatementSource.PARSE : StatementSource.SIMPLE_QUERY).withSearchPath(path);
        Decision decision = new PolicyEngine(config.rules(), 16).decide(sql, context);
        System.out.println("decision: " + decision.action()
                + (decision.matchedRuleId() == null ? "" : " (rule " + decision.matchedRuleId() + ")"));
        if (decision.rejected()) {
            System.out.println("error:    " + decision.rejection().sqlState() + " " + decision.rejection().message());
            if (decision.rejection().detail() != null) {
                System.out.println("detail:   " + decision.rejection().detail());
            }
            if (decision.rejection().hint() != null) {
                System.out.println("hint:     " + decision.rejection().hint());
            }
        }
        if (decision.action() == Decision.Action.REWRITE) {
            System.out.println("rewritten: " + decision.sql());
        }
        System.out.println("user " + user + ", database " + db + ", upstream " + upstream.name() + " (environment "
                + upstream.environment() + "), search_path " + (path == null ? "public" : String.join(", ", path))
                + (role == null ? "" : ", role " + role) + (conforming ? "" : ", standard_conforming_strings off"));
        System.out.println(decision.explanation());
        return 0;
    }

    /** PostgreSQL's whole-word spellings of a boolean setting; null for anything else. */
    private static Boolean onOrOff(String value) {
        return switch (value.toLowerCase(java.util.Locale.ROOT)) {
            case "on", "true", "yes", "1" -> true;
            case "off", "false", "no", "0" -> false;
            default -> null;
        };
    }
}
