package io.pgguard.server.demo;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

/** An embedded PostgreSQL (binaries from Maven Central) with the demo schema loaded. */
public final class DemoDatabase implements AutoCloseable {
    private final EmbeddedPostgres postgres;

    private DemoDatabase(EmbeddedPostgres postgres) {
        this.postgres = postgres;
    }

    public static DemoDatabase start() throws IOException, SQLException {
        EmbeddedPostgres pg = EmbeddedPostgres.builder()
                .setServerConfig("listen_addresses", "127.0.0.1")
                .setServerConfig("password_encryption", "scram-sha-256")
                .start();
        DemoDatabase db = new DemoDatabase(pg);
        db.runScript("/io/pgguard/server/demo/schema.sql");
        return db;
    }

    public int port() {
        return postgres.getPort();
    }

    public void runScript(String resource) throws IOException, SQLException {
        String script;
        try (InputStream in = DemoDatabase.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IOException("missing resource " + resource);
            }
            script = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        try (Connection c = postgres.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
            s.execute(script);
        }
    }

    @Override
    public void close() throws IOException {
        postgres.close();
    }
}
