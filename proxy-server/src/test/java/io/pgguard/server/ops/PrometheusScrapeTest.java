package io.pgguard.server.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.pgguard.core.testing.Cli;
import io.pgguard.core.testing.PostgresFixture;
import io.pgguard.server.testing.GuardHarness;
import java.io.File;
import java.sql.Connection;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A real Prometheus (the distribution's package) scrapes a running PgGuard and finds its series. */
class PrometheusScrapeTest {

    @Test
    void prometheusFindsPgGuardSeries() throws Exception {
        PostgresFixture pg = PostgresFixture.get();
        pg.role("scrape_user", "pw");
        File script = new File(GuardHarness.referencePolicy().getParentFile().getParentFile(), "test/prometheus-scrape.sh");
        try (GuardHarness guard = GuardHarness.start(pg, null, Map.of())) {
            try (Connection c = guard.connect("scrape_user", "pw")) {
                c.createStatement().execute("SELECT 1");
            }
            Cli.require("prometheus");
            Cli.Result r = Cli.run(List.of("bash", script.getPath(), "127.0.0.1:" + guard.app().adminAddress().getPort()),
                    Map.of("WAIT_SECONDS", "40"), null, 120);
            assertEquals(0, r.exitCode(), r.all());
        }
    }
}
