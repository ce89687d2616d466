package io.pgguard.server.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.core.instrument.distribution.pause.NoPauseDetector;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.pgguard.core.inspect.SessionView;
import io.pgguard.core.inspect.SqlOrigin;
import io.pgguard.core.inspect.Verdict;
import io.pgguard.core.relay.ProxyEvents;
import io.pgguard.core.upstream.Upstream;
import io.pgguard.rules.CommandKind;
import io.pgguard.rules.Decision;
import io.pgguard.rules.DryRunHit;
import io.pgguard.rules.StatementFacts;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * PgGuard's Prometheus metrics, fed by the relay's events. Meters are created once per label combination and
 * kept with each session that uses them, so a statement costs a look through its few meters and an increment. No
 * label ever carries SQL text; the user label is bounded by configuration (all users, only users named in rules,
 * or none).
 */
public final class PgGuardMetrics implements ProxyEvents {
    private static final Duration[] SUB_MS_BUCKETS = {
        Duration.ofNanos(10_000), Duration.ofNanos(25_000), Duration.ofNanos(50_000), Duration.ofNanos(100_000),
        Duration.ofNanos(250_000), Duration.ofNanos(500_000), Duration.ofMillis(1), Duration.ofMillis(2),
        Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25), Duration.ofMillis(50),
        Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1),
        Duration.ofSeconds(2), Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(30)};

    /** The "command" label of each kind, made once: a statement's label is looked up, not built. */
    private static final String[] COMMAND_LABELS = Arrays.stream(CommandKind.values())
            .map(k -> k.name().toLowerCase(Locale.ROOT)).toArray(String[]::new);
    /** The "command" label of a statement the rules did not classify (no rules, or nothing to classify). */
    private static final int UNKNOWN_COMMAND = COMMAND_LABELS.length;
    private static final String[] DECISION_LABELS = {"forwarded", "would_reject", "rewritten", "rejected"};

    /**
     * The meters of one session's statements, kept with the session ({@link SessionView#metricsState}): their
     * upstream, database and user labels do not change for its life, so a statement is counted without building
     * and hashing a label key. The user label also depends on the ruled users, which a reload may change.
     */
    private static final class SessionMeters {
        /** A session sends a few kinds of statement; past this many, the rest are looked up in the shared map. */
        private static final int KEPT = 8;
        final Set<String> ruledUsers;
        final Timer[] roundTrips;
        private final int[] slots = new int[KEPT];
        private final Counter[] counters = new Counter[KEPT];
        private int size;

        SessionMeters(Set<String> ruledUsers, Timer[] roundTrips) {
            this.ruledUsers = ruledUsers;
            this.roundTrips = roundTrips;
        }

        Counter counter(int slot) {
            for (int i = 0; i < size; i++) {
                if (slots[i] == slot) {
                    return counters[i];
                }
            }
            return null;
        }

        void keep(int slot, Counter counter) {
            if (size < KEPT) {
                slots[size] = slot;
                counters[size++] = counter;
            }
        }
    }

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final String userLabelMode;
    private volatile Set<String> ruledUsers;
    private final AtomicLong startingConnections = new AtomicLong();
    private final AtomicLong readyConnections = new AtomicLong();
    private final Counter opened;
    private final Counter closed;
    private final Counter tls;
    private final Counter bytesFromClient;
    private final Counter bytesFromServer;
    private final Counter cacheHits;
    private final Counter cacheMisses;
    private final Counter parseFailures;
    private final Timer decisionTime;
    private final Map<String, Counter> refused = new ConcurrentHashMap<>();
    private final Map<String, Counter> protocolErrors = new ConcurrentHashMap<>();
    private final Map<String, Counter> cancels = new ConcurrentHashMap<>();
    private final Map<String, Timer> upstreamConnect = new ConcurrentHashMap<>();
    private final Map<String, Counter> upstreamFailures = new ConcurrentHashMap<>();
    private final Map<StatementKey, Counter> statements = new ConcurrentHashMap<>();
    private final Map<String, Counter> ruleRejections = new ConcurrentHashMap<>();
    /** Statement round-trip timers per upstream, indexed by the verdict's action. */
    private final Map<String, Timer[]> statementTime = new ConcurrentHashMap<>();
    private final Map<String, Counter> reloads = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> upstreamUp = new ConcurrentHashMap<>();
    private volatile RulesInfo rulesInfo;

    private record StatementKey(String upstream, String database, String user, String command, String decision) {}

    private record RulesInfo(String id, String hash) {}

    public PgGuardMetrics(String userLabelMode, Set<String> ruledUsers) {
        this.userLabelMode = userLabelMode;
        this.ruledUsers = Set.copyOf(ruledUsers);
        // Micrometer's default pause detector reads the clock and bumps a shared counter on every record, on the
        // event loops, to correct for JVM pauses; the proxy's timers measure what clients saw and need no such
        // correction.
        registry.config().pauseDetector(new NoPauseDetector());
        Gauge.builder("pgguard_client_connections", startingConnections, AtomicLong::get).tag("state", "startup")
                .description("Client connections by state").register(registry);
        Gauge.builder("pgguard_client_connections", readyConnections, AtomicLong::get).tag("state", "ready")
                .description("Client connections by state").register(registry);
        opened = Counter.builder("pgguard_client_connections_opened").register(registry);
        closed = Counter.builder("pgguard_client_connections_closed").register(registry);
        tls = Counter.builder("pgguard_client_connections_tls").register(registry);
        bytesFromClient = Counter.builder("pgguard_bytes").baseUnit("bytes").tag("direction", "client_to_server")
                .register(registry);
        bytesFromServer = Counter.builder("pgguard_bytes").baseUnit("bytes").tag("direction", "server_to_client")
                .register(registry);
        cacheHits = Counter.builder("pgguard_rules_cache_hits").register(registry);
        cacheMisses = Counter.builder("pgguard_rules_cache_misses").register(registry);
        parseFailures = Counter.builder("pgguard_rules_parse_failures")
                .description("Statements the rules engine could not classify at all").register(registry);
        // Present from the start, so alerts on reload failures see a 0 rather than no series.
        Counter.builder("pgguard_rules_reloads").tag("result", "failure").register(registry);
        Counter.builder("pgguard_rules_reloads").tag("result", "success").register(registry);
        decisionTime = Timer.builder("pgguard_decision_duration")
                .description("PgGuard's own time to decide on a SQL text: lexer, parser and rules")
                .serviceLevelObjectives(SUB_MS_BUCKETS).register(registry);
        new JvmMemoryMetrics().bindTo(registry);
        new JvmGcMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
    }

    public PrometheusMeterRegistry registry() {
        return registry;
    }

    public void ruledUsers(Set<String> users) {
        this.ruledUsers = Set.copyOf(users);
    }

    /**
     * The loaded rule set as a gauge of 1 whose labels carry its id and hash (not "_info": the Prometheus client
     * strips that suffix in the text format).
     */
    public void rulesLoaded(String id, String hash) {
        RulesInfo previous = rulesInfo;
        if (previous != null) {
            registry.find("pgguard_rules_loaded").tags("id", previous.id, "hash", previous.hash).meters()
                    .forEach(registry::remove);
        }
        rulesInfo = new RulesInfo(id, hash);
        Gauge.builder("pgguard_rules_loaded", () -> 1).tags("id", id, "hash", hash)
                .description("The rule set in force").register(registry);
    }

    /** The network transport the event loops run (io_uring, epoll or nio), so a fleet shows which replicas run which. */
    public void transport(String name) {
        Gauge.builder("pgguard_transport", () -> 1).tag("transport", name)
                .description("The network transport of the event loops").register(registry);
    }

    public void reload(boolean success) {
        counter(reloads, success ? "success" : "failure",
                r -> Counter.builder("pgguard_rules_reloads").tag("result", r).register(registry)).increment();
    }

    /** Adds what the rules engine counted since the last call (it counts on its own, without meters). */
    public void ruleEngineCounts(long newHits, long newMisses, long newParseFailures) {
        cacheHits.increment(newHits);
        cacheMisses.increment(newMisses);
        parseFailures.increment(newParseFailures);
    }

    public void upstreamReachable(String upstream, boolean up) {
        upstreamUp.computeIfAbsent(upstream, name -> {
            AtomicLong value = new AtomicLong();
            Gauge.builder("pgguard_upstream_up", value, AtomicLong::get).tag("upstream", name).register(registry);
            return value;
        }).set(up ? 1 : 0);
    }

    /** Registers a gauge read at scrape time, for counts the metrics do not see as events. */
    public void gauge(String name, String description, java.util.function.Supplier<Number> value) {
        Gauge.builder(name, value).description(description).register(registry);
    }

    // --- ProxyEvents ---------------------------------------------------------------------------------------------

    @Override
    public void clientConnected(String clientAddress) {
        opened.increment();
        startingConnections.incrementAndGet();
    }

    @Override
    public void clientRefused(String clientAddress, String reason) {
        counter(refused, reason, r -> Counter.builder("pgguard_client_connections_refused").tag("reason", r)
                .register(registry)).increment();
    }

    @Override
    public void clientTls(SessionView session) {
        tls.increment();
    }

    @Override
    public void upstreamConnected(Upstream upstream, long connectNanos) {
        upstreamTimer(upstream.name()).record(connectNanos, java.util.concurrent.TimeUnit.NANOSECONDS);
    }

    @Override
    public void upstreamFailed(Upstream upstream, Throwable cause) {
        counter(upstreamFailures, upstream.name(), u -> Counter.builder("pgguard_upstream_connect_failures")
                .tag("upstream", u).register(registry)).increment();
    }

    @Override
    public void authenticated(SessionView session) {
        startingConnections.decrementAndGet();
        readyConnections.incrementAndGet();
    }

    @Override
    public void statementInspected(SessionView session, String sql, SqlOrigin origin, Verdict verdict,
            long decisionNanos) {
        decisionTime.record(decisionNanos, java.util.concurrent.TimeUnit.NANOSECONDS);
        Decision decision = verdict.attachment() instanceof Decision d ? d : null;
        int decisionLabel = switch (verdict.action()) {
            case FORWARD -> decision != null && !decision.dryRunHits().isEmpty() ? 1 : 0;
            case REWRITE -> 2;
            case REJECT -> 3;
        };
        int command = command(decision);
        SessionMeters meters = meters(session);
        int slot = command * DECISION_LABELS.length + decisionLabel;
        Counter counter = meters.counter(slot);
        if (counter == null) {
            counter = statementCounter(session, command == UNKNOWN_COMMAND ? "unknown" : COMMAND_LABELS[command],
                    DECISION_LABELS[decisionLabel]);
            meters.keep(slot, counter);
        }
        counter.increment();
        if (verdict.isReject()) {
            ruleCounter(verdict.ruleId(), "enforce").increment();
        }
        if (decision != null) {
            for (DryRunHit hit : decision.dryRunHits()) {
                ruleCounter(hit.ruleId(), "dry_run").increment();
            }
        }
    }

    private Counter statementCounter(SessionView session, String command, String decision) {
        StatementKey key = new StatementKey(nullToEmpty(session.upstreamName()), nullToEmpty(session.database()),
                userLabel(session.user()), command, decision);
        return statements.computeIfAbsent(key, k -> Counter.builder("pgguard_statements")
                .tags("upstream", k.upstream, "database", k.database, "user", k.user, "command", k.command,
                        "decision", k.decision).register(registry));
    }

    private SessionMeters meters(SessionView session) {
        Set<String> ruled = ruledUsers;
        if (session.metricsState() instanceof SessionMeters m && m.ruledUsers == ruled) {
            return m;
        }
        String upstream = nullToEmpty(session.upstreamName());
        Timer[] roundTrips = statementTime.get(upstream);
        if (roundTrips == null) {
            roundTrips = statementTime.computeIfAbsent(upstream, this::statementTimers);
        }
        SessionMeters m = new SessionMeters(ruled, roundTrips);
        session.metricsState(m);
        return m;
    }

    @Override
    public void statementCompleted(SessionView session, Verdict verdict, long roundTripNanos, long rows,
            boolean failed) {
        Verdict.Action action = verdict == null ? Verdict.Action.FORWARD : verdict.action();
        meters(session).roundTrips[action.ordinal()].record(roundTripNanos, java.util.concurrent.TimeUnit.NANOSECONDS);
    }

    @Override
    public void bytesFromClient(long bytes) {
        bytesFromClient.increment(bytes);
    }

    @Override
    public void bytesFromServer(int bytes) {
        bytesFromServer.increment(bytes);
    }

    @Override
    public void cancelForwarded(boolean matched) {
        counter(cancels, matched ? "forwarded" : "unmatched",
                r -> Counter.builder("pgguard_cancels").tag("result", r).register(registry)).increment();
    }

    @Override
    public void protocolError(String kind, String clientAddress, String detail) {
        counter(protocolErrors, kind, k -> Counter.builder("pgguard_protocol_errors").tag("kind", k)
                .register(registry)).increment();
    }

    @Override
    public void clientDisconnected(SessionView session, boolean loggedIn, long durationNanos, long statementCount) {
        closed.increment();
        if (loggedIn) {
            readyConnections.decrementAndGet();
        } else {
            startingConnections.decrementAndGet();
        }
    }

    private Timer[] statementTimers(String upstream) {
        Verdict.Action[] actions = Verdict.Action.values();
        Timer[] timers = new Timer[actions.length];
        for (Verdict.Action a : actions) {
            String decision = switch (a) {
                case FORWARD -> "forwarded";
                case REWRITE -> "rewritten";
                case REJECT -> "rejected";
            };
            timers[a.ordinal()] = Timer.builder("pgguard_statement_duration")
                    .description("Statement round trip as seen by the proxy: client message to end of response")
                    .tags("upstream", upstream, "decision", decision)
                    .serviceLevelObjectives(SUB_MS_BUCKETS).register(registry);
        }
        return timers;
    }

    // --- helpers ---------------------------------------------------------------------------------------------

    private Counter ruleCounter(String ruleId, String mode) {
        return counter(ruleRejections, nullToEmpty(ruleId) + '\u0000' + mode,
                k -> Counter.builder("pgguard_rule_rejections").tags("rule", nullToEmpty(ruleId), "mode", mode)
                        .register(registry));
    }

    private Timer upstreamTimer(String upstream) {
        return upstreamConnect.computeIfAbsent(upstream, u -> Timer.builder("pgguard_upstream_connect")
                .tag("upstream", u).serviceLevelObjectives(SUB_MS_BUCKETS).register(registry));
    }

    private static Counter counter(Map<String, Counter> cache, String key, Function<String, Counter> create) {
        Counter c = cache.get(key);
        return c != null ? c : cache.computeIfAbsent(key, create);
    }

    private String userLabel(String user) {
        return switch (userLabelMode) {
            case "all" -> nullToEmpty(user);
            case "none" -> "";
            default -> user != null && ruledUsers.contains(user) ? user : "other";
        };
    }

    /** The index of the statement's command label; a multi-statement string is labelled by its first statement
     * that is not transaction control. */
    private static int command(Decision decision) {
        if (decision == null || decision.statements().isEmpty()) {
            return UNKNOWN_COMMAND;
        }
        List<StatementFacts> statements = decision.statements();
        for (int i = 0; i < statements.size(); i++) {
            if (statements.get(i).kind().group() != CommandKind.Group.TRANSACTION) {
                return statements.get(i).kind().ordinal();
            }
        }
        return statements.get(0).kind().ordinal();
    }

    private static String nullToEmpty(String s) {
        return s == null ? "" : s;
    }
}
