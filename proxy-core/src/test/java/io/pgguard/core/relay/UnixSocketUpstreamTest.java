package io.pgguard.core.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.pgguard.core.inspect.StatementInspector;
import io.pgguard.core.testing.JdbcCancel;
import io.pgguard.core.testing.PostgresFixture;
import io.pgguard.core.testing.ProxyHarness;
import io.pgguard.core.transport.Transport;
import io.pgguard.core.tls.UpstreamTls;
import io.pgguard.core.upstream.Routing;
import io.pgguard.core.upstream.Upstream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.postgresql.util.PSQLException;

/**
 * An upstream whose host is a directory is reached through the server's Unix-domain socket in it, as libpq
 * reads such a host: clients still come over TCP, pg_hba's "local" lines decide, and cancels take the same path.
 */
class UnixSocketUpstreamTest {

    @ParameterizedTest(name = "on {0}")
    @EnumSource(Transport.class)
    void sessionsAndCancelsReachTheServerThroughItsSocket(Transport transport) throws Exception {
        PostgresFixture pg = PostgresFixture.get();
        assumeTrue(pg.socketDirectory() != null, "the server's socket is inside a container");
        pg.role("socket_user", "pw");
        pg.hba("local all all scram-sha-256\nhost all all 0.0.0.0/0 reject");
        Upstream local = new Upstream("local", pg.socketDirectory(), pg.port(), "test", UpstreamTls.disabled(), null);
        try (ProxyHarness proxy = new ProxyHarness(pg, ProxySettings.defaults(Routing.single(local)),
                StatementInspector.ALLOW_ALL, ProxyEvents.NONE, transport);
                Connection c = proxy.connect("socket_user", "pw");
                Statement s = c.createStatement()) {
            try (ResultSet rs = s.executeQuery("SELECT inet_server_addr() IS NULL, current_user")) {
                assertTrue(rs.next());
                assertTrue(rs.getBoolean(1), "the server saw a Unix-domain socket, not TCP");
                assertEquals("socket_user", rs.getString(2));
            }
            JdbcCancel.assertCancelStopsASleep(s);
        } finally {
            pg.resetHba();
        }
    }

    @Test
    void aDirectoryWithoutTheServersSocketGets08001NamingThePath() throws Exception {
        PostgresFixture pg = PostgresFixture.get();
        Path empty = Files.createTempDirectory("pgguard-nosock");
        try {
            Upstream missing = new Upstream("local", empty.toString(), 5432, "test", UpstreamTls.disabled(), null);
            try (ProxyHarness proxy = new ProxyHarness(pg, ProxySettings.defaults(Routing.single(missing)),
                    StatementInspector.ALLOW_ALL, ProxyEvents.NONE)) {
                PSQLException e = assertThrows(PSQLException.class, () -> proxy.connect("anyone", "pw"));
                assertEquals("08001", e.getSQLState());
                assertTrue(e.getMessage().contains(empty + "/.s.PGSQL.5432"), e.getMessage());
            }
        } finally {
            Files.delete(empty);
        }
    }

    @Test
    void preferMeansNoTlsOnASocketAndStricterModesAreRefused() {
        Upstream prefer = new Upstream("local", "/run/postgresql", 5432, "test",
                new UpstreamTls(UpstreamTls.Mode.PREFER, null), null);
        assertFalse(prefer.tls().requestsTls(), "libpq does not ask for TLS on a socket");
        assertEquals("/run/postgresql/.s.PGSQL.5432", prefer.address());
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                () -> new Upstream("local", "/run/postgresql", 5432, "test",
                        new UpstreamTls(UpstreamTls.Mode.REQUIRE, null), null));
        assertTrue(refused.getMessage().contains("no TLS"), refused.getMessage());
    }
}
