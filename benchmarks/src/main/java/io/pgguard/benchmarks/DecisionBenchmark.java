package io.pgguard.benchmarks;

import io.pgguard.rules.Decision;
import io.pgguard.rules.PolicyEngine;
import io.pgguard.rules.RuleSet;
import io.pgguard.rules.StatementFacts;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The rules engine's decision for one query string of user app_rw under the reference policy
 * ({@code -Dpgguard.policy=FILE}, default {@code deploy/examples/reference-policy.conf} from the working directory).
 *
 * <ul>
 *   <li>{@code cacheHit}: the same text again, served from the decision cache (target: under 1 µs);</li>
 *   <li>{@code cacheHitDecodedText}: a hit as the proxy sees it: each call decodes the text from its UTF-8 bytes
 *   into a new String (what Query/Parse decoding does), so the cache hashes and compares the whole text; the
 *   same-instance hit above skips that (String caches its hash, equals short-cuts on identity);</li>
 *   <li>{@code uncached}: a {@link PolicyEngine} whose cache holds nothing (size 0), so every call lexes, splits,
 *   parses, builds facts and evaluates every rule: the cost of the first sight of a text (target for OLTP
 *   statements: under 50 µs median). The miss path's cache lookup and insert are included, as in the proxy.</li>
 * </ul>
 */
@State(Scope.Benchmark)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class DecisionBenchmark {

    @Param({"pgbench_select", "pgbench_update", "pgbench_insert", "join3", "insert20", "orm10k", "in500", "select120"})
    public String statement;

    private String sql;
    private byte[] utf8;
    private PolicyEngine cached;
    private PolicyEngine uncached;

    @Setup(Level.Trial)
    public void setUp() {
        RuleSet rules = Policies.load();
        sql = Statements.byName(statement);
        utf8 = sql.getBytes(StandardCharsets.UTF_8);
        cached = new PolicyEngine(rules, 10_000);
        uncached = new PolicyEngine(rules, 0);
        Decision d = cached.decide(sql, Policies.CONTEXT);
        // One line per trial, so a run shows that the benchmark measures the real path (forwarded, parsed in full)
        StringBuilder b = new StringBuilder("# ").append(statement).append(": ").append(sql.length())
                .append(" chars, ").append(d.action()).append(" by ").append(d.matchedRuleId()).append(", parsed by");
        for (StatementFacts f : d.statements()) {
            b.append(' ').append(f.parsedBy());
        }
        System.out.println(b);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        System.out.println("# " + statement + ": uncached engine hits=" + uncached.cacheHits() + " misses="
                + uncached.cacheMisses() + "; cached engine hits=" + cached.cacheHits() + " misses="
                + cached.cacheMisses());
    }

    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    public void cacheHit(Blackhole bh) {
        bh.consume(cached.decide(sql, Policies.CONTEXT));
    }

    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    public void cacheHitDecodedText(Blackhole bh) {
        bh.consume(cached.decide(new String(utf8, StandardCharsets.UTF_8), Policies.CONTEXT));
    }

    @Benchmark
    @BenchmarkMode(Mode.SampleTime)
    public void uncached(Blackhole bh) {
        bh.consume(uncached.decide(sql, Policies.CONTEXT));
    }
}
