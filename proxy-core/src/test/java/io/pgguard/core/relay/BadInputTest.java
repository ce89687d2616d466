package io.pgguard.core.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgguard.core.inspect.StatementInspector;
import io.pgguard.core.relay.ProxyEvents;
import io.pgguard.core.relay.ProxySettings;
import io.pgguard.core.testing.PostgresFixture;
import io.pgguard.core.testing.ProxyHarness;
import io.pgguard.core.tls.ClientTls;
import io.pgguard.core.upstream.Routing;
import io.pgguard.core.upstream.Upstream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.postgresql.util.PSQLException;

/** Malformed input gets an ErrorResponse with SQLSTATE 08P01 and a closed connection; everyone else goes on. */
class BadInputTest {
    static PostgresFixture pg;
    static ProxyHarness proxy;
    static final ProtocolErrors protocolErrors = new ProtocolErrors();

    /** The events a metrics sink would see: one protocol error per bad connection, not one per read. */
    static final class ProtocolErrors implements ProxyEvents {
        final AtomicInteger count = new AtomicInteger();

        @Override
        public void protocolError(String kind, String clientAddress, String detail) {
            count.incrementAndGet();
        }
    }

    @BeforeAll
    static void start() throws Exception {
        pg = PostgresFixture.get();
        Upstream upstream = Upstream.plain("test", pg.host(), pg.port());
        ProxySettings settings = new ProxySettings(Routing.single(upstream), ClientTls.off(), 1024 * 1024,
                Duration.ofSeconds(2), Duration.ofSeconds(5), Set.of());
        proxy = new ProxyHarness(pg, settings, StatementInspector.ALLOW_ALL, protocolErrors);
        pg.role("bad_input_user", "pw");
    }

    @AfterAll
    static void stop() {
        proxy.close();
    }

    /** Reads backend messages until an ErrorResponse and returns its fields, or fails at end of stream. */
    static Map<Character, String> readError(DataInputStream in) throws IOException {
        while (true) {
            int type = in.read();
            if (type < 0) {
                throw new AssertionError("connection closed without an ErrorResponse");
            }
            int length = in.readInt();
            byte[] body = new byte[length - 4];
            in.readFully(body);
            if (type == 'E') {
                Map<Character, String> fields = new HashMap<>();
                int i = 0;
                while (body[i] != 0) {
                    char code = (char) body[i++];
                    int start = i;
                    while (body[i] != 0) {
                        i++;
                    }
                    fields.put(code, new String(body, start, i - start, StandardCharsets.UTF_8));
                    i++;
                }
                return fields;
            }
        }
    }

    static void assertClosed(DataInputStream in) throws IOException {
        assertEquals(-1, in.read(), "the proxy closed the connection");
    }

    @Test
    void garbageInsteadOfAStartupPacket() throws Exception {
        int errorsBefore = protocolErrors.count.get();
        try (Socket s = new Socket("127.0.0.1", proxy.port())) {
            s.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            DataInputStream in = new DataInputStream(s.getInputStream());
            Map<Character, String> error = readError(in);
            assertEquals("08P01", error.get('C'));
            assertTrue(error.get('M').contains("invalid length of startup packet"), error.get('M'));
            assertClosed(in);
        }
        assertStillServing();
        assertEquals(errorsBefore + 1, protocolErrors.count.get(), "one bad connection, one protocol error");
    }

    @Test
    void unsupportedProtocolVersion() throws Exception {
        try (Socket s = new Socket("127.0.0.1", proxy.port())) {
            DataOutputStream out = new DataOutputStream(s.getOutputStream());
            out.writeInt(8 + 5 + 2);
            out.writeInt(2 << 16);
            out.write("user\0x\0".getBytes(StandardCharsets.US_ASCII));
            Map<Character, String> error = readError(new DataInputStream(s.getInputStream()));
            assertEquals("08P01", error.get('C'));
            assertTrue(error.get('M').contains("unsupported frontend protocol"), error.get('M'));
        }
    }

