package io.pgguard.core.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgguard.core.inspect.StatementInspector;
import io.pgguard.core.testing.Cli;
import io.pgguard.core.testing.PostgresFixture;
import io.pgguard.core.testing.ProxyHarness;
import io.pgguard.core.tls.ClientTls;
import io.pgguard.core.tls.TlsContexts;
import io.pgguard.core.tls.UpstreamTls;
import io.pgguard.core.upstream.Routing;
import io.pgguard.core.upstream.Upstream;
import java.io.DataOutputStream;
import java.io.File;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.postgresql.util.PSQLException;

/** TLS on each leg, configured on its own, with real certificates made by openssl. */
class TlsTest {
    static PostgresFixture pg;
    static File dir;
    static File cert;
    static File key;

    @BeforeAll
    static void certificates() throws Exception {
        pg = PostgresFixture.get();
        pg.role("tls_user", "tls_pw");
        dir = Files.createTempDirectory("pgguard-tls").toFile();
        cert = new File(dir, "server.crt");
        key = new File(dir, "server.key");
        Cli.Result r = Cli.run(List.of(Cli.require("openssl"), "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                "-keyout", key.getPath(), "-out", cert.getPath(), "-days", "2", "-subj", "/CN=localhost",
                "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"), Map.of(), null, 60);
        assertEquals(0, r.exitCode(), r.all());
        // The same certificate serves the test PostgreSQL, so the server leg can be verified too.
        pg.writeDataFile("server.crt", Files.readString(cert.toPath()));
        pg.writeDataFile("server.key", Files.readString(key.toPath()));
        pg.chmodDataFile("server.key", "600");
        pg.sql("ALTER SYSTEM SET ssl = on; ALTER SYSTEM SET ssl_cert_file = 'server.crt';"
                + "ALTER SYSTEM SET ssl_key_file = 'server.key'");
        pg.sql("SELECT pg_reload_conf()");
        Thread.sleep(300);
    }

    @AfterAll
    static void plainAgain() throws Exception {
        pg.sql("ALTER SYSTEM RESET ssl; SELECT pg_reload_conf()");
    }

    static ProxyHarness proxy(ClientTls clientTls, UpstreamTls upstreamTls) throws Exception {
        Upstream upstream = new Upstream("tls-test", "127.0.0.1", pg.port(), "test", upstreamTls, null);
        ProxySettings settings = new ProxySettings(Routing.single(upstream), clientTls, 1 << 20,
                Duration.ofSeconds(10), Duration.ofSeconds(5), Set.of());
        return new ProxyHarness(pg, settings, StatementInspector.ALLOW_ALL, ProxyEvents.NONE);
    }

    static Properties ssl(String mode) {
        Properties p = new Properties();
        p.setProperty("sslmode", mode);
        p.setProperty("sslrootcert", cert.getPath());
        return p;
    }

    static boolean serverLegEncrypted(Connection c) throws Exception {
        try (ResultSet rs = c.createStatement().executeQuery("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")) {
            rs.next();
            return rs.getBoolean(1);
        }
    }

    @Test
    void clientLegVerifiedAndServerLegPlain() throws Exception {
        ClientTls tls = new ClientTls(ClientTls.Mode.OPTIONAL, TlsContexts.server(cert, key));
        try (ProxyHarness proxy = proxy(tls, UpstreamTls.disabled());
                Connection c = proxy.connect("tls_user", "tls_pw", ssl("verify-full"))) {
            assertTrue(!serverLegEncrypted(c));
            try (Connection plain = proxy.connect("tls_user", "tls_pw", ssl("disable"))) {
                assertTrue(plain.isValid(2), "optional TLS also accepts plain clients");
            }
        }
    }

    @Test
    void requiredClientTlsRefusesPlainClients() throws Exception {
        ClientTls tls = new ClientTls(ClientTls.Mode.REQUIRED, TlsContexts.server(cert, key));
        try (ProxyHarness proxy = proxy(tls, UpstreamTls.disabled())) {
            PSQLException e = assertThrows(PSQLException.class,
                    () -> proxy.connect("tls_user", "tls_pw", ssl("disable")));
            assertEquals("28000", e.getSQLState());
            try (Connection c = proxy.connect("tls_user", "tls_pw", ssl("require"))) {
                assertTrue(c.isValid(2));
            }
        }
    }

