package io.pgguard.server.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgguard.core.testing.PostgresFixture;
import io.pgguard.server.testing.GuardHarness;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A COPY TO sent as Parse, Bind and Execute, as drivers other than pgjdbc may send it (pgjdbc's CopyManager sends a
 * simple Query, see RuleKindsEndToEndTest): under a read cap of 5 rows, as app_rw under the reference policy, its
 * header line is no row there either, and the rows past the cap never reach the client.
 */
class CopyHeaderEndToEndTest {
    static final String DB = "copy_header_proxy";

    static PostgresFixture pg;
    static GuardHarness capped;

    @BeforeAll
    static void start() throws Exception {
        pg = PostgresFixture.get();
        CompatSupport.corpusDatabase(pg, DB);
        capped = GuardHarness.startReferencePolicyWith(pg, "{ id = read-cap, type = read-row-cap, max-rows = 5 }");
    }

    @AfterAll
    static void stop() {
        if (capped != null) {
            capped.close();
        }
    }

    @Test
    void anExtendedCopyWithAHeaderOfExactlyTheCapPassesAndOneRowMoreIsRefused() throws Exception {
        try (WireClient c = WireClient.connect("127.0.0.1", capped.port(), CompatSupport.APP_USER,
                CompatSupport.APP_PASSWORD, DB)) {
            WireClient.Result exact = copy(c, 5, "WITH (FORMAT csv, HEADER)");
            assertFalse(exact.failed(), exact::transcript);
            assertEquals(List.of("d g\n", "d 1\n", "d 2\n", "d 3\n", "d 4\n", "d 5\n"), copied(exact),
                    exact::transcript);

            WireClient.Result over = copy(c, 6, "WITH (FORMAT csv, HEADER)");
            assertEquals("54000", over.sqlState(), over::transcript);
            assertTrue(copied(over).size() <= 6, over::transcript);

            WireClient.Result noHeader = copy(c, 6, "WITH (FORMAT csv, HEADER false)");
            assertEquals("54000", noHeader.sqlState(), noHeader::transcript);
            assertTrue(copied(noHeader).size() <= 5, noHeader::transcript);

            WireClient.Result after = c.query("SELECT 42 AS answer");
            assertFalse(after.failed(), after::transcript);
        }
    }

    private static WireClient.Result copy(WireClient c, int rows, String options) throws Exception {
        byte[] text = ("COPY (SELECT g FROM generate_series(1, " + rows + ") g) TO STDOUT " + options)
                .getBytes(StandardCharsets.UTF_8);
        return c.pipeline(1, WireClient.parseMessage(text), WireClient.bindAndExecute(), WireClient.syncMessage())
                .get(0);
    }

    private static List<String> copied(WireClient.Result r) {
        return r.lines().stream().filter(l -> l.startsWith("d ")).toList();
    }
}
