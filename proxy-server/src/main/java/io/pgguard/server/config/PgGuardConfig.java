package io.pgguard.server.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException.BadValue;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigResolveOptions;
import io.netty.handler.ssl.SslContext;
import io.pgguard.core.relay.ConnectionLimits;
import io.pgguard.core.relay.ProxySettings;
import io.pgguard.core.tls.ClientTls;
import io.pgguard.core.tls.TlsContexts;
import io.pgguard.core.tls.UpstreamTls;
import io.pgguard.core.upstream.Routing;
import io.pgguard.core.upstream.Upstream;
import io.pgguard.rules.RuleConfigException;
import io.pgguard.rules.RuleSet;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The whole validated configuration: HOCON from reference.conf, the --config file, environment variables and
 * command-line overrides, turned into typed settings. Anything wrong fails here, at start or on reload, with a
 * message naming the key, never later on a connection.
 */
public record PgGuardConfig(
        HostPort listen,
        UnixSocket unixSocket,
        int workerThreads,
        String transport,
        ProxySettings proxySettings,
        HostPort adminListen,
        String adminToken,
        String userLabel,
        boolean metricsEnabled,
        AuditSettings audit,
        int replicaId,
        Map<Integer, HostPort> peers,
        int maxStatementsPerQuery,
        RuleSet rules,
        Config raw) {

    public record AuditSettings(String statements, boolean connections, boolean redactLiterals) {}

    /** The Unix-domain socket clients may also use: {@code .s.PGSQL.<listen port>} in {@code directory}. */
    public record UnixSocket(Path directory, Set<PosixFilePermission> mode) {
        /** The socket file for the port PgGuard listens on over TCP, as PgBouncer names it. */
        public Path path(int port) {
            return Path.of(Upstream.socketPath(directory.toString(), port));
        }
    }

    /** Loads {@code file} (may be null) over the defaults, with {@code overrides} (config paths) on top. */
    public static PgGuardConfig load(File file, Map<String, String> overrides) {
        Config config;
        try {
            Config fromFile = ConfigFactory.empty();
            if (file != null) {
                if (!file.isFile()) {
                    throw new ConfigException("config file " + file + " does not exist or is not a file");
                }
                fromFile = ConfigFactory.parseFile(file, ConfigParseOptions.defaults().setAllowMissing(false));
            }
            Config fromFlags = ConfigFactory.parseMap(overrides, "command line");
            config = fromFlags.withFallback(fromFile).withFallback(ConfigFactory.defaultReference(PgGuardConfig.class.getClassLoader()))
                    .resolve(ConfigResolveOptions.defaults());
        } catch (com.typesafe.config.ConfigException e) {
            throw new ConfigException("invalid configuration: " + e.getMessage(), e);
        }
        return from(config);
    }

    public static PgGuardConfig from(Config root) {
        try {
            Config c = root.getConfig("pgguard");
            RuleSet rules = rules(c);
            Map<String, Upstream> upstreams = upstreams(c);
            Routing routing = routing(c, upstreams);
            ProxySettings settings = new ProxySettings(routing, clientTls(c),
                    (int) Math.min(Integer.MAX_VALUE, positiveBytes(c, "limits.max-message-size")),
                    positiveDuration(c, "limits.startup-timeout"), positiveDuration(c, "limits.connect-timeout"),
                    new HashSet<>(c.getStringList("quiet-applications")), limits(c, rules));
            String adminText = c.getString("admin.listen").trim();
            HostPort admin = adminText.isEmpty() ? null : HostPort.parse("pgguard.admin.listen", adminText);
            HostPort listen = HostPort.parse("pgguard.listen", c.getString("listen"));
            return new PgGuardConfig(
                    listen, unixSocket(c, listen.port()),
                    nonNegative(c, "worker-threads"),
                    transport(c),
                    settings, admin, c.getString("admin.token"),
                    oneOf(c, "metrics.user-label", "all", "ruled", "none"), c.getBoolean("metrics.enabled"),
                    new AuditSettings(oneOf(c, "audit.statements", "all", "writes", "rejections", "none"),
                            c.getBoolean("audit.connections"), c.getBoolean("audit.redact-literals")),
                    replicaId(c), peers(c), nonNegative(c, "limits.max-statements-per-query"), rules, root);
        } catch (com.typesafe.config.ConfigException e) {
            throw new ConfigException(e.getMessage(), e);
        }
    }

    private static String transport(Config c) {
        if (c.hasPath("native-transport")) {
            throw new ConfigException("pgguard.native-transport: replaced by pgguard.transport"
                    + " (auto, io_uring, epoll or nio; native-transport = false is transport = nio)");
        }
        return oneOf(c, "transport", "auto", "io_uring", "epoll", "nio");
    }

    private static UnixSocket unixSocket(Config c, int port) {
        String dir = c.getString("unix-socket-dir").trim();
        if (dir.isEmpty()) {
            return null;
        }
        Path directory = Path.of(dir).toAbsolutePath(); // that it exists is checked at start, not on every reload
        // The port may be chosen at start, so allow for five digits.
        int longest = socketPathBytes(Upstream.socketPath(directory.toString(), 65535));
        if (longest > 107) {
            throw new ConfigException("pgguard.unix-socket-dir: " + directory + " is too long for a socket path ("
                    + longest + " bytes with the socket's name; at most 107)");
        }
        String modeText = c.getString("unix-socket-mode").trim();
        if (!modeText.matches("0?[0-7]{3}")) {
            throw new ConfigException("pgguard.unix-socket-mode: \"" + modeText + "\" is not an octal file mode such as 0777");
        }
        int mode = Integer.parseInt(modeText, 8);
        StringBuilder rwx = new StringBuilder();
        for (int shift = 6; shift >= 0; shift -= 3) {
            int digit = mode >> shift & 7;
            rwx.append((digit & 4) != 0 ? 'r' : '-').append((digit & 2) != 0 ? 'w' : '-').append((digit & 1) != 0 ? 'x' : '-');
        }
        return new UnixSocket(directory, PosixFilePermissions.fromString(rwx.toString()));
    }

    /** A socket's path must fit sun_path: 107 bytes and a NUL. */
    private static int socketPathBytes(String path) {
        return path.getBytes(StandardCharsets.UTF_8).length;
    }

    private static ConnectionLimits limits(Config c, RuleSet rules) {
        Map<String, Integer> perUser = new LinkedHashMap<>();
        Map<String, ConnectionLimits.Timeouts> userTimeouts = new LinkedHashMap<>();
        ConnectionLimits.Timeouts defaults = timeouts(c.getConfig("limits"), "pgguard.limits", null);
        Config users = c.getConfig("limits.users");
        for (String user : users.root().keySet()) {
            Config u = users.getConfig(quote(user));
            String prefix = "pgguard.limits.users." + user;
            if (u.hasPath("max-connections")) {
                perUser.put(user, nonNegative(u, "max-connections", prefix));
            }
            userTimeouts.put(user, timeouts(u, prefix, defaults));
        }
        Map<String, ConnectionLimits.Timeouts> roleTimeouts = new LinkedHashMap<>();
        Config roles = c.getConfig("limits.roles");
        for (String role : roles.root().keySet()) {
            String prefix = "pgguard.limits.roles." + role;
            if (!rules.definesRole(role)) {
                throw new ConfigException(prefix + ": no role " + role + " under pgguard.rules.roles");
            }
            roleTimeouts.put(role, timeouts(roles.getConfig(quote(role)), prefix, defaults));
        }
        Map<String, Integer> perDatabase = new LinkedHashMap<>();
        Config dbs = c.getConfig("limits.databases");
        for (String db : dbs.root().keySet()) {
            perDatabase.put(db, nonNegative(dbs.getConfig(quote(db)), "max-connections", "pgguard.limits.databases." + db));
        }
        return new ConnectionLimits(nonNegative(c, "limits.max-connections"),
                nonNegative(c, "limits.max-connections-per-user"), perUser,
                nonNegative(c, "limits.max-connections-per-database"), perDatabase, defaults,
                timeoutsByUserThenRole(userTimeouts, roleTimeouts, rules));
    }

    /** A user's own entry first, then the entry of the first of the user's rules roles that has one. */
    private static java.util.function.Function<String, ConnectionLimits.Timeouts> timeoutsByUserThenRole(
            Map<String, ConnectionLimits.Timeouts> byUser, Map<String, ConnectionLimits.Timeouts> byRole, RuleSet rules) {
        Map<String, ConnectionLimits.Timeouts> users = Map.copyOf(byUser);
        Map<String, ConnectionLimits.Timeouts> roles = Map.copyOf(byRole);
        return user -> {
            ConnectionLimits.Timeouts own = users.get(user);
            if (own != null || roles.isEmpty()) {
                return own;
            }
            return rules.roleNames(user).stream().map(roles::get).filter(java.util.Objects::nonNull).findFirst()
                    .orElse(null);
        };
    }

    private static ConnectionLimits.Timeouts timeouts(Config c, String prefix, ConnectionLimits.Timeouts fallback) {
        return new ConnectionLimits.Timeouts(
                duration(c, "statement-timeout", prefix, fallback == null ? null : fallback.statement()),
                duration(c, "idle-in-transaction-timeout", prefix, fallback == null ? null : fallback.idleInTransaction()),
                duration(c, "idle-timeout", prefix, fallback == null ? null : fallback.idle()));
    }

    private static Duration duration(Config c, String key, String prefix, Duration fallback) {
        if (!c.hasPath(key)) {
            return fallback == null ? Duration.ZERO : fallback;
        }
        Duration d = c.getDuration(key);
        if (d.isNegative()) {
            throw new ConfigException(prefix + "." + key + ": must not be negative, got " + d);
        }
        return d;
    }

    private static int nonNegative(Config c, String key, String prefix) {
        int value = c.getInt(key);
        if (value < 0) {
            throw new ConfigException(prefix + "." + key + ": must not be negative, got " + value);
        }
        return value;
    }

    private static Map<Integer, HostPort> peers(Config c) {
        Map<Integer, HostPort> peers = new LinkedHashMap<>();
        Config section = c.getConfig("peers");
        for (String id : section.root().keySet()) {
            int replica;
            try {
                replica = Integer.parseInt(id);
            } catch (NumberFormatException e) {
                throw new ConfigException("pgguard.peers." + id + ": the key must be a replica id (0-127)");
            }
            if (replica < 0 || replica > 127) {
                throw new ConfigException("pgguard.peers." + id + ": replica id out of range 0-127");
            }
            peers.put(replica, HostPort.parse("pgguard.peers." + id, section.getString(quote(id))));
        }
        return peers;
    }

    private static RuleSet rules(Config c) {
        Config section = c.getConfig("rules");
        if (section.isEmpty()) {
            return RuleSet.allowAll();
        }
        try {
            return RuleSet.fromConfig(section);
        } catch (RuleConfigException e) {
            throw new ConfigException(e.getMessage(), e);
        }
    }

    private static Map<String, Upstream> upstreams(Config c) {
        Map<String, Upstream> result = new LinkedHashMap<>();
        Config section = c.getConfig("upstreams");
        for (String name : section.root().keySet()) {
            String prefix = "pgguard.upstreams." + name;
            Config u = section.getConfig(quote(name));
            int port = u.getInt("port");
            if (port <= 0 || port > 65535) {
                throw new ConfigException(prefix + ".port: " + port + " is out of range 1-65535");
            }
            String host = u.getString("host").trim();
            if (host.isEmpty()) {
                throw new ConfigException(prefix + ".host: must not be empty");
            }
            String notice = u.hasPath("connect-notice") ? u.getString("connect-notice") : "";
            String environment = u.hasPath("environment") ? u.getString("environment") : "default";
            if (Upstream.isSocketDirectory(host) && socketPathBytes(Upstream.socketPath(host, port)) > 107) {
                throw new ConfigException(prefix + ".host: " + host + " is too long for a socket path (at most 107 bytes"
                        + " with the socket's name .s.PGSQL." + port + ")");
            }
            UpstreamTls tls = upstreamTls(prefix, u);
            if (Upstream.isSocketDirectory(host) && tls.insistsOnTls()) {
                throw new ConfigException(prefix + ".tls.mode: " + u.getString("tls.mode") + " needs TCP: host \""
                        + host + "\" is a Unix-domain socket directory, where PostgreSQL speaks no TLS");
            }
            result.put(name, new Upstream(name, host, port, environment, tls, notice.isBlank() ? null : notice));
        }
        if (result.isEmpty()) {
            throw new ConfigException("pgguard.upstreams: at least one upstream is needed");
        }
        return result;
    }

    private static UpstreamTls upstreamTls(String prefix, Config u) {
        if (!u.hasPath("tls")) {
            return UpstreamTls.disabled();
        }
        String modeText = u.getString("tls.mode");
        UpstreamTls.Mode mode;
        try {
            mode = UpstreamTls.Mode.parse(modeText);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(prefix + ".tls.mode: \"" + modeText
                    + "\" is not one of disable, prefer, require, verify-ca, verify-full");
        }
        if (mode == UpstreamTls.Mode.DISABLE) {
            return UpstreamTls.disabled();
        }
        String rootCert = u.hasPath("tls.root-cert") ? u.getString("tls.root-cert").trim() : "";
        File root = rootCert.isEmpty() ? null : existingFile(prefix + ".tls.root-cert", rootCert);
        try {
            return new UpstreamTls(mode, TlsContexts.upstream(mode, root));
        } catch (Exception e) {
            throw new ConfigException(prefix + ".tls: " + e.getMessage(), e);
        }
    }

    private static ClientTls clientTls(Config c) {
        String modeText = c.getString("client-tls.mode");
        ClientTls.Mode mode;
        try {
            mode = ClientTls.Mode.parse(modeText);
        } catch (IllegalArgumentException e) {
            throw new ConfigException("pgguard.client-tls.mode: \"" + modeText + "\" is not one of off, optional, required");
        }
        if (mode == ClientTls.Mode.OFF) {
            return ClientTls.off();
        }
        File cert = existingFile("pgguard.client-tls.cert", c.getString("client-tls.cert"));
        File key = existingFile("pgguard.client-tls.key", c.getString("client-tls.key"));
        try {
            SslContext context = TlsContexts.server(cert, key);
            return new ClientTls(mode, context);
        } catch (Exception e) {
            throw new ConfigException("pgguard.client-tls: cannot use cert/key: " + e.getMessage(), e);
        }
    }

    private static Routing routing(Config c, Map<String, Upstream> upstreams) {
        String defaultName = c.getString("routing.default");
        Upstream fallback = upstreams.get(defaultName);
        if (fallback == null) {
            throw new ConfigException("pgguard.routing.default: no upstream named \"" + defaultName + "\" (known: "
                    + upstreams.keySet() + ")");
        }
        Map<String, Upstream> byDatabase = new LinkedHashMap<>();
        Config dbs = c.getConfig("routing.databases");
        for (String db : dbs.root().keySet()) {
            String target = dbs.getString(quote(db));
            Upstream upstream = upstreams.get(target);
            if (upstream == null) {
                throw new ConfigException("pgguard.routing.databases." + db + ": no upstream named \"" + target + "\"");
            }
            byDatabase.put(db, upstream);
        }
        return new Routing(byDatabase, fallback);
    }

    private static File existingFile(String key, String path) {
        if (path == null || path.isBlank()) {
            throw new ConfigException(key + ": a file is required");
        }
        File f = new File(path.trim());
        if (!f.isFile()) {
            throw new ConfigException(key + ": file " + path + " does not exist");
        }
        return f;
    }

    private static int replicaId(Config c) {
        int id = c.getInt("replica-id");
        if (id < 0 || id > 127) {
            throw new ConfigException("pgguard.replica-id: " + id + " is out of range 0-127");
        }
        return id;
    }

    private static int nonNegative(Config c, String key) {
        int value = c.getInt(key);
        if (value < 0) {
            throw new ConfigException("pgguard." + key + ": must not be negative, got " + value);
        }
        return value;
    }

    private static long positiveBytes(Config c, String key) {
        try {
            long value = c.getBytes(key);
            if (value <= 0) {
                throw new ConfigException("pgguard." + key + ": must be positive, got " + value);
            }
            return value;
        } catch (BadValue e) {
            throw new ConfigException("pgguard." + key + ": " + e.getMessage());
        }
    }

    private static Duration positiveDuration(Config c, String key) {
        Duration value = c.getDuration(key);
        if (value.isNegative() || value.isZero()) {
            throw new ConfigException("pgguard." + key + ": must be positive, got " + value);
        }
        return value;
    }

    private static String oneOf(Config c, String key, String... allowed) {
        String value = c.getString(key).trim().toLowerCase(Locale.ROOT);
        if (!List.of(allowed).contains(value)) {
            throw new ConfigException("pgguard." + key + ": \"" + value + "\" is not one of " + String.join(", ", allowed));
        }
        return value;
    }

    private static String quote(String key) {
        return com.typesafe.config.ConfigUtil.joinPath(key);
    }

    public String renderedRules() {
        return raw.getConfig("pgguard.rules").root().render(ConfigRenderOptions.concise());
    }
}
