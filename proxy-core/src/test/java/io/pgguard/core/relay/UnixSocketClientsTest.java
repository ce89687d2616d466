package io.pgguard.core.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgguard.core.inspect.StatementInspector;
import io.pgguard.core.testing.Cli;
import io.pgguard.core.testing.PostgresFixture;
import io.pgguard.core.testing.ProxyHarness;
import io.pgguard.core.transport.Transport;
import io.pgguard.core.upstream.Routing;
import io.pgguard.core.upstream.Upstream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Clients on PgGuard's own Unix-domain socket, {@code .s.PGSQL.<port>} in a directory as PostgreSQL and PgBouncer
 * name theirs: psql reaches it with {@code -h DIR -p PORT}, cancels arrive on it too, and the file is PgGuard's
 * to create, to replace when stale and to remove. (TLS on it: {@link TlsTest}.)
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class UnixSocketClientsTest {
    private static final Set<PosixFilePermission> ANYONE = PosixFilePermissions.fromString("rwxrwxrwx");
    private Path directory;

    @BeforeEach
    void socketDirectory() throws IOException {
        directory = Files.createTempDirectory("pgguard-usock");
    }

    @AfterEach
    void removeDirectory() throws IOException {
        try (var files = Files.list(directory)) {
            for (Path f : files.toList()) {
                Files.delete(f);
            }
        }
        Files.delete(directory);
    }

    private static ProxyHarness proxy(Transport transport) throws InterruptedException {
        PostgresFixture pg = PostgresFixture.get();
        return new ProxyHarness(pg, ProxySettings.defaults(Routing.single(Upstream.plain("test", pg.host(), pg.port()))),
                StatementInspector.ALLOW_ALL, ProxyEvents.NONE, transport);
    }

    private Path socketOf(ProxyHarness proxy) {
        return directory.resolve(".s.PGSQL." + proxy.port());
    }

    @ParameterizedTest(name = "on {0}")
    @EnumSource(Transport.class)
    void psqlConnectsThroughTheSocketDirectoryAndPort(Transport transport) throws Exception {
        try (ProxyHarness proxy = proxy(transport)) {
            Path socket = socketOf(proxy);
            proxy.server().startUnixSocket(socket, PosixFilePermissions.fromString("rwxrwx---"));
            assertEquals(PosixFilePermissions.fromString("rwxrwx---"), Files.getPosixFilePermissions(socket));
            assertEquals(List.of(socket), filesIn(directory), "the socket alone, under its own name");
            Cli.Result r = Cli.run(List.of(Cli.require("psql"), "-h", directory.toString(), "-p",
                    Integer.toString(proxy.port()), "-U", PostgresFixture.SUPERUSER, "-d", "postgres", "-At", "-c",
                    "SELECT 'through ' || current_user"), Map.of(), null, 30);
            assertEquals(0, r.exitCode(), r.all());
            assertEquals("through postgres", r.stdout().trim());
            proxy.server().stopAccepting();
            assertFalse(Files.exists(socket), "the socket file goes with the listener");
        }
    }

    /** psql and libpq send a CancelRequest to the address they are connected to: here, the socket. */
    @ParameterizedTest(name = "on {0}")
    @EnumSource(Transport.class)
    void aCancelArrivingOnTheSocketStopsTheStatement(Transport transport) throws Exception {
        try (ProxyHarness proxy = proxy(transport)) {
            Path socket = socketOf(proxy);
            proxy.server().startUnixSocket(socket, ANYONE);
            try (RawSession session = RawSession.open(socket)) {
                session.query("SELECT pg_sleep(30)");
                Thread.sleep(300);
                try (SocketChannel cancel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                    cancel.connect(UnixDomainSocketAddress.of(socket));
                    DataOutputStream out = new DataOutputStream(Channels.newOutputStream(cancel));
                    out.writeInt(16);
                    out.writeInt(80877102);
                    out.writeInt(session.processId);
                    out.writeInt(session.secretKey);
                    out.flush();
                    assertEquals(-1, Channels.newInputStream(cancel).read(), "PgGuard hangs up, as PostgreSQL does");
                }
                long start = System.nanoTime();
                assertEquals("57014", session.errorCodeOfNextAnswer());
                assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(20), "cancelled, not finished");
            }
        }
    }

    @ParameterizedTest(name = "on {0}")
    @EnumSource(Transport.class)
    void aStaleSocketFileIsReplacedAndALiveOneFailsTheStart(Transport transport) throws Exception {
        try (ProxyHarness first = proxy(transport); ProxyHarness second = proxy(transport);
                ProxyHarness third = proxy(transport)) {
            Path socket = directory.resolve(".s.PGSQL.7");
            first.server().startUnixSocket(socket, ANYONE);
            IOException inUse = assertThrows(IOException.class, () -> second.server().startUnixSocket(socket, ANYONE));
            assertTrue(inUse.getMessage().contains("another server listens on " + socket), inUse.getMessage());

            // A socket file left behind by a process that died: nobody answers on it.
            Files.delete(socket);
            try (SocketChannel orphan = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                orphan.bind(UnixDomainSocketAddress.of(socket));
            }
            assertTrue(Files.exists(socket));
            second.server().startUnixSocket(socket, ANYONE);
            try (RawSession session = RawSession.open(socket)) {
                session.query("SELECT 1");
                assertEquals(null, session.errorCodeOfNextAnswer(), "the new listener serves");
            }
            Path notASocket = Files.writeString(directory.resolve(".s.PGSQL.8"), "data");
            IOException refused = assertThrows(IOException.class, () -> third.server().startUnixSocket(notASocket, ANYONE));
            assertTrue(refused.getMessage().contains("is not a socket"), refused.getMessage());
            assertEquals("data", Files.readString(notASocket), "a file that is not a socket is left alone");
        }
    }

    /**
     * A restart that starts the new process before the old one has gone: the operator (or a script) removes the
     * old socket file and the new instance takes the path. The old one's close must not take the new file along.
     */
    @ParameterizedTest(name = "on {0}")
    @EnumSource(Transport.class)
    void closingLeavesAnotherListenersSocketFileInPlace(Transport transport) throws Exception {
        try (ProxyHarness older = proxy(transport); ProxyHarness newer = proxy(transport)) {
            Path socket = directory.resolve(".s.PGSQL.9");
            older.server().startUnixSocket(socket, ANYONE);
            Files.delete(socket);
            newer.server().startUnixSocket(socket, ANYONE);
            older.server().stopAccepting();
            assertTrue(Files.exists(socket), "the newer listener's socket file stays");
            try (RawSession session = RawSession.open(socket)) {
                session.query("SELECT 1");
                assertEquals(null, session.errorCodeOfNextAnswer(), "and the newer listener serves on it");
            }
            newer.server().stopAccepting();
            assertEquals(List.of(), filesIn(directory), "each listener removes its own file and nothing else");
        }
    }

    private static List<Path> filesIn(Path directory) throws IOException {
        try (var files = Files.list(directory)) {
            return files.sorted().toList();
        }
    }

    /** A protocol 3.0 session as the fixture's trusted superuser, over a Unix-domain socket. */
    private static final class RawSession implements AutoCloseable {
        final SocketChannel channel;
        final DataOutputStream out;
        final DataInputStream in;
        int processId;
        int secretKey;

        private RawSession(SocketChannel channel) {
            this.channel = channel;
            this.out = new DataOutputStream(Channels.newOutputStream(channel));
            this.in = new DataInputStream(Channels.newInputStream(channel));
        }

        static RawSession open(Path socket) throws IOException {
            SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
            ch.connect(UnixDomainSocketAddress.of(socket));
            RawSession s = new RawSession(ch);
            byte[] params = ("user\0" + PostgresFixture.SUPERUSER + "\0database\0postgres\0\0").getBytes(StandardCharsets.US_ASCII);
            s.out.writeInt(8 + params.length);
            s.out.writeInt(196608);
            s.out.write(params);
            s.out.flush();
            assertEquals(null, s.errorCodeOfNextAnswer(), "logged in");
            return s;
        }

        void query(String sql) throws IOException {
            byte[] text = (sql + "\0").getBytes(StandardCharsets.UTF_8);
            out.write('Q');
            out.writeInt(4 + text.length);
            out.write(text);
            out.flush();
        }

        /** Reads up to ReadyForQuery; returns the SQLSTATE of the error on the way, or null. */
        String errorCodeOfNextAnswer() throws IOException {
            String code = null;
            while (true) {
                int type = in.read();
                if (type < 0) {
                    throw new IOException("connection closed");
                }
                byte[] body = new byte[in.readInt() - 4];
                in.readFully(body);
                if (type == 'K') {
                    processId = ((body[0] & 0xFF) << 24) | ((body[1] & 0xFF) << 16) | ((body[2] & 0xFF) << 8) | (body[3] & 0xFF);
                    secretKey = ((body[4] & 0xFF) << 24) | ((body[5] & 0xFF) << 16) | ((body[6] & 0xFF) << 8) | (body[7] & 0xFF);
                } else if (type == 'E') {
                    String fields = new String(body, StandardCharsets.US_ASCII);
                    int c = fields.indexOf("\0C");
                    code = c >= 0 ? fields.substring(c + 2, c + 7) : fields.substring(1, 6);
                } else if (type == 'Z') {
                    return code;
                }
            }
        }

        @Override
        public void close() throws IOException {
            channel.close();
        }
    }
}
