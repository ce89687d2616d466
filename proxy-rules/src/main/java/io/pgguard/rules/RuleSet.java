package io.pgguard.rules;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueFactory;
import io.pgguard.rules.config.RulesConfigParser;
import io.pgguard.rules.policy.Policy;
import io.pgguard.rules.policy.RoleGrant;
import io.pgguard.rules.policy.Rule;
import io.pgguard.rules.policy.UserMapping;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** An immutable, validated set of rules, built from the config's {@code pgguard.rules} section. */
public final class RuleSet {
    private final Policy policy;
    private final String hash;
    private final boolean allowAll;

    private RuleSet(Policy policy, String hash, boolean allowAll) {
        this.policy = policy;
        this.hash = hash;
        this.allowAll = allowAll;
    }

    /** @throws RuleConfigException naming the offending key when the section is invalid */
    public static RuleSet fromConfig(Config rulesSection) {
        if (rulesSection == null) {
            throw new RuleConfigException("pgguard.rules: missing rules section");
        }
        Policy policy = RulesConfigParser.parse(rulesSection);
        return new RuleSet(policy, sha256(canonical(rulesSection.root())), false);
    }

    /** No rules: every statement of every user is forwarded unchanged. */
    public static RuleSet allowAll() {
        Policy policy = RulesConfigParser.parse(ConfigFactory.parseString("id = allow-all"));
        return new RuleSet(policy, sha256("allow-all"), true);
    }

    public String id() {
        return policy.id();
    }

    /** SHA-256 (hex) of the rules section rendered canonically (keys sorted, comments and layout dropped). */
    public String hash() {
        return hash;
    }

    public boolean isAllowAll() {
        return allowAll;
    }

    /** The roles the rules' users map gives a login user, in config order. */
    public List<String> roleNames(String user) {
        return allowAll ? List.of() : policy.rolesOf(user).stream().map(RoleGrant::name).toList();
    }

    /** Whether the rules define a role of this name. */
    public boolean definesRole(String name) {
        return !allowAll && policy.roles().containsKey(name);
    }

    /** The validated model; internal to the rules engine and its tests. */
    public Policy policy() {
        return policy;
    }

    /** A multi-line human summary for `pgguard check`. */
    public String summary() {
        StringBuilder b = new StringBuilder();
        b.append("rules ").append(id()).append(" (sha256 ").append(hash, 0, 12).append(")\n");
        if (allowAll) {
            return b.append("  no rules: every statement is forwarded\n").toString();
        }
        b.append("  global dry-run: ").append(policy.dryRun()).append('\n');
        b.append("  users without rules: ").append(policy.usersWithoutRulesAllowed() ? "allow" : "deny").append('\n');
        b.append("  catalog reads: ").append(policy.catalogReads() ? "allow" : "deny").append('\n');
        for (UserMapping m : policy.users()) {
            b.append("  user ").append(m.users()).append(" -> roles ").append(m.roles()).append('\n');
        }
        for (RoleGrant r : policy.roles().values()) {
            b.append("  role ").append(r.name()).append(": statements ").append(r.statements()).append('\n');
            r.tables().forEach(t -> b.append("    tables ").append(t.on()).append(": ").append(t.privileges()).append('\n'));
        }
        for (Rule r : policy.rules()) {
            b.append("  rule ").append(r.id()).append(" [").append(r.type().configName)
                    .append(r.dryRun() ? ", dry-run" : ", enforce").append(r.implicit() ? ", implicit" : "").append("]");
            if (!r.kinds().isEmpty()) {
                b.append(" kinds ").append(r.kinds());
            }
            if (r.maxRows() > 0) {
                b.append(" max-rows ").append(r.maxRows());
            }
            if (!r.names().isEmpty()) {
                b.append(" allow ").append(r.names());
            }
            b.append(" users ").append(r.users()).append(" environments ").append(r.environments())
                    .append(" sqlstate ").append(r.sqlState()).append(": ").append(r.message()).append('\n');
        }
        return b.toString();
    }

    /** Renders a value with object keys sorted, so that equal configs hash equally whatever their layout. */
    private static String canonical(ConfigValue value) {
        return ConfigValueFactory.fromAnyRef(sorted(value.unwrapped()))
                .render(ConfigRenderOptions.concise().setJson(true));
    }

    @SuppressWarnings("unchecked")
    private static Object sorted(Object o) {
        if (o instanceof Map<?, ?> m) {
            Map<String, Object> out = new TreeMap<>();
            ((Map<String, Object>) m).forEach((k, v) -> out.put(k, sorted(v)));
            return out;
        }
        if (o instanceof List<?> l) {
            return l.stream().map(RuleSet::sorted).toList();
        }
        return o;
    }

    private static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
