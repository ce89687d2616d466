package io.pgguard.rules.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import io.pgguard.rules.CommandKind;
import io.pgguard.rules.RuleConfigException;
import io.pgguard.rules.TableAccess.Access;
import io.pgguard.rules.classify.FunctionCatalog;
import io.pgguard.rules.classify.UserFunction;
import io.pgguard.rules.policy.Glob;
import io.pgguard.rules.policy.Policy;
import io.pgguard.rules.policy.RoleGrant;
import io.pgguard.rules.policy.Rule;
import io.pgguard.rules.policy.TableGrant;
import io.pgguard.rules.policy.UserMapping;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Reads and validates the rules section (the object under {@code pgguard.rules}). Every problem is reported as a
 * {@link RuleConfigException} whose message names the full key, e.g. {@code pgguard.rules.rules[2].kinds}.
 */
public final class RulesConfigParser {
    static final String PREFIX = "pgguard.rules";
    private static final Set<String> TOP_KEYS = Set.of("id", "dry-run", "users-without-rules", "catalog-reads",
            "users", "roles", "functions", "rules");
    private static final Set<String> RULE_KEYS = Set.of("id", "type", "message", "mode", "sqlstate", "users",
            "environments", "databases", "kinds", "allow-roles", "allow-schemas", "action", "max-rows");
    /** Rule types every governed user gets even when the config does not declare them. */
    private static final List<Rule.Type> IMPLICIT = List.of(Rule.Type.UNKNOWN_EFFECT, Rule.Type.DENIED_FUNCTIONS,
            Rule.Type.ROLE_SWITCH, Rule.Type.SEARCH_PATH, Rule.Type.GRANTS);

    private RulesConfigParser() {
    }

    public static Policy parse(Config section) {
        try {
            return parseChecked(section);
        } catch (ConfigException e) {
            throw new RuleConfigException("invalid rules configuration: " + e.getMessage(), e);
        }
    }

    private static Policy parseChecked(Config c) {
        for (String key : c.root().keySet()) {
            if (!TOP_KEYS.contains(key)) {
                throw error(key, "unknown key; expected one of " + new java.util.TreeSet<>(TOP_KEYS));
            }
        }
        String id = c.hasPath("id") ? c.getString("id") : "rules";
        boolean dryRun = c.hasPath("dry-run") && c.getBoolean("dry-run");
        boolean withoutRulesAllowed = allowDeny(c, "users-without-rules", true);
        boolean catalogReads = allowDeny(c, "catalog-reads", true);
        Map<String, RoleGrant> roles = roles(c);
        List<UserMapping> users = users(c, roles);
        FunctionCatalog functions = new FunctionCatalog(functions(c));
        List<Rule> rules = rules(c);
        return new Policy(id, dryRun, withoutRulesAllowed, catalogReads, users, roles, functions, rules);
    }

    static RuleConfigException error(String key, String problem) {
        return new RuleConfigException(PREFIX + "." + key + ": " + problem);
    }

    private static boolean allowDeny(Config c, String key, boolean dflt) {
        if (!c.hasPath(key)) {
            return dflt;
        }
        String v = c.getString(key).trim().toLowerCase(Locale.ROOT);
        if (!v.equals("allow") && !v.equals("deny")) {
            throw error(key, "must be allow or deny, not '" + v + "'");
        }
        return v.equals("allow");
    }

