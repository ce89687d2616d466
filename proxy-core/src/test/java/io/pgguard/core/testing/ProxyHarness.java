package io.pgguard.core.testing;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.pgguard.core.ProxyServer;
import io.pgguard.core.cancel.CancelRegistry;
import io.pgguard.core.inspect.StatementInspector;
import io.pgguard.core.relay.ProxyEvents;
import io.pgguard.core.relay.ProxySettings;
import io.pgguard.core.transport.Transport;
import io.pgguard.core.upstream.Routing;
import io.pgguard.core.upstream.Upstream;
import java.net.InetSocketAddress;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Properties;

/** A PgGuard proxy on a free loopback port in front of the test PostgreSQL. */
public final class ProxyHarness implements AutoCloseable {
    private final ProxyServer server;
    private final InetSocketAddress address;
    private final PostgresFixture pg;

    public ProxyHarness(PostgresFixture pg, StatementInspector inspector) throws InterruptedException {
        this(pg, ProxySettings.defaults(Routing.single(Upstream.plain("test", pg.host(), pg.port()))), inspector,
                ProxyEvents.NONE);
    }

    public ProxyHarness(PostgresFixture pg, ProxySettings settings, StatementInspector inspector, ProxyEvents events)
            throws InterruptedException {
        this(pg, settings, inspector, events, defaultTransport());
    }

    /**
     * The transport tests run on unless they name one: {@code -Dpgguard.test.transport} (the build runs the suite
     * a second time on epoll), else the one PgGuard picks on this machine.
     */
    public static Transport defaultTransport() {
        String named = System.getProperty("pgguard.test.transport", "").trim();
        return named.isEmpty() ? Transport.best() : Transport.named(named);
    }

    public ProxyHarness(PostgresFixture pg, StatementInspector inspector, Transport transport)
            throws InterruptedException {
        this(pg, ProxySettings.defaults(Routing.single(Upstream.plain("test", pg.host(), pg.port()))), inspector,
                ProxyEvents.NONE, transport);
    }

    /** On the given transport; tests that run on each one skip those this machine cannot run. */
    public ProxyHarness(PostgresFixture pg, ProxySettings settings, StatementInspector inspector, ProxyEvents events,
            Transport transport) throws InterruptedException {
        assumeTrue(transport.isAvailable(), () -> transport.configName() + " cannot run here: "
                + transport.unavailabilityCause().map(Throwable::getMessage).orElse(""));
        this.pg = pg;
        this.server = new ProxyServer(settings, inspector, events, new CancelRegistry(0), 2, transport, null);
        this.address = server.start("127.0.0.1", 0);
    }

    public int port() {
        return address.getPort();
    }

    public ProxyServer server() {
        return server;
    }

    public String jdbcUrl(String database) {
        return "jdbc:postgresql://127.0.0.1:" + port() + "/" + database;
    }

    public Connection connect(String user, String password) throws SQLException {
        return connect(user, password, new Properties());
    }

    public Connection connect(String user, String password, Properties extra) throws SQLException {
        Properties p = new Properties();
        p.putAll(extra);
        p.setProperty("user", user);
        p.setProperty("password", password);
        return DriverManager.getConnection(jdbcUrl("postgres"), p);
    }

    /** The superuser through the proxy. */
    public Connection superuser() throws SQLException {
        return connect(PostgresFixture.SUPERUSER, "postgres");
    }

    @Override
    public void close() {
        server.close();
    }
}
