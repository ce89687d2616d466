package io.pgguard.rules.policy;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgguard.rules.Decision;
import io.pgguard.rules.PolicyEngine;
import io.pgguard.rules.RuleSet;
import io.pgguard.rules.StatementContext;
import io.pgguard.rules.StatementSource;
import io.pgguard.rules.TestFiles;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * Decision time for the two heavy benign statements (500-value IN list, 120-column ORM select), uncached and
 * cached, printed for the record (issue 7). The bounds asserted are loose on purpose: this is a smoke check that
 * nothing is pathological; benchmarks/ holds the real measurements.
 */
class DecisionTimingTest {
    private static final RuleSet RULES = TestFiles.exampleRules("reference-policy.conf");
    private static final StatementContext CTX =
            new StatementContext("app_rw", "app", "production", null, true, StatementSource.SIMPLE_QUERY);

    @Test
    void heavyBenignStatementsDecideQuickly() {
        for (String why : new String[] {"500-value IN list as ORMs generate", "long ORM select with 120 aliased columns"}) {
            String sql = TestFiles.corpus("benign.jsonl").stream().filter(c -> c.why().equals(why)).findFirst()
                    .orElseThrow().sql();
            long uncached = medianUncachedNanos(sql);
            PolicyEngine engine = new PolicyEngine(RULES, 100);
            engine.decide(sql, CTX);
            int n = 100_000;
            long start = System.nanoTime();
            for (int i = 0; i < n; i++) {
                engine.decide(sql, CTX);
            }
            long cached = (System.nanoTime() - start) / n;
            System.out.printf("TIMING %s (%d chars): uncached median %d us, cached %d ns%n", why, sql.length(),
                    uncached / 1000, cached);
            assertTrue(uncached < 200_000_000L, "uncached decision took " + uncached / 1000 + " us");
            assertTrue(cached < 100_000L, "cached decision took " + cached + " ns");
        }
    }

    private static long medianUncachedNanos(String sql) {
        long[] runs = new long[31];
        for (int i = 0; i < runs.length; i++) {
            PolicyEngine fresh = new PolicyEngine(RULES, 10);
            long start = System.nanoTime();
            Decision d = fresh.decide(sql, CTX);
            runs[i] = System.nanoTime() - start;
            assertTrue(d.action() != Decision.Action.REJECT, d.explanation());
        }
        Arrays.sort(runs);
        return runs[runs.length / 2];
    }
}