    private static Map<String, RoleGrant> roles(Config c) {
        Map<String, RoleGrant> out = new LinkedHashMap<>();
        if (!c.hasPath("roles")) {
            return out;
        }
        ConfigObject roles = c.getObject("roles");
        for (String name : roles.keySet()) {
            String key = "roles." + quote(name);
            ConfigValue v = roles.get(name);
            if (v.valueType() != ConfigValueType.OBJECT) {
                throw error(key, "must be an object with statements and tables");
            }
            Config role = ((ConfigObject) v).toConfig();
            for (String k : role.root().keySet()) {
                if (!k.equals("statements") && !k.equals("tables")) {
                    throw error(key + "." + k, "unknown key; expected statements or tables");
                }
            }
            Set<CommandKind> statements = role.hasPath("statements")
                    ? kinds(role.getStringList("statements"), key + ".statements") : EnumSet.noneOf(CommandKind.class);
            List<TableGrant> tables = new ArrayList<>();
            if (role.hasPath("tables")) {
                List<? extends ConfigObject> list = role.getObjectList("tables");
                for (int i = 0; i < list.size(); i++) {
                    tables.add(tableGrant(list.get(i).toConfig(), key + ".tables[" + i + "]"));
                }
            }
            out.put(name, new RoleGrant(name, statements, tables));
        }
        return out;
    }

    private static TableGrant tableGrant(Config t, String key) {
        for (String k : t.root().keySet()) {
            if (!k.equals("on") && !k.equals("privileges")) {
                throw error(key + "." + k, "unknown key; expected on and privileges");
            }
        }
        if (!t.hasPath("on") || !t.hasPath("privileges")) {
            throw error(key, "needs both 'on' (schema.table patterns) and 'privileges'");
        }
        List<Glob> on = new ArrayList<>();
        for (String p : t.getStringList("on")) {
            if (!p.contains(".")) {
                throw error(key + ".on", "pattern '" + p + "' must be schema.table (e.g. public.*)");
            }
            on.add(new Glob(p));
        }
        Set<Access> privileges = EnumSet.noneOf(Access.class);
        for (String p : t.getStringList("privileges")) {
            switch (p.trim().toUpperCase(Locale.ROOT)) {
                case "SELECT" -> privileges.add(Access.READ);
                case "INSERT" -> privileges.add(Access.INSERT);
                case "UPDATE" -> {
                    privileges.add(Access.UPDATE);
                    privileges.add(Access.LOCK); // row locks need UPDATE in PostgreSQL too
                }
                case "DELETE" -> privileges.add(Access.DELETE);
                case "TRUNCATE" -> privileges.add(Access.TRUNCATE);
                case "DDL" -> privileges.add(Access.DDL);
                case "ALL" -> privileges.addAll(EnumSet.allOf(Access.class));
                default -> throw error(key + ".privileges",
                        "unknown privilege '" + p + "'; expected SELECT, INSERT, UPDATE, DELETE, TRUNCATE, DDL or ALL");
            }
        }
        return new TableGrant(List.copyOf(on), privileges);
    }

    private static List<UserMapping> users(Config c, Map<String, RoleGrant> roles) {
        List<UserMapping> out = new ArrayList<>();
        if (!c.hasPath("users")) {
            return out;
        }
        ConfigObject users = c.getObject("users");
        for (String pattern : users.keySet()) {
            String key = "users." + quote(pattern);
            ConfigValue v = users.get(pattern);
            if (v.valueType() != ConfigValueType.LIST) {
                throw error(key, "must be a list of role names");
            }
            List<String> names = new ArrayList<>();
            for (ConfigValue item : (ConfigList) v) {
                String role = String.valueOf(item.unwrapped());
                if (!roles.containsKey(role)) {
                    throw error(key, "role '" + role + "' is not defined under " + PREFIX + ".roles");
                }
                names.add(role);
            }
            out.add(new UserMapping(new Glob(pattern), List.copyOf(names)));
        }
        return out;
    }

