package io.pgguard.server.cli;

import io.pgguard.server.PgGuardApp;
import io.pgguard.server.config.PgGuardConfig;
import io.pgguard.server.demo.DemoDatabase;
import java.io.File;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Starts an embedded PostgreSQL with a sample schema and PgGuard in front of it with the reference policy, then
 * prints what to try. Needs nothing but Java.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Start an embedded PostgreSQL and PgGuard in front of it, with the reference policy.")
final class DemoCommand implements Callable<Integer> {
    @Option(names = "--listen", defaultValue = "127.0.0.1:6432", description = "Where PgGuard listens (default ${DEFAULT-VALUE}).")
    String listen;

    @Option(names = "--admin", defaultValue = "127.0.0.1:9187", description = "Admin endpoint (default ${DEFAULT-VALUE}).")
    String admin;

    @Option(names = "--config", paramLabel = "FILE", description = "Rules to use instead of the bundled reference policy.")
    File config;

    @Override
    public Integer call() throws Exception {
        System.out.println("Starting an embedded PostgreSQL (first run unpacks the binaries)...");
        DemoDatabase db = DemoDatabase.start();
        Map<String, String> overrides = new LinkedHashMap<>();
        overrides.put("pgguard.listen", listen);
        overrides.put("pgguard.admin.listen", admin);
        overrides.put("pgguard.upstreams.default.host", "127.0.0.1");
        overrides.put("pgguard.upstreams.default.port", Integer.toString(db.port()));
        overrides.put("pgguard.upstreams.default.environment", "demo");
        overrides.put("pgguard.upstreams.default.connect-notice",
                "connected through PgGuard to the DEMO database: rules enforced");
        File rules = config != null ? config : BundledPolicy.extract();
        PgGuardApp app = new PgGuardApp(() -> PgGuardConfig.load(rules, overrides)).start();
        int port = app.listenAddress().getPort();
        String host = app.listenAddress().getHostString();
        System.out.println();
        System.out.println("PgGuard is listening on " + host + ":" + port + ", in front of PostgreSQL on port " + db.port());
        System.out.println("Try (password app_rw):");
        System.out.println("  psql \"host=" + host + " port=" + port + " user=app_rw dbname=postgres\"");
        System.out.println("  postgres=> SELECT * FROM orders WHERE customer_id = 1;   -- allowed");
        System.out.println("  postgres=> DELETE FROM orders;                           -- refused: no WHERE");
        System.out.println("  postgres=> DROP TABLE t;                                  -- refused: DDL");
        System.out.println("Metrics: http://" + app.adminAddress().getHostString() + ":" + app.adminAddress().getPort()
                + "/metrics   Stop with Ctrl-C.");
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            app.close();
            try {
                db.close();
            } catch (Exception ignored) {
                // the process is ending either way
            }
            stop.countDown();
        }));
        stop.await();
        return 0;
    }
}
