package io.pgguard.core.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgguard.core.inspect.StatementInspector;
import io.pgguard.core.testing.PostgresFixture;
import io.pgguard.core.testing.ProxyHarness;
import io.pgguard.core.transport.Transport;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * When either side goes away the other is closed and nothing is left behind, on every transport; protocol
 * negotiation passes.
 */
class DisconnectTest {
    static PostgresFixture pg;
    static ProxyHarness proxy;

    @BeforeAll
    static void start() throws Exception {
        pg = PostgresFixture.get();
        proxy = new ProxyHarness(pg, StatementInspector.ALLOW_ALL);
        pg.role("disc_user", "pw");
    }

    @AfterAll
    static void stop() {
        proxy.close();
    }

    @ParameterizedTest(name = "on {0}")
    @EnumSource(Transport.class)
    void clientVanishingClosesItsServerConnection(Transport transport) throws Exception {
        String application = "vanishing-on-" + transport.configName();
        try (ProxyHarness proxy = new ProxyHarness(pg, StatementInspector.ALLOW_ALL, transport)) {
            try (Socket s = new Socket("127.0.0.1", proxy.port())) {
                BadInputTest.loginAsSuperuser(new DataOutputStream(s.getOutputStream()),
                        new DataInputStream(s.getInputStream()), application);
                pg.awaitBackends("app:" + application, 1);
                s.setSoLinger(true, 0); // a reset, not a goodbye
            }
            pg.awaitBackends("app:" + application, 0);
            awaitNoConnections(proxy);
        }
    }

    @ParameterizedTest(name = "on {0}")
    @EnumSource(Transport.class)
    void serverTerminatingTheBackendClosesTheClient(Transport transport) throws Exception {
        try (ProxyHarness proxy = new ProxyHarness(pg, StatementInspector.ALLOW_ALL, transport)) {
            try (Connection c = proxy.connect("disc_user", "pw")) {
                pg.awaitBackends("disc_user", 1);
                pg.sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = 'disc_user'");
                SQLException e = assertThrows(SQLException.class, () -> c.createStatement().execute("SELECT 1"));
                assertTrue(e.getSQLState().startsWith("57P01") || e.getSQLState().startsWith("08"), e.getSQLState());
            }
            pg.awaitBackends("disc_user", 0);
            awaitNoConnections(proxy);
        }
    }

    private static void awaitNoConnections(ProxyHarness proxy) throws InterruptedException {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (proxy.server().context().connectionCount() != 0 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertEquals(0, proxy.server().context().connectionCount());
    }

    @Test
    void newerProtocolMinorVersionIsNegotiatedByTheServer() throws Exception {
        try (Socket s = new Socket("127.0.0.1", proxy.port())) {
            DataOutputStream out = new DataOutputStream(s.getOutputStream());
            DataInputStream in = new DataInputStream(s.getInputStream());
            byte[] params = "user\0postgres\0database\0postgres\0_pq_.pgguard_test\0on\0\0".getBytes(StandardCharsets.US_ASCII);
            out.writeInt(8 + params.length);
            out.writeInt((3 << 16) | 9);
            out.write(params);
            out.flush();
            boolean negotiated = false;
            while (true) {
                int type = in.read();
                int length = in.readInt();
                in.readFully(new byte[length - 4]);
                negotiated |= type == 'v';
                if (type == 'Z' || type == 'E') {
                    assertEquals('Z', type);
                    break;
                }
            }
            assertTrue(negotiated, "NegotiateProtocolVersion passed through");
        }
    }
}
