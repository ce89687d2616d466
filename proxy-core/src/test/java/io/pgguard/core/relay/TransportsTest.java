package io.pgguard.core.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgguard.core.inspect.StatementInspector;
import io.pgguard.core.testing.Cli;
import io.pgguard.core.testing.JdbcCancel;
import io.pgguard.core.testing.PostgresFixture;
import io.pgguard.core.testing.ProxyHarness;
import io.pgguard.core.transport.Transport;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.net.Socket;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The relay on each transport this machine runs (io_uring, epoll, NIO): the rest of the suite runs on the one PgGuard
 * picks by default, so these check that the others load, relay, cancel and close the same way.
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

    @ParameterizedTest(name = "on {0}")
    @EnumSource(Transport.class)
    void eitherSideGoingAwayClosesTheOther(Transport transport) throws Exception {
        String application = "vanishing-on-" + transport.configName();
        try (ProxyHarness proxy = new ProxyHarness(pg, StatementInspector.ALLOW_ALL, transport)) {
            try (Socket s = new Socket("127.0.0.1", proxy.port())) {
                BadInputTest.loginAsSuperuser(new DataOutputStream(s.getOutputStream()),
                        new DataInputStream(s.getInputStream()), application);
                pg.awaitBackends("app:" + application, 1);
                s.setSoLinger(true, 0); // a reset, not a goodbye
            }
            pg.awaitBackends("app:" + application, 0);

            try (Connection c = proxy.connect("transport_user", "transport_pw")) {
                pg.awaitBackends("transport_user", 1);
                pg.sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = 'transport_user'");
                SQLException e = assertThrows(SQLException.class, () -> c.createStatement().execute("SELECT 1"));
                assertTrue(e.getSQLState().startsWith("57P01") || e.getSQLState().startsWith("08"), e.getSQLState());
            }
            pg.awaitBackends("transport_user", 0);
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (proxy.server().context().connectionCount() != 0 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertEquals(0, proxy.server().context().connectionCount());
        }
    }
}
