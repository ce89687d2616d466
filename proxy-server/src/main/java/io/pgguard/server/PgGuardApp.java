package io.pgguard.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.pgguard.core.ProxyServer;
import io.pgguard.core.cancel.CancelRegistry;
import io.pgguard.core.inspect.StatementInspector;
import io.pgguard.core.relay.CompositeEvents;
import io.pgguard.core.relay.ProxyEvents;
import io.pgguard.core.transport.Transport;
import io.pgguard.core.transport.UnixSocketProbe;
import io.pgguard.core.upstream.Upstream;
import io.pgguard.rules.PolicyEngine;
import io.pgguard.rules.RuleSet;
import io.pgguard.server.admin.AdminServer;
import io.pgguard.server.audit.AuditLog;
import io.pgguard.server.config.ConfigException;
import io.pgguard.server.config.PgGuardConfig;
import io.pgguard.server.metrics.PgGuardMetrics;
import io.pgguard.server.rules.ParserWarmUp;
import io.pgguard.server.rules.RuleUsers;
import io.pgguard.server.rules.RulesInspector;
import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running PgGuard: the proxy, its admin endpoint, metrics and audit, wired from one configuration, and the
 * operations on it (reload, drain). Reload builds and validates the new configuration completely before it swaps
 * anything in; a refused reload leaves the running one untouched.
 */
