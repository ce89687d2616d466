package io.pgguard.core.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.PostgreSQLContainer;

/**
 * A real PostgreSQL for tests, one per test JVM: a Testcontainers container where a Docker engine answers,
 * otherwise an embedded server from the zonky binaries (PostgreSQL 17) so the suite needs only Java and Maven.
 * Tests change authentication and TLS by rewriting pg_hba.conf / settings and reloading.
 */
public final class PostgresFixture {
    public static final String SUPERUSER = "postgres";
    private static PostgresFixture instance;

    private final String host;
    private final int port;
    private final String socketDirectory;
    private final Backend backend;

    private interface Backend {
        void writeDataFile(String name, String content) throws Exception;

        void chmodDataFile(String name, String mode) throws Exception;

        String superuserPassword();
    }

    private PostgresFixture(String host, int port, String socketDirectory, Backend backend) {
        this.host = host;
        this.port = port;
        this.socketDirectory = socketDirectory;
        this.backend = backend;
    }

    public static synchronized PostgresFixture get() {
        if (instance == null) {
            try {
                instance = dockerAvailable() ? startContainer() : startEmbedded();
                instance.resetHba();
            } catch (Exception e) {
                throw new IllegalStateException("could not start PostgreSQL for the tests", e);
            }
        }
        return instance;
    }

    private static boolean dockerAvailable() {
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (Throwable t) {
            return false;
        }
    }

    private static PostgresFixture startEmbedded() throws IOException {
        Path data = Files.createTempDirectory("pgguard-test-pg");
        // A short path of its own: a socket's path must fit in 107 bytes.
        Path sockets = Files.createTempDirectory("pgguard-sock");
        sockets.toFile().deleteOnExit();
        EmbeddedPostgres pg = EmbeddedPostgres.builder()
                .setDataDirectory(data)
                .setCleanDataDirectory(true)
                .setServerConfig("listen_addresses", "127.0.0.1")
                .setServerConfig("unix_socket_directories", sockets.toString())
                .setServerConfig("max_connections", "300")
                .setServerConfig("password_encryption", "scram-sha-256")
                .setServerConfig("fsync", "off")
                .start();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                pg.close();
            } catch (IOException ignored) {
                // the JVM is ending
            }
        }));
        File dir = data.toFile();
        return new PostgresFixture("127.0.0.1", pg.getPort(), sockets.toString(), new Backend() {
            @Override
            public void writeDataFile(String name, String content) throws IOException {
                Files.writeString(new File(dir, name).toPath(), content, StandardCharsets.UTF_8);
            }

            @Override
            public void chmodDataFile(String name, String mode) throws Exception {
                new ProcessBuilder("chmod", mode, new File(dir, name).getPath()).start().waitFor();
            }

            @Override
            public String superuserPassword() {
                return "";
            }
        });
    }

    @SuppressWarnings("resource")
    private static PostgresFixture startContainer() {
        PostgreSQLContainer<?> pg = new PostgreSQLContainer<>("postgres:17")
                .withUsername(SUPERUSER).withPassword("postgres")
                .withCommand("postgres", "-c", "max_connections=300", "-c", "fsync=off");
        pg.start();
        return new PostgresFixture(pg.getHost(), pg.getMappedPort(5432), null, new Backend() {
            @Override
            public void writeDataFile(String name, String content) throws Exception {
                pg.execInContainer("sh", "-c", "cat > \"$PGDATA/" + name + "\" <<'PGGUARD_EOF'\n" + content
                        + "\nPGGUARD_EOF");
            }

            @Override
            public void chmodDataFile(String name, String mode) throws Exception {
                pg.execInContainer("sh", "-c", "chmod " + mode + " \"$PGDATA/" + name + "\" && chown postgres \"$PGDATA/"
                        + name + "\"");
            }

            @Override
            public String superuserPassword() {
                return "postgres";
            }
        });
    }

    public String host() {
        return host;
    }

    public int port() {
        return port;
    }

    /** The directory of the server's Unix-domain socket; null where it is out of reach (inside a container). */
    public String socketDirectory() {
        return socketDirectory;
    }

    public String jdbcUrl(String database) {
        return "jdbc:postgresql://" + host + ":" + port + "/" + database;
    }

    /** A superuser connection straight to the server, for setting up and checking. */
    public Connection superuser() throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", SUPERUSER);
        p.setProperty("password", backend.superuserPassword());
        return DriverManager.getConnection(jdbcUrl("postgres"), p);
    }

    public void sql(String statements) throws SQLException {
        try (Connection c = superuser(); Statement s = c.createStatement()) {
            s.execute(statements);
        }
    }

    /** Backends of a user, or of an application_name when {@code who} starts with "app:". */
    public int backendsOf(String who) throws SQLException {
        String where = who.startsWith("app:") ? "application_name = '" + who.substring(4) + "'" : "usename = '" + who + "'";
        try (Connection c = superuser();
                ResultSet rs = c.createStatement().executeQuery("SELECT count(*) FROM pg_stat_activity WHERE " + where)) {
            rs.next();
            return rs.getInt(1);
        }
    }

    /** Waits up to 10 s for {@link #backendsOf} to reach {@code expected}, then checks it. */
    public void awaitBackends(String who, int expected) throws Exception {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (backendsOf(who) != expected && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertEquals(expected, backendsOf(who), "backends of " + who);
    }

    /**
     * Replaces pg_hba.conf: the superuser keeps trust (local and host) so set-up works, and {@code lines} decide
     * for every other user. Reloads the server configuration.
     */
    public void hba(String lines) throws Exception {
        String superuser = "local all " + SUPERUSER + " trust\nhost all " + SUPERUSER + " 0.0.0.0/0 trust\n"
                + "host all " + SUPERUSER + " ::/0 trust\n";
        backend.writeDataFile("pg_hba.conf", superuser + lines + "\n");
        sql("SELECT pg_reload_conf()");
        Thread.sleep(150);
    }

    /** Everyone may log in with any method the client offers a password for, as set up by default. */
    public void resetHba() throws Exception {
        hba("local all all trust\nhost all all 0.0.0.0/0 scram-sha-256\nhost all all ::/0 scram-sha-256");
    }

    /** Writes a file into the data directory (certificates for TLS tests). */
    public void writeDataFile(String name, String content) throws Exception {
        backend.writeDataFile(name, content);
    }

    public void chmodDataFile(String name, String mode) throws Exception {
        backend.chmodDataFile(name, mode);
    }

    /** Creates (or re-creates) a login role with a password. */
    public void role(String name, String password) throws SQLException {
        sql("DROP ROLE IF EXISTS " + name + "; CREATE ROLE " + name + " LOGIN PASSWORD '" + password + "'");
    }
}