    /** PostgreSQL speaks no TLS on its Unix-domain socket and PgBouncer requires none there: nor does PgGuard. */
    @Test
    void requiredClientTlsAppliesToTcpNotToTheUnixSocket() throws Exception {
        ClientTls tls = new ClientTls(ClientTls.Mode.REQUIRED, TlsContexts.server(cert, key));
        Path sockets = Files.createTempDirectory("pgguard-tls-sock");
        try (ProxyHarness proxy = proxy(tls, UpstreamTls.disabled())) {
            Path socket = sockets.resolve(".s.PGSQL." + proxy.port());
            proxy.server().startUnixSocket(socket, PosixFilePermissions.fromString("rwx------"));
            try (java.net.Socket tcp = new java.net.Socket("127.0.0.1", proxy.port())) {
                assertEquals('S', answerToSslRequest(tcp.getOutputStream(), tcp.getInputStream()));
            }
            try (SocketChannel local = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                local.connect(UnixDomainSocketAddress.of(socket));
                assertEquals('N', answerToSslRequest(Channels.newOutputStream(local), Channels.newInputStream(local)));
            }
            Cli.Result r = Cli.run(List.of(Cli.require("psql"), "-h", sockets.toString(), "-p",
                    Integer.toString(proxy.port()), "-U", "tls_user", "-d", "postgres", "-At", "-c", "SELECT current_user"),
                    Map.of("PGPASSWORD", "tls_pw"), null, 30);
            assertEquals(0, r.exitCode(), r.all());
            assertEquals("tls_user", r.stdout().trim());
        }
        try (var left = Files.list(sockets)) {
            assertEquals(List.of(), left.toList(), "the socket file is gone with the proxy");
        }
        Files.delete(sockets);
    }

    private static int answerToSslRequest(OutputStream out, InputStream in) throws Exception {
        DataOutputStream data = new DataOutputStream(out);
        data.writeInt(8);
        data.writeInt(80877103);
        data.flush();
        return in.read();
    }

    @Test
    void serverLegRequireAndVerifyFull() throws Exception {
        for (UpstreamTls.Mode mode : new UpstreamTls.Mode[] {UpstreamTls.Mode.PREFER, UpstreamTls.Mode.REQUIRE,
                UpstreamTls.Mode.VERIFY_CA, UpstreamTls.Mode.VERIFY_FULL}) {
            UpstreamTls upstream = new UpstreamTls(mode, TlsContexts.upstream(mode, cert));
            try (ProxyHarness proxy = proxy(ClientTls.off(), upstream);
                    Connection c = proxy.connect("tls_user", "tls_pw", ssl("disable"))) {
                assertTrue(serverLegEncrypted(c), mode + ": the server leg is encrypted");
            }
        }
    }

    /**
     * tls-server-end-point channel binding covers the certificate the client saw. With the server's own
     * certificate on PgGuard's client leg, SCRAM-SHA-256-PLUS verifies end to end.
     */
    @Test
    void scramChannelBindingWorksWhenPgGuardPresentsTheServersCertificate() throws Exception {
        ClientTls tls = new ClientTls(ClientTls.Mode.OPTIONAL, TlsContexts.server(cert, key));
        UpstreamTls upstream = new UpstreamTls(UpstreamTls.Mode.REQUIRE, TlsContexts.upstream(UpstreamTls.Mode.REQUIRE, null));
        try (ProxyHarness proxy = proxy(tls, upstream)) {
            Properties p = ssl("require");
            p.setProperty("channelBinding", "require");
            try (Connection c = proxy.connect("tls_user", "tls_pw", p)) {
                assertTrue(serverLegEncrypted(c));
            }
        }
    }

    /** With another certificate the binding cannot verify: the client gets the server's clear error, no hang. */
    @Test
    void scramChannelBindingWithAnotherCertificateFailsClearly() throws Exception {
        File otherCert = new File(dir, "other.crt");
        File otherKey = new File(dir, "other.key");
        Cli.Result r = Cli.run(List.of(Cli.require("openssl"), "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                "-keyout", otherKey.getPath(), "-out", otherCert.getPath(), "-days", "2", "-subj", "/CN=localhost",
                "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"), Map.of(), null, 60);
        assertEquals(0, r.exitCode(), r.all());
        ClientTls tls = new ClientTls(ClientTls.Mode.OPTIONAL, TlsContexts.server(otherCert, otherKey));
        UpstreamTls upstream = new UpstreamTls(UpstreamTls.Mode.REQUIRE, TlsContexts.upstream(UpstreamTls.Mode.REQUIRE, null));
        try (ProxyHarness proxy = proxy(tls, upstream)) {
            Properties p = new Properties();
            p.setProperty("sslmode", "require");
            p.setProperty("channelBinding", "require");
            PSQLException e = assertTimeoutPreemptively(Duration.ofSeconds(20),
                    () -> assertThrows(PSQLException.class, () -> proxy.connect("tls_user", "tls_pw", p)));
            assertTrue(e.getMessage().toLowerCase().contains("channel binding"), e.getMessage());
            Properties noBinding = new Properties();
            noBinding.setProperty("sslmode", "require");
            noBinding.setProperty("channelBinding", "disable");
            try (Connection c = proxy.connect("tls_user", "tls_pw", noBinding)) {
                assertTrue(serverLegEncrypted(c), "without channel binding SCRAM works over both TLS legs");
            }
        }
    }
}
