package io.pgguard.core.relay;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgguard.core.inspect.StatementInspector;
import io.pgguard.core.testing.PostgresFixture;
import io.pgguard.core.testing.ProxyHarness;
import io.pgguard.core.upstream.Routing;
import io.pgguard.core.upstream.Upstream;
import java.net.ServerSocket;
import java.sql.Connection;
import java.sql.DriverManager;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;
import org.postgresql.largeobject.LargeObject;
import org.postgresql.largeobject.LargeObjectManager;
import org.postgresql.util.PSQLException;

/** FunctionCall messages (pgjdbc's large object API uses them) pass through; upstreams are chosen by database. */
class FunctionCallAndRoutingTest {

    @Test
    void largeObjectsThroughFunctionCalls() throws Exception {
        PostgresFixture pg = PostgresFixture.get();
        pg.role("lo_user", "pw");
        try (ProxyHarness proxy = new ProxyHarness(pg, StatementInspector.ALLOW_ALL);
                Connection c = proxy.connect("lo_user", "pw")) {
            c.setAutoCommit(false);
            LargeObjectManager lom = c.unwrap(PGConnection.class).getLargeObjectAPI();
            long oid = lom.createLO(LargeObjectManager.READWRITE);
            byte[] data = new byte[100_000];
            for (int i = 0; i < data.length; i++) {
                data[i] = (byte) (i * 7);
            }
            try (LargeObject lo = lom.open(oid, LargeObjectManager.READWRITE)) {
                lo.write(data);
            }
            try (LargeObject lo = lom.open(oid, LargeObjectManager.READ)) {
                assertArrayEquals(data, lo.read(data.length));
            }
            lom.delete(oid);
            c.commit();
        }
    }

    @Test
    void databasesRouteToTheirUpstream() throws Exception {
        PostgresFixture pg = PostgresFixture.get();
        pg.role("route_user", "pw");
        int closed;
        try (ServerSocket s = new ServerSocket(0)) {
            closed = s.getLocalPort();
        }
        Upstream main = Upstream.plain("main", pg.host(), pg.port());
        Upstream archive = Upstream.plain("archive", "127.0.0.1", closed);
        ProxySettings settings = ProxySettings.defaults(new Routing(Map.of("archive_db", archive), main));
        try (ProxyHarness proxy = new ProxyHarness(pg, settings, StatementInspector.ALLOW_ALL, ProxyEvents.NONE)) {
            Properties p = new Properties();
            p.setProperty("user", "route_user");
            p.setProperty("password", "pw");
            try (Connection c = DriverManager.getConnection(proxy.jdbcUrl("postgres"), p)) {
                assertTrue(c.isValid(2), "the default upstream serves other databases");
            }
            PSQLException e = assertThrows(PSQLException.class,
                    () -> DriverManager.getConnection(proxy.jdbcUrl("archive_db"), p));
            assertEquals("08001", e.getSQLState());
            assertTrue(e.getMessage().contains("\"archive\""), e.getMessage());
        }
    }
}
