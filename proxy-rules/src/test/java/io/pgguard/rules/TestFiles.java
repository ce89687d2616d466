package io.pgguard.rules;

import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.ConfigFactory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Finds the shared corpus (a sibling of the repository) and the repository's example configs. */
public final class TestFiles {
    private TestFiles() {
    }

    public record Case(String sql, String kind, String expect, String why) {
        public boolean expectAllow() {
            return expect.equals("allow");
        }
    }

    /**
     * The shared corpus beside the repository (../shared/corpus, found by walking up from the working directory),
     * else the repository's snapshot of it (testdata/corpus), for a clone that has no shared folder beside it.
     */
    public static Path corpusDir() {
        Path snapshot = null;
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            Path shared = p.resolve("shared").resolve("corpus");
            if (Files.isRegularFile(shared.resolve("benign.jsonl"))) {
                return shared;
            }
            Path bundled = p.resolve("testdata").resolve("corpus");
            if (snapshot == null && Files.isRegularFile(bundled.resolve("benign.jsonl"))) {
                snapshot = bundled;
            }
        }
        if (snapshot != null) {
            return snapshot;
        }
        return fail("neither ../shared/corpus nor testdata/corpus found above " + Path.of("").toAbsolutePath());
    }

    /** Walks up from the working directory to the repository root (the folder with deploy/examples). */
    public static Path repoRoot() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("deploy/examples/reference-policy.conf"))) {
                return p;
            }
        }
        return fail("deploy/examples/reference-policy.conf not found above " + Path.of("").toAbsolutePath());
    }

    public static List<Case> corpus(String file) {
        ObjectMapper json = new ObjectMapper();
        List<Case> cases = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(corpusDir().resolve(file), StandardCharsets.UTF_8)) {
                if (line.isBlank()) {
                    continue;
                }
                JsonNode n = json.readTree(line);
                cases.add(new Case(n.get("sql").asText(), n.get("kind").asText(), n.get("expect").asText(),
                        n.get("why").asText()));
            }
        } catch (IOException e) {
            fail("cannot read corpus file " + file + ": " + e);
        }
        return cases;
    }

    public static RuleSet exampleRules(String file) {
        Path conf = repoRoot().resolve("deploy/examples").resolve(file);
        return RuleSet.fromConfig(ConfigFactory.parseFile(conf.toFile()).resolve().getConfig("pgguard.rules"));
    }

    /** Display names must stay readable: long SQL is cut, control characters made visible. */
    public static String display(String sql) {
        String s = sql.replace("\n", "\\n").replace("\t", "\\t").replace("\f", "\\f");
        return s.length() > 160 ? s.substring(0, 157) + "..." : s;
    }
}
