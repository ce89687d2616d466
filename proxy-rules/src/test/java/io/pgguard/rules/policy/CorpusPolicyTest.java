package io.pgguard.rules.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.pgguard.rules.Decision;
import io.pgguard.rules.ParsedBy;
import io.pgguard.rules.PolicyEngine;
import io.pgguard.rules.StatementContext;
import io.pgguard.rules.StatementFacts;
import io.pgguard.rules.StatementSource;
import io.pgguard.rules.TestFiles;
import io.pgguard.rules.TestFiles.Case;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Every case of the shared corpus, as app_rw under deploy/examples/reference-policy.conf: benign cases must be
 * allowed (a false reject breaks an application), adversarial ones decided as the corpus says (a miss lets harm
 * through). Each case is its own test, named by its SQL; a summary line reports the counts.
 */
class CorpusPolicyTest {

    private static final PolicyEngine ENGINE = new PolicyEngine(TestFiles.exampleRules("reference-policy.conf"), 10_000);

    static StatementContext appRw(String sql) {
        // Statements with $n parameters arrive in a Parse message; the rest in a simple Query.
        StatementSource source = sql.matches("(?s).*\\$\\d.*") && !sql.contains("$$") ? StatementSource.PARSE
                : StatementSource.SIMPLE_QUERY;
        return new StatementContext("app_rw", "corpus", "production", null, true, source);
    }

    @TestFactory
    Stream<DynamicTest> benignCorpus() {
        return run("benign.jsonl");
    }

    @TestFactory
    Stream<DynamicTest> adversarialCorpus() {
        return run("adversarial.jsonl");
    }

    private Stream<DynamicTest> run(String file) {
        List<Case> cases = TestFiles.corpus(file);
        int falseRejects = 0;
        int misses = 0;
        int full = 0;
        int fallback = 0;
        int unparseable = 0;
        List<DynamicTest> tests = new ArrayList<>();
        for (Case c : cases) {
            Decision d = ENGINE.decide(c.sql(), appRw(c.sql()));
            boolean allowed = d.action() != Decision.Action.REJECT;
            if (c.expectAllow() && !allowed) {
                falseRejects++;
            } else if (!c.expectAllow() && allowed) {
                misses++;
            }
            for (StatementFacts f : d.statements()) {
                if (f.parsedBy() == ParsedBy.FULL_PARSER) {
                    full++;
                } else if (f.parsedBy() == ParsedBy.LEXER_FALLBACK) {
                    fallback++;
                } else {
                    unparseable++;
                }
            }
            tests.add(DynamicTest.dynamicTest("[" + c.expect() + "] " + TestFiles.display(c.sql()), () ->
                    assertEquals(c.expectAllow(), allowed, () -> c.why() + "\n" + d.explanation()
                            + (d.rejection() == null ? "" : d.rejection().message() + "\n" + d.rejection().detail()))));
        }
        System.out.printf("CORPUS %s: %d cases, false rejects %d, misses %d; statements classified by full parser %d, "
                + "lexer fallback %d, unparseable %d%n", file, cases.size(), falseRejects, misses, full, fallback, unparseable);
        return tests.stream();
    }
}
