package io.pgguard.server.testing;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.pgguard.core.testing.PostgresFixture;
import io.pgguard.core.testing.ProxyHarness;
import io.pgguard.core.transport.Transport;
import io.pgguard.server.PgGuardApp;
import io.pgguard.server.config.PgGuardConfig;
import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/** A whole PgGuard (config, rules, metrics, admin) on free loopback ports in front of the test PostgreSQL. */
public final class GuardHarness implements AutoCloseable {
    private final PgGuardApp app;
    private final File configFile;

    private GuardHarness(PgGuardApp app, File configFile) {
        this.app = app;
        this.configFile = configFile;
    }

    /** Starts PgGuard with {@code config} (a HOCON file or null) and extra key overrides. */
    public static GuardHarness start(PostgresFixture pg, File config, Map<String, String> extra) throws Exception {
        Map<String, String> overrides = new LinkedHashMap<>();
        overrides.put("pgguard.listen", "127.0.0.1:0");
        overrides.put("pgguard.admin.listen", "127.0.0.1:0");
        overrides.put("pgguard.upstreams.default.host", pg.host());
        overrides.put("pgguard.upstreams.default.port", Integer.toString(pg.port()));
        overrides.put("pgguard.routing.default", "default");
        Transport transport = ProxyHarness.defaultTransport();
        assumeTrue(transport.isAvailable(), () -> transport.configName() + " cannot run here");
        overrides.put("pgguard.transport", transport.configName());
        overrides.putAll(extra);
        PgGuardApp app = new PgGuardApp(() -> PgGuardConfig.load(config, overrides)).start();
        return new GuardHarness(app, config);
    }

    /** Starts PgGuard with HOCON text written to a temp file (which tests may rewrite to test reloads). */
    public static GuardHarness startWithText(PostgresFixture pg, String hocon, Map<String, String> extra)
            throws Exception {
        File f = File.createTempFile("pgguard-test", ".conf");
        f.deleteOnExit();
        Files.writeString(f.toPath(), hocon);
        return start(pg, f, extra);
    }

    /** Starts PgGuard with the reference policy and one more rule ({@code { id = ..., type = ... }}). */
    public static GuardHarness startReferencePolicyWith(PostgresFixture pg, String rule) throws Exception {
        return startWithText(pg, Files.readString(referencePolicy().toPath()) + "\npgguard.rules.rules += " + rule
                + "\n", Map.of());
    }

    /** The repository's deploy/examples/reference-policy.conf. */
    public static File referencePolicy() {
        File dir = new File("").getAbsoluteFile();
        while (dir != null) {
            File f = new File(dir, "deploy/examples/reference-policy.conf");
            if (f.isFile()) {
                return f;
            }
            dir = dir.getParentFile();
        }
        throw new AssertionError("deploy/examples/reference-policy.conf not found above " + new File("").getAbsolutePath());
    }

    public PgGuardApp app() {
        return app;
    }

    public File configFile() {
        return configFile;
    }

    public int port() {
        return app.listenAddress().getPort();
    }

    public String jdbcUrl(String database) {
        return "jdbc:postgresql://127.0.0.1:" + port() + "/" + database;
    }

    public Connection connect(String user, String password, String database, Properties extra) throws SQLException {
        Properties p = new Properties();
        if (extra != null) {
            p.putAll(extra);
        }
        p.setProperty("user", user);
        p.setProperty("password", password);
        return DriverManager.getConnection(jdbcUrl(database), p);
    }

    public Connection connect(String user, String password) throws SQLException {
        return connect(user, password, "postgres", null);
    }

    /** Asks /ready until it answers 200 or 10 s have passed (upstreams are probed every 5 s); the last status. */
    public int awaitReady(String token) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        int ready;
        do {
            ready = admin("GET", "/ready", token).statusCode();
        } while (ready != 200 && System.nanoTime() < deadline);
        return ready;
    }

    /** GET or POST on the admin endpoint; returns status and body. */
    public HttpResponse<String> admin(String method, String path, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.adminAddress().getPort() + path));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        b.method(method, HttpRequest.BodyPublishers.noBody());
        return HttpClient.newHttpClient().send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Override
    public void close() {
        app.close();
    }
}