public final class PgGuardApp implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PgGuardApp.class);
    public static final int DECISION_CACHE_SIZE = 10_000;

    private final Supplier<PgGuardConfig> configSource;
    private volatile PgGuardConfig config;
    private final PgGuardMetrics metrics;
    private final ProxyServer proxy;
    private final AdminServer admin;
    private volatile RulesInspector inspector;
    private final Map<String, Boolean> upstreamUp = new ConcurrentHashMap<>();
    private final ScheduledExecutorService housekeeping = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "pgguard-housekeeping");
        t.setDaemon(true);
        return t;
    });
    private InetSocketAddress listenAddress;
    private PolicyEngine countedEngine;
    private long countedHits;
    private long countedMisses;
    private long countedFailures;
    private InetSocketAddress adminAddress;

    /** {@code configSource} loads (and validates) the configuration; called at start and on every reload. */
    public PgGuardApp(Supplier<PgGuardConfig> configSource) {
        this.configSource = configSource;
        this.config = configSource.get();
        this.metrics = new PgGuardMetrics(config.userLabel(), RuleUsers.namedUsers(config.rules()));
        this.inspector = new RulesInspector(new PolicyEngine(config.rules(), DECISION_CACHE_SIZE),
                config.maxStatementsPerQuery());
        metrics.rulesLoaded(config.rules().id(), config.rules().hash());
        ProxyEvents audit = new AuditLog(config.audit());
        ProxyEvents events = config.metricsEnabled() ? new CompositeEvents(List.of(metrics, audit)) : audit;
        int threads = config.workerThreads() == 0 ? Runtime.getRuntime().availableProcessors() : config.workerThreads();
        this.proxy = new ProxyServer(config.proxySettings(), inspector, events, new CancelRegistry(config.replicaId()),
                threads, transport(config.transport()), null);
        metrics.transport(proxy.transport().configName());
        this.admin = config.adminListen() == null ? null : new AdminServer(new Endpoints(), config.adminToken());
        proxy.context().peers(this::peerAddress);
    }

    /** auto takes the fastest transport that runs here; a named one that cannot run fails the start, saying why. */
    static Transport transport(String choice) {
        if (choice.equals("auto")) {
            Transport best = Transport.best();
            if (best != Transport.IO_URING) {
                log.info("io_uring is not available here ({})", Transport.IO_URING.unavailabilityReason());
            }
            if (best == Transport.NIO) {
                log.info("epoll is not available here ({})", Transport.EPOLL.unavailabilityReason());
            }
            return best;
        }
        Transport named = Transport.named(choice);
        if (!named.isAvailable()) {
            throw new ConfigException("pgguard.transport: " + choice + " cannot run on this machine: "
                    + named.unavailabilityReason());
        }
        return named;
    }

    public static PgGuardApp fromFile(File file, Map<String, String> overrides) {
        return new PgGuardApp(() -> PgGuardConfig.load(file, overrides));
    }

    public PgGuardApp start() throws InterruptedException {
        try {
            if (!config.rules().isAllowAll()) {
                ParserWarmUp.run();
            }
            listenAddress = proxy.start(config.listen().host(), config.listen().port());
            if (config.unixSocket() != null) {
                listenOnUnixSocket(config.unixSocket());
            }
            if (admin != null) {
                adminAddress = admin.start(config.adminListen().host(), config.adminListen().port());
            }
        } catch (RuntimeException | InterruptedException | Error e) {
            close(); // nothing half-started keeps running: listeners, the socket file, event-loop threads
            throw e;
        }
        housekeeping.scheduleWithFixedDelay(this::checkUpstreams, 0, 5, TimeUnit.SECONDS);
        housekeeping.scheduleWithFixedDelay(this::publishCacheCounts, 1, 1, TimeUnit.SECONDS);
        log.info("PgGuard ready: {} upstream(s), rules {} ({})", config.proxySettings().routing().byDatabase().size() + 1,
                config.rules().id(), config.rules().hash().substring(0, 12));
        return this;
    }

    /** Checked here rather than in the configuration, so a reload does not depend on the directory. */
    private void listenOnUnixSocket(PgGuardConfig.UnixSocket unixSocket) throws InterruptedException {
        if (!Files.isDirectory(unixSocket.directory())) {
            throw new ConfigException("pgguard.unix-socket-dir: " + unixSocket.directory() + " is not a directory");
        }
        Path socket = unixSocket.path(listenAddress.getPort());
        try {
            proxy.startUnixSocket(socket, unixSocket.mode());
        } catch (IOException e) {
            throw new ConfigException("pgguard.unix-socket-dir: cannot listen on " + socket + ": " + e.getMessage(), e);
        }
    }

    /** The transport the event loops run, as {@code pgguard.transport} chose it. */
    public Transport transport() {
        return proxy.transport();
    }

    public InetSocketAddress listenAddress() {
        return listenAddress;
    }

    public InetSocketAddress adminAddress() {
        return adminAddress;
    }

    public PgGuardMetrics metrics() {
        return metrics;
    }

    public PgGuardConfig config() {
        return config;
    }

    /** Loads the configuration again; returns null when it took effect, else why it was refused. */
    public synchronized String reload() {
        PgGuardConfig next;
        try {
            next = configSource.get();
        } catch (ConfigException e) {
            metrics.reload(false);
            log.error("reload refused, the running configuration stays in force: {}", e.getMessage());
            return e.getMessage();
        } catch (RuntimeException e) {
            metrics.reload(false);
            log.error("reload refused, the running configuration stays in force", e);
            return e.toString();
        }
        if (!next.listen().equals(config.listen())) {
            log.warn("pgguard.listen changed to {}: takes effect only after a restart", next.listen());
        }
        if (!next.transport().equals(config.transport())) {
            log.warn("pgguard.transport changed to {}: takes effect only after a restart", next.transport());
        }
        if (!Objects.equals(next.unixSocket(), config.unixSocket())) {
            log.warn("pgguard.unix-socket-dir or unix-socket-mode changed: takes effect only after a restart");
        }
        // Unchanged rules keep their engine and its warm decision cache (a touched file, a reload of the same
        // ConfigMap): only a change of rules costs a burst of uncached decisions.
        boolean sameRules = next.rules().hash().equals(config.rules().hash())
                && next.maxStatementsPerQuery() == config.maxStatementsPerQuery();
        RulesInspector nextInspector = sameRules ? inspector
                : new RulesInspector(new PolicyEngine(next.rules(), DECISION_CACHE_SIZE), next.maxStatementsPerQuery());
        proxy.context().settings(next.proxySettings());
        proxy.context().inspector(nextInspector);
        inspector = nextInspector;
        config = next;
        metrics.ruledUsers(RuleUsers.namedUsers(next.rules()));
        metrics.rulesLoaded(next.rules().id(), next.rules().hash());
        metrics.reload(true);
        log.info("configuration reloaded: rules {} ({})", next.rules().id(), next.rules().hash().substring(0, 12));
        return null;
    }

    /** Graceful shutdown: drain for {@code period}, then stop everything. */
    public void drainAndStop(Duration period) {
        try {
            log.info("draining: no new connections; waiting up to {} s for in-flight statements", period.toSeconds());
            int cut = proxy.drain(period);
            log.info("drain finished; {} session(s) were cut at the end", cut);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        close();
    }

    public StatementInspector inspector() {
        return inspector;
    }

    @Override
    public void close() {
        housekeeping.shutdownNow();
        if (admin != null) {
            admin.close();
        }
        proxy.close();
    }

    private InetSocketAddress peerAddress(int replicaId) {
        var peer = config.peers().get(replicaId);
        return peer == null ? null : InetSocketAddress.createUnresolved(peer.host(), peer.port());
    }

    private void checkUpstreams() {
        Map<String, Upstream> all = new LinkedHashMap<>();
        all.put(config.proxySettings().routing().defaultUpstream().name(), config.proxySettings().routing().defaultUpstream());
        config.proxySettings().routing().byDatabase().values().forEach(u -> all.put(u.name(), u));
        for (Upstream u : all.values()) {
            boolean up = answers(u);
            Boolean before = upstreamUp.put(u.name(), up);
            if (before == null || before != up) {
                log.info("upstream {} ({}) is {}", u.name(), u.address(), up ? "reachable" : "UNREACHABLE");
            }
            metrics.upstreamReachable(u.name(), up);
        }
    }

    private static boolean answers(Upstream u) {
        if (u.unixSocket()) {
            try {
                return UnixSocketProbe.answers(Path.of(u.socketPath()));
            } catch (IOException e) {
                return false;
            }
        }
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(u.host(), u.port()), 2000);
            return true;
        } catch (Exception e) {
            return false;
        }
    }

    /** Moves the engine's own counts into the meters; a reload brings a new engine that counts from zero. */
    private void publishCacheCounts() {
        PolicyEngine engine = inspector.engine();
        if (engine != countedEngine) {
            countedEngine = engine;
            countedHits = 0;
            countedMisses = 0;
            countedFailures = 0;
        }
        long hits = engine.cacheHits();
        long misses = engine.cacheMisses();
        long failures = engine.parseFailures();
        metrics.ruleEngineCounts(hits - countedHits, misses - countedMisses, failures - countedFailures);
        countedHits = hits;
        countedMisses = misses;
        countedFailures = failures;
    }

    private final class Endpoints implements AdminServer.Endpoints {
        private final ObjectMapper json = new ObjectMapper();

        @Override
        public String scrape(String accept) {
            PrometheusMeterRegistry registry = metrics.registry();
            return accept != null && accept.contains("application/openmetrics-text")
                    ? registry.scrape("application/openmetrics-text; version=1.0.0; charset=utf-8")
                    : registry.scrape();
        }

        @Override
        public String contentType(String accept) {
            return accept != null && accept.contains("application/openmetrics-text")
                    ? "application/openmetrics-text; version=1.0.0; charset=utf-8"
                    : "text/plain; version=0.0.4; charset=utf-8";
        }

        @Override
        public boolean ready() {
            return proxy.isListening() && upstreamUp.containsValue(Boolean.TRUE);
        }

        @Override
        public String readinessDetail() {
            return proxy.isListening() ? "no upstream reachable: " + upstreamUp : "not listening";
        }

        @Override
        public String rulesJson() {
            RuleSet rules = config.rules();
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("id", rules.id());
            body.put("hash", rules.hash());
            body.put("summary", rules.summary());
            try {
                return json.writerWithDefaultPrettyPrinter().writeValueAsString(body) + "\n";
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        public String reload() {
            return PgGuardApp.this.reload();
        }
    }
}
