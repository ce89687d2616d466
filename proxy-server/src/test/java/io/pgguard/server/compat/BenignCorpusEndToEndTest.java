package io.pgguard.server.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.fail;

import io.pgguard.core.testing.PostgresFixture;
import io.pgguard.server.compat.CompatSupport.Case;
import io.pgguard.server.testing.GuardHarness;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Every case of shared/corpus/benign.jsonl, as app_rw, once straight against PostgreSQL and once through PgGuard
 * with deploy/examples/reference-policy.conf, on two databases loaded from the same schema.sql, in the same order
 * on long-lived sessions (as an application would send them). The two transcripts (every backend message: row
 * descriptions, rows, command tags, notices, errors with SQLSTATE, ParameterStatus, notifications, COPY data,
 * transaction status) must be identical, and nothing may be refused. Each case is its own test named by its SQL.
 */
class BenignCorpusEndToEndTest {
    static final String DIRECT_DB = "corpus_direct";
    static final String PROXY_DB = "corpus_proxy";
    static final String EXT_DIRECT_DB = "corpus_ext_direct";
    static final String EXT_PROXY_DB = "corpus_ext_proxy";

    static PostgresFixture pg;
    static GuardHarness guard;
    static WireClient direct;
    static WireClient proxied;
    static WireClient extDirect;
    static WireClient extProxied;
    static int extTotal;
    static int extFalseRejects;
    static int extOtherDifferences;
    static int total;
    static int falseRejects;
    static int otherDifferences;
    static int directFailures;

    @BeforeAll
    static void start() throws Exception {
        pg = PostgresFixture.get();
        CompatSupport.corpusDatabase(pg, DIRECT_DB);
        CompatSupport.corpusDatabase(pg, PROXY_DB);
        CompatSupport.corpusDatabase(pg, EXT_DIRECT_DB);
        CompatSupport.corpusDatabase(pg, EXT_PROXY_DB);
        guard = GuardHarness.start(pg, GuardHarness.referencePolicy(), Map.of());
        direct = WireClient.connect(pg.host(), pg.port(), CompatSupport.APP_USER, CompatSupport.APP_PASSWORD, DIRECT_DB);
        proxied = WireClient.connect("127.0.0.1", guard.port(), CompatSupport.APP_USER, CompatSupport.APP_PASSWORD,
                PROXY_DB);
        extDirect = WireClient.connect(pg.host(), pg.port(), CompatSupport.APP_USER, CompatSupport.APP_PASSWORD,
                EXT_DIRECT_DB);
        extProxied = WireClient.connect("127.0.0.1", guard.port(), CompatSupport.APP_USER, CompatSupport.APP_PASSWORD,
                EXT_PROXY_DB);
    }

    @AfterAll
    static void stop() {
        System.out.printf("BENIGN CORPUS END TO END (reference policy, app_rw): %d cases, false rejects %d, "
                + "other differences from direct PostgreSQL %d, cases failing on PostgreSQL itself %d%n",
                total, falseRejects, otherDifferences, directFailures);
        System.out.printf("BENIGN CORPUS END TO END, every case as Parse/Bind/Execute (reference policy, app_rw): "
                + "%d cases, false rejects %d, other differences from direct PostgreSQL %d%n",
                extTotal, extFalseRejects, extOtherDifferences);
        for (WireClient c : new WireClient[] {direct, proxied, extDirect, extProxied}) {
            if (c != null) {
                c.close();
            }
        }
        if (guard != null) {
            guard.close();
        }
    }

    @Test
    void startupParametersAreTheServers() {
        Map<String, String> d = direct.parameters();
        Map<String, String> p = proxied.parameters();
        assertFalse(d.isEmpty());
        assertEquals(d, p, "ParameterStatus at start-up, direct vs through PgGuard");
    }

    @TestFactory
    Stream<DynamicTest> benignCorpus() {
        List<Case> cases = CompatSupport.corpus("benign.jsonl");
        return cases.stream().map(c -> DynamicTest.dynamicTest(CompatSupport.display(c.sql()), () -> run(c)));
    }

    /**
     * The same cases, every one sent in the extended protocol (Parse, Bind, Execute; parameters where it has $n),
     * as drivers in their default mode send them. PostgreSQL refuses a multi-statement string in a Parse; PgGuard
     * must answer exactly the same.
     */
    @TestFactory
    Stream<DynamicTest> benignCorpusInTheExtendedProtocol() {
        List<Case> cases = CompatSupport.corpus("benign.jsonl");
        return cases.stream().map(c -> DynamicTest.dynamicTest("[extended] " + CompatSupport.display(c.sql()),
                () -> runExtended(c)));
    }

    private static void runExtended(Case c) throws Exception {
        extTotal++;
        WireClient.Result d = extDirect.extended(c.sql());
        WireClient.Result p = extProxied.extended(c.sql());
        String expected = normalize(d.transcript());
        String actual = normalize(p.transcript());
        if (d.status() != 'I') {
            extDirect.query("ROLLBACK");
        }
        if (p.status() != 'I') {
            extProxied.query("ROLLBACK");
        }
        boolean refused = actual.contains("PgGuard");
        if (refused) {
            extFalseRejects++;
            fail("FALSE REJECT by PgGuard in the extended protocol (" + c.why() + "):\n" + c.sql()
                    + "\n--- through PgGuard ---\n" + actual + "\n--- direct ---\n" + expected);
        }
        if (!expected.equals(actual)) {
            extOtherDifferences++;
        }
        assertEquals(expected, actual, () -> "through PgGuard differs from direct PostgreSQL (" + c.why() + "): "
                + c.sql());
    }

    private static void run(Case c) throws Exception {
        total++;
        WireClient.Result d = send(direct, c);
        WireClient.Result p = send(proxied, c);
        String expected = normalize(d.transcript());
        String actual = normalize(p.transcript());
        // Leave both sessions idle for the next case, the same way on both sides.
        if (d.status() != 'I') {
            direct.query("ROLLBACK");
        }
        if (p.status() != 'I') {
            proxied.query("ROLLBACK");
        }
        boolean refused = actual.contains("PgGuard");
        if (refused) {
            falseRejects++;
        } else if (!expected.equals(actual)) {
            otherDifferences++;
        }
        if (d.failed()) {
            directFailures++;
        }
        if (refused) {
            fail("FALSE REJECT by PgGuard (" + c.why() + "):\n" + c.sql() + "\n--- through PgGuard ---\n" + actual
                    + "\n--- direct ---\n" + expected);
        }
        assertEquals(expected, actual, () -> "through PgGuard differs from direct PostgreSQL (" + c.why() + "): "
                + c.sql());
        assertFalse(d.failed(), () -> "the corpus says this runs without error as app_rw, but PostgreSQL itself "
                + "failed:\n" + expected);
    }

    private static WireClient.Result send(WireClient client, Case c) throws Exception {
        return c.parameterised() ? client.extended(c.sql()) : client.query(c.sql());
    }

    /** The two sessions are on different databases; nothing else may differ. */
    static String normalize(String transcript) {
        return transcript.replace(EXT_DIRECT_DB, "<database>").replace(EXT_PROXY_DB, "<database>")
                .replace(DIRECT_DB, "<database>").replace(PROXY_DB, "<database>");
    }
}
