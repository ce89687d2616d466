package io.pgguard.benchmarks;

import io.pgguard.core.inspect.SessionView;
import io.pgguard.core.inspect.SqlOrigin;
import io.pgguard.core.inspect.Verdict;
import io.pgguard.rules.PolicyEngine;
import io.pgguard.server.metrics.PgGuardMetrics;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * What the relay's metrics cost per pgbench -S transaction, as the event calls the relay makes for one (the same
 * {@link PgGuardMetrics} the server registers, with its Prometheus registry):
 *
 * <ul>
 *   <li>{@code simpleTransaction}: -M simple: one Query inspected (decision-time timer, statements counter by
 *   upstream, database, user, command and decision), one statement completed (round-trip timer), bytes in both
 *   directions once;</li>
 *   <li>{@code preparedTransaction}: -M prepared: the named statement was inspected at its Parse, so per
 *   transaction Bind, Execute and Sync are counted as client bytes, one server read, one statement completed.</li>
 * </ul>
 * Compare with the proxy CPU per transaction of the pgbench side-by-side run (about 26 µs) for the share.
 */
@State(Scope.Thread)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@BenchmarkMode(Mode.AverageTime)
public class MetricsBenchmark {
    private PgGuardMetrics metrics;
    private Verdict verdict;
    private final SessionView session = new BenchSession();
    private long tick;

    @Setup(Level.Trial)
    public void setUp() {
        metrics = new PgGuardMetrics("ruled", Set.of("app_rw"));
        String sql = Statements.byName("pgbench_select");
        verdict = Verdict.forward(new PolicyEngine(Policies.load(), 100).decide(sql, Policies.CONTEXT));
    }

    @Benchmark
    public void simpleTransaction() {
        long t = ++tick & 0xFFFF;
        metrics.bytesFromClient(58);
        metrics.statementInspected(session, "SELECT abalance FROM pgbench_accounts WHERE aid = 1", SqlOrigin.SIMPLE_QUERY,
                verdict, 1_000 + t);
        metrics.bytesFromServer(95);
        metrics.statementCompleted(session, verdict, 300_000 + t, 1, false);
    }

    @Benchmark
    public void preparedTransaction() {
        long t = ++tick & 0xFFFF;
        metrics.bytesFromClient(45);
        metrics.bytesFromServer(70);
        metrics.statementCompleted(session, verdict, 250_000 + t, 1, false);
    }

    /** A logged-in session of app_rw, as the relay describes it to the events. */
    static final class BenchSession implements SessionView {
        @Override public long connectionId() { return 1; }
        @Override public String clientAddress() { return "127.0.0.1:50000"; }
        @Override public String user() { return "app_rw"; }
        @Override public String database() { return "postgres"; }
        @Override public String applicationName() { return "pgbench"; }
        @Override public String upstreamName() { return "default"; }
        @Override public String environment() { return "production"; }
        @Override public String effectiveRole() { return "app_rw"; }
        @Override public List<String> searchPath() { return null; }
        @Override public boolean standardConformingStrings() { return true; }
        @Override public char transactionStatus() { return 'I'; }
        private Object metricsState;
        @Override public Object metricsState() { return metricsState; }
        @Override public void metricsState(Object state) { metricsState = state; }
    }
}
