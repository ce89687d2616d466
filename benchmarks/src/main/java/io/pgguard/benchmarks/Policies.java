package io.pgguard.benchmarks;

import com.typesafe.config.ConfigFactory;
import io.pgguard.rules.RuleSet;
import io.pgguard.rules.StatementContext;
import java.io.File;

/** Loads the rules the decision benchmarks run with. */
final class Policies {
    /** System property naming the policy file; relative paths are taken from the working directory. */
    static final String PROPERTY = "pgguard.policy";
    static final String DEFAULT_PATH = "deploy/examples/reference-policy.conf";

    /** The session every benchmark decides for: the governed user of the reference policy. */
    static final StatementContext CONTEXT = StatementContext.of("app_rw", "postgres", "default");

    private Policies() {
    }

    static RuleSet load() {
        String path = System.getProperty(PROPERTY, DEFAULT_PATH);
        File file = new File(path);
        if (!file.isFile()) {
            // ConfigFactory.parseFile would quietly return an empty config for a missing file
            throw new IllegalStateException("policy file " + file.getAbsolutePath() + " not found: run from the"
                    + " repository root or pass -D" + PROPERTY + "=FILE");
        }
        return RuleSet.fromConfig(ConfigFactory.parseFile(file).resolve().getConfig("pgguard.rules"));
    }
}
