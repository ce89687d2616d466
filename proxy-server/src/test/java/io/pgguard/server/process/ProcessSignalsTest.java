package io.pgguard.server.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgguard.core.testing.Cli;
import io.pgguard.core.testing.PostgresFixture;
import java.io.File;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * PgGuard as a real process, driven by signals: rules reloaded (SIGHUP and file change) under pgbench load
 * with zero failed transactions, and a SIGTERM drain in which no started statement fails.
 */
class ProcessSignalsTest {
    static PostgresFixture pg;

    static String rules(String id) {
        return "pgguard.rules { id = " + id + ", users { sig_user = [r] }, roles { r { statements = [ALL], "
                + "tables = [ { on = [\"*.*\"], privileges = [ALL] } ] } }, rules = [ { id = no-truncate-" + id
                + ", type = forbid, kinds = [TRUNCATE] }, { id = grants, type = grants } ] }\n";
    }

    @BeforeAll
    static void setUp() throws Exception {
        pg = PostgresFixture.get();
        pg.role("sig_user", "pw");
        pg.sql("DROP DATABASE IF EXISTS sig_db; CREATE DATABASE sig_db OWNER sig_user");
        Cli.Result init = Cli.run(List.of(Cli.require("pgbench"), "-i", "-s", "1", "-q", "-h", pg.host(), "-p",
                Integer.toString(pg.port()), "-U", "sig_user", "sig_db"), Map.of("PGPASSWORD", "pw"), null, 120);
        assertEquals(0, init.exitCode(), init.all());
    }

    static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    static Process start(File config, int port, int admin) throws Exception {
        String java = System.getProperty("java.home") + "/bin/java";
        ProcessBuilder pb = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                "io.pgguard.server.cli.PgGuardCli", "run", "--config", config.getPath(), "--listen",
                "127.0.0.1:" + port, "--upstream", pg.host() + ":" + pg.port(), "--admin", "127.0.0.1:" + admin,
                "--drain", "10");
        pb.redirectErrorStream(true).redirectOutput(File.createTempFile("pgguard-process", ".log"));
        Process p = pb.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            try (Socket s = new Socket("127.0.0.1", port)) {
                return p;
            } catch (Exception notYet) {
                Thread.sleep(100);
            }
        }
        p.destroyForcibly();
        throw new AssertionError("PgGuard did not start listening");
    }

    static void signal(Process p, String name) throws Exception {
        assertEquals(0, new ProcessBuilder("kill", "-" + name, Long.toString(p.pid())).start().waitFor());
    }

    @Test
    void reloadUnderPgbenchLoadFailsNoTransaction() throws Exception {
        File config = File.createTempFile("pgguard-signals", ".conf");
        Files.writeString(config.toPath(), rules("v1"));
        int port = freePort();
        int admin = freePort();
        Process proxy = start(config, port, admin);
        try {
            CompletableFuture<Cli.Result> bench = CompletableFuture.supplyAsync(() -> {
                try {
                    return Cli.run(List.of(Cli.require("pgbench"), "-n", "-S", "-M", "prepared", "-c", "4", "-j", "2",
                            "-T", "8", "-h", "127.0.0.1", "-p", Integer.toString(port), "-U", "sig_user", "sig_db"),
                            Map.of("PGPASSWORD", "pw"), null, 60);
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            for (int i = 2; i <= 7; i++) {
                Thread.sleep(900);
                Files.writeString(config.toPath(), rules("v" + i));
                if (i % 2 == 0) {
                    signal(proxy, "HUP");
                }
            }
            Cli.Result r = bench.get(60, TimeUnit.SECONDS);
            assertEquals(0, r.exitCode(), r.all());
            assertTrue(r.stdout().contains("number of failed transactions: 0"), r.stdout());
            assertTrue(proxy.isAlive());
            String rulesInForce = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                    java.net.URI.create("http://127.0.0.1:" + admin + "/rules")).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString()).body();
            assertTrue(rulesInForce.contains("\"v7\""), "the last rules written are in force: " + rulesInForce);
        } finally {
            signal(proxy, "TERM");
            proxy.waitFor(20, TimeUnit.SECONDS);
            proxy.destroyForcibly();
        }
    }

    @Test
    void sigtermDrainLetsStartedStatementsFinish() throws Exception {
        File config = File.createTempFile("pgguard-drain", ".conf");
        Files.writeString(config.toPath(), rules("drain"));
        int port = freePort();
        Process proxy = start(config, port, freePort());
        Properties props = new Properties();
        props.setProperty("user", "sig_user");
        props.setProperty("password", "pw");
        List<CompletableFuture<Integer>> running = new ArrayList<>();
        List<Connection> connections = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/sig_db", props);
            connections.add(c);
            int n = i;
            running.add(CompletableFuture.supplyAsync(() -> {
                try (ResultSet rs = c.createStatement().executeQuery("SELECT " + n + " FROM pg_sleep(2)")) {
                    rs.next();
                    return rs.getInt(1);
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            }));
        }
        Thread.sleep(500);
        signal(proxy, "TERM");
        for (int i = 0; i < 4; i++) {
            assertEquals(i, running.get(i).get(20, TimeUnit.SECONDS), "statement " + i + " finished during the drain");
        }
        assertTrue(proxy.waitFor(20, TimeUnit.SECONDS), "the process exits after the drain");
        for (Connection c : connections) {
            c.close();
        }
    }
}