    @Test
    void unknownMessageTypeAfterLogin() throws Exception {
        int errorsBefore = protocolErrors.count.get();
        try (Socket s = new Socket("127.0.0.1", proxy.port())) {
            DataOutputStream out = new DataOutputStream(s.getOutputStream());
            DataInputStream in = new DataInputStream(s.getInputStream());
            loginAsSuperuser(out, in);
            out.write('!');
            out.writeInt(4);
            out.write("and more bytes behind the bad message".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            Map<Character, String> error = readError(in);
            assertEquals("08P01", error.get('C'));
            assertTrue(error.get('M').contains("invalid frontend message type"), error.get('M'));
            assertClosed(in);
        }
        assertStillServing();
        assertEquals(errorsBefore + 1, protocolErrors.count.get(), "one bad connection, one protocol error");
    }

    @Test
    void messageOverTheSizeLimitAndNegativeLengths() throws Exception {
        for (int length : new int[] {2 * 1024 * 1024, -5, 2}) {
            try (Socket s = new Socket("127.0.0.1", proxy.port())) {
                DataOutputStream out = new DataOutputStream(s.getOutputStream());
                DataInputStream in = new DataInputStream(s.getInputStream());
                loginAsSuperuser(out, in);
                out.write('Q');
                out.writeInt(length);
                out.flush();
                Map<Character, String> error = readError(in);
                assertEquals("08P01", error.get('C'), "length " + length);
                assertClosed(in);
            }
        }
        assertStillServing();
    }

    @Test
    void startupThatNeverFinishesTimesOut() throws Exception {
        try (Socket s = new Socket("127.0.0.1", proxy.port())) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(new byte[] {0, 0}); // half a length field, then silence
            Map<Character, String> error = readError(new DataInputStream(s.getInputStream()));
            assertEquals("08P01", error.get('C'));
            assertTrue(error.get('M').contains("did not finish"), error.get('M'));
        }
    }

    @Test
    void replicationConnectionsAreRefusedClearly() throws Exception {
        try (Socket s = new Socket("127.0.0.1", proxy.port())) {
            DataOutputStream out = new DataOutputStream(s.getOutputStream());
            byte[] params = "user\0postgres\0replication\0database\0\0".getBytes(StandardCharsets.US_ASCII);
            out.writeInt(8 + params.length);
            out.writeInt(196608);
            out.write(params);
            Map<Character, String> error = readError(new DataInputStream(s.getInputStream()));
            assertEquals("0A000", error.get('C'));
            assertTrue(error.get('M').contains("replication"));
        }
    }

    @Test
    void upstreamDownGivesAConnectionErrorNamingTheUpstream() throws Exception {
        int closedPort;
        try (ServerSocket probe = new ServerSocket(0)) {
            closedPort = probe.getLocalPort();
        }
        Upstream down = Upstream.plain("reports-db", "127.0.0.1", closedPort);
        try (ProxyHarness broken = new ProxyHarness(pg, ProxySettings.defaults(Routing.single(down)),
                StatementInspector.ALLOW_ALL, ProxyEvents.NONE)) {
            PSQLException e = assertThrows(PSQLException.class, () -> broken.connect("bad_input_user", "pw"));
            assertEquals("08001", e.getSQLState());
            assertTrue(e.getMessage().contains("reports-db"), e.getMessage());
            assertTrue(!e.getMessage().contains("at io.netty"), "no stack trace reaches the client");
        }
    }

    static void loginAsSuperuser(DataOutputStream out, DataInputStream in) throws IOException {
        loginAsSuperuser(out, in, "raw-test");
    }

    /** Logs in the superuser (trusted by the fixture's pg_hba.conf) with an application_name to find it by. */
    static void loginAsSuperuser(DataOutputStream out, DataInputStream in, String applicationName) throws IOException {
        byte[] params = ("user\0postgres\0database\0postgres\0application_name\0" + applicationName + "\0\0")
                .getBytes(StandardCharsets.US_ASCII);
        out.writeInt(8 + params.length);
        out.writeInt(196608);
        out.write(params);
        out.flush();
        while (true) {
            int type = in.read();
            int length = in.readInt();
            in.readFully(new byte[length - 4]);
            if (type == 'Z') {
                return;
            }
            if (type == 'E' || type < 0) {
                throw new AssertionError("login failed");
            }
        }
    }

    static void assertStillServing() throws Exception {
        try (Connection c = proxy.connect("bad_input_user", "pw");
                ResultSet rs = c.createStatement().executeQuery("SELECT 'alive'")) {
            assertTrue(rs.next());
        }
    }
}