    private static Map<String, UserFunction> functions(Config c) {
        Map<String, UserFunction> out = new LinkedHashMap<>();
        if (!c.hasPath("functions")) {
            return out;
        }
        ConfigObject functions = c.getObject("functions");
        for (String name : functions.keySet()) {
            String key = "functions." + quote(name);
            if (FunctionCatalog.isDenied(name.substring(name.lastIndexOf('.') + 1))) {
                throw error(key, "is on the built-in deny list and cannot be allowed");
            }
            ConfigValue v = functions.get(name);
            if (v.valueType() != ConfigValueType.OBJECT) {
                throw error(key, "must be an object with effect = read-only | writes");
            }
            Config f = ((ConfigObject) v).toConfig();
            String effect = f.hasPath("effect") ? f.getString("effect") : "";
            List<String> tables = f.hasPath("tables") ? f.getStringList("tables") : List.of();
            switch (effect) {
                case "read-only" -> out.put(name, new UserFunction(name, true, List.of()));
                case "writes" -> {
                    if (tables.isEmpty()) {
                        throw error(key + ".tables", "a function with effect = writes must list the tables it writes");
                    }
                    out.put(name, new UserFunction(name, false, tables));
                }
                default -> throw error(key + ".effect", "must be read-only or writes");
            }
        }
        return out;
    }

    private static List<Rule> rules(Config c) {
        List<Rule> out = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        if (c.hasPath("rules")) {
            List<? extends ConfigObject> list = c.getObjectList("rules");
            for (int i = 0; i < list.size(); i++) {
                Rule r = rule(list.get(i).toConfig(), "rules[" + i + "]");
                if (!ids.add(r.id())) {
                    throw error("rules[" + i + "].id", "duplicate rule id '" + r.id() + "'");
                }
                out.add(r);
            }
        }
        for (Rule.Type type : IMPLICIT) {
            if (out.stream().noneMatch(r -> r.type() == type)) {
                out.add(implicitRule(type));
            }
        }
        return List.copyOf(out);
    }

    private static Rule implicitRule(Rule.Type type) {
        return new Rule(type.configName, type, defaultMessage(type), false, "42501", Policy.ANY_USER,
                List.of(new Glob("*")), List.of(new Glob("*")), Set.of(), List.of(), false, -1, true, false);
    }

    private static Rule rule(Config r, String key) {
        for (String k : r.root().keySet()) {
            if (!RULE_KEYS.contains(k)) {
                throw error(key + "." + k, "unknown key; expected one of " + new java.util.TreeSet<>(RULE_KEYS));
            }
        }
        if (!r.hasPath("id") || r.getString("id").isBlank()) {
            throw error(key + ".id", "every rule needs an id");
        }
        if (!r.hasPath("type")) {
            throw error(key + ".type", "missing; one of " + typeNames());
        }
        Rule.Type type = Rule.Type.of(r.getString("type"));
        if (type == null) {
            throw error(key + ".type", "unknown type '" + r.getString("type") + "'; one of " + typeNames());
        }
        String mode = r.hasPath("mode") ? r.getString("mode") : "enforce";
        if (!mode.equals("enforce") && !mode.equals("dry-run")) {
            throw error(key + ".mode", "must be enforce or dry-run");
        }
        String sqlState = r.hasPath("sqlstate") ? r.getString("sqlstate") : "42501";
        if (!sqlState.matches("[0-9A-Z]{5}")) {
            throw error(key + ".sqlstate", "must be a five-character SQLSTATE such as 42501");
        }
        List<Glob> users = r.hasPath("users") ? globs(r.getStringList("users")) : Policy.ANY_USER;
        List<Glob> envs = r.hasPath("environments") ? globs(r.getStringList("environments")) : List.of(new Glob("*"));
        List<Glob> dbs = r.hasPath("databases") ? globs(r.getStringList("databases")) : List.of(new Glob("*"));
        Set<CommandKind> kinds = ruleKinds(r, key, type);
        List<Glob> names = List.of();
        if (r.hasPath("allow-roles")) {
            requireType(key + ".allow-roles", type, Rule.Type.ROLE_SWITCH);
            names = globs(r.getStringList("allow-roles"));
        }
        if (r.hasPath("allow-schemas")) {
            requireType(key + ".allow-schemas", type, Rule.Type.SEARCH_PATH);
            names = globs(r.getStringList("allow-schemas"));
        }
        boolean allow = false;
        if (r.hasPath("action")) {
            requireType(key + ".action", type, Rule.Type.UNKNOWN_EFFECT);
            String action = r.getString("action");
            if (!action.equals("reject") && !action.equals("allow")) {
                throw error(key + ".action", "must be reject or allow");
            }
            allow = action.equals("allow");
        }
        long maxRows = -1;
        if (type == Rule.Type.READ_ROW_CAP || type == Rule.Type.WRITE_ROW_CAP) {
            if (!r.hasPath("max-rows") || r.getLong("max-rows") <= 0) {
                throw error(key + ".max-rows", "a " + type.configName + " rule needs max-rows > 0");
            }
            maxRows = r.getLong("max-rows");
        } else if (r.hasPath("max-rows")) {
            throw error(key + ".max-rows", "only for read-row-cap and write-row-cap rules");
        }
        String message = r.hasPath("message") ? r.getString("message") : defaultMessage(type);
        return new Rule(r.getString("id"), type, message, mode.equals("dry-run"), sqlState, users, envs, dbs, kinds,
                names, allow, maxRows, false, r.hasPath("users"));
    }

