package io.pgguard.core.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgguard.core.inspect.StatementInspector;
import io.pgguard.core.testing.Cli;
import io.pgguard.core.testing.JdbcCancel;
import io.pgguard.core.testing.PostgresFixture;
import io.pgguard.core.testing.ProxyHarness;
import io.pgguard.core.transport.Transport;
import java.sql.Connection;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The relay on each transport this machine runs (io_uring, epoll, NIO): the rest of the suite runs on the one PgGuard
 * picks by default (and again on epoll), so these check that every one loads, relays and cancels the same way.
 * DisconnectTest, BackpressureTest and the Unix-domain socket tests also run on each.
 */
class TransportsTest {
    static final Map<String, String> ENV = Map.of("PGPASSWORD", "transport_pw");
    static PostgresFixture pg;

    @BeforeAll
    static void start() throws Exception {
        pg = PostgresFixture.get();
        pg.role("transport_user", "transport_pw");
        pg.sql("DROP DATABASE IF EXISTS transport_db; CREATE DATABASE transport_db OWNER transport_user");
        Cli.Result init = Cli.run(List.of(Cli.require("pgbench"), "-h", pg.host(), "-p", Integer.toString(pg.port()),
                "-U", "transport_user", "-i", "-s", "1", "-q", "transport_db"), ENV, null, 120);
        assertEquals(0, init.exitCode(), init.all());
    }

    @ParameterizedTest(name = "on {0}")
    @EnumSource(Transport.class)
    void pgbenchRunsInEveryQueryMode(Transport transport) throws Exception {
        try (ProxyHarness proxy = new ProxyHarness(pg, StatementInspector.ALLOW_ALL, transport)) {
            for (String mode : new String[] {"simple", "extended", "prepared"}) {
                Cli.Result run = Cli.run(List.of(Cli.require("pgbench"), "-h", "127.0.0.1", "-p",
                        Integer.toString(proxy.port()), "-U", "transport_user", "-M", mode, "-c", "4", "-j", "2",
                        "-t", "250", "transport_db"), ENV, null, 120);
                assertEquals(0, run.exitCode(), mode + ": " + run.all());
                assertTrue(run.stdout().contains("number of transactions actually processed: 1000/1000"),
                        mode + ": " + run.stdout());
                assertTrue(run.stdout().contains("number of failed transactions: 0"), mode + ": " + run.stdout());
            }
        }
    }

    @ParameterizedTest(name = "on {0}")
    @EnumSource(Transport.class)
    void aCancelOnANewConnectionStopsTheStatement(Transport transport) throws Exception {
        try (ProxyHarness proxy = new ProxyHarness(pg, StatementInspector.ALLOW_ALL, transport);
                Connection c = proxy.connect("transport_user", "transport_pw");
                Statement statement = c.createStatement()) {
            JdbcCancel.assertCancelStopsASleep(statement);
        }
    }
}