    private static Set<CommandKind> ruleKinds(Config r, String key, Rule.Type type) {
        if (type == Rule.Type.FORBID) {
            if (!r.hasPath("kinds")) {
                throw error(key + ".kinds", "a forbid rule needs the statement kinds it forbids");
            }
            return kinds(r.getStringList("kinds"), key + ".kinds");
        }
        if (type == Rule.Type.REQUIRE_WHERE) {
            Set<CommandKind> kinds = r.hasPath("kinds") ? kinds(r.getStringList("kinds"), key + ".kinds")
                    : EnumSet.of(CommandKind.UPDATE, CommandKind.DELETE, CommandKind.MERGE);
            for (CommandKind k : kinds) {
                if (k != CommandKind.UPDATE && k != CommandKind.DELETE && k != CommandKind.MERGE) {
                    throw error(key + ".kinds", "require-where applies to UPDATE, DELETE and MERGE only, not " + k);
                }
            }
            return kinds;
        }
        if (r.hasPath("kinds")) {
            throw error(key + ".kinds", "only for forbid and require-where rules");
        }
        return Set.of();
    }

    private static void requireType(String key, Rule.Type actual, Rule.Type expected) {
        if (actual != expected) {
            throw new RuleConfigException(PREFIX + "." + key + ": only for " + expected.configName + " rules");
        }
    }

    static Set<CommandKind> kinds(List<String> words, String key) {
        Set<CommandKind> out = EnumSet.noneOf(CommandKind.class);
        for (String w : words) {
            Set<CommandKind> resolved = CommandKind.resolve(w);
            if (resolved == null) {
                throw error(key, "unknown statement kind or group '" + w + "'; groups: "
                        + CommandKind.groupNamesForHelp() + "; kinds: " + java.util.Arrays.toString(CommandKind.values()));
            }
            out.addAll(resolved);
        }
        return out;
    }

    private static List<Glob> globs(List<String> patterns) {
        return patterns.stream().map(Glob::new).toList();
    }

    private static String typeNames() {
        return java.util.Arrays.stream(Rule.Type.values()).map(t -> t.configName).toList().toString();
    }

    private static String quote(String key) {
        return key.matches("[A-Za-z0-9_-]+") ? key : "\"" + key + "\"";
    }

    static String defaultMessage(Rule.Type type) {
        return switch (type) {
            case FORBID -> "this kind of statement is not allowed";
            case REQUIRE_WHERE -> "UPDATE, DELETE and MERGE must restrict the rows they change";
            case GRANTS -> "not granted to this user";
            case UNKNOWN_EFFECT -> "the statement's effect cannot be determined";
            case DENIED_FUNCTIONS -> "calls a function that is never allowed";
            case ROLE_SWITCH -> "changing the acting role is not allowed";
            case SEARCH_PATH -> "search_path may only name schemas this user may use";
            case READ_ROW_CAP -> "read row cap";
            case WRITE_ROW_CAP -> "write row cap";
        };
    }
}
