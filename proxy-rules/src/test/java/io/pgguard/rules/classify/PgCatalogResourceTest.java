package io.pgguard.rules.classify;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The function and catalog-relation tables the rules use are generated from a real PostgreSQL, never hand-typed.
 * This test reads pg_proc and pg_class from an embedded PostgreSQL 17 and fails when the committed resources differ.
 * Regenerate with: ./mvnw -f proxy-rules/pom.xml test -Dtest=PgCatalogResourceTest -Dpgguard.regenerate=true
 */
class PgCatalogResourceTest {
    static final String FUNCTIONS = "pg_functions.tsv";
    static final String RELATIONS = "pg_catalog_relations.tsv";

    private static EmbeddedPostgres postgres;

    @BeforeAll
    static void start() throws IOException {
        postgres = EmbeddedPostgres.builder().start();
    }

    @AfterAll
    static void stop() throws IOException {
        if (postgres != null) {
            postgres.close();
        }
    }

    @Test
    void committedFunctionTableMatchesPgProc() throws Exception {
        // Overloads of one name can differ in volatility: keep every letter seen, the rules use the worst.
        // pg_catalog functions by bare name (pg_catalog is always searched first), information_schema's by
        // qualified name (it is not on the search path).
        String query = "SELECT name, string_agg(DISTINCT volatility, '' ORDER BY volatility) FROM ("
                + " SELECT CASE n.nspname WHEN 'pg_catalog' THEN p.proname::text ELSE n.nspname || '.' || p.proname END"
                + " AS name, p.provolatile::text AS volatility"
                + " FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace"
                + " WHERE n.nspname IN ('pg_catalog', 'information_schema')) f"
                + " GROUP BY name ORDER BY name COLLATE \"C\"";
        checkOrRegenerate(FUNCTIONS, "name\tvolatilities (i immutable, s stable, v volatile)", query);
    }

    @Test
    void committedCatalogRelationTableMatchesPgClass() throws Exception {
        String query = "SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                + " WHERE n.nspname IN ('pg_catalog', 'information_schema') AND c.relkind IN ('r','v','m','p','f','S')"
                + " ORDER BY n.nspname COLLATE \"C\", c.relname COLLATE \"C\"";
        checkOrRegenerate(RELATIONS, "schema\trelation", query);
    }

    private static void checkOrRegenerate(String resource, String columns, String query) throws Exception {
        List<String> live = new ArrayList<>();
        String version;
        try (Connection c = postgres.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
            try (ResultSet rs = s.executeQuery("SHOW server_version")) {
                rs.next();
                version = rs.getString(1);
            }
            try (ResultSet rs = s.executeQuery(query)) {
                while (rs.next()) {
                    live.add(rs.getString(1) + "\t" + rs.getString(2));
                }
            }
        }
        if (Boolean.getBoolean("pgguard.regenerate")) {
            Path target = Path.of("src/main/resources/io/pgguard/rules", resource);
            String header = "# Generated from PostgreSQL " + version + " by PgCatalogResourceTest; do not edit by hand.\n"
                    + "# " + columns + "\n";
            Files.writeString(target, header + String.join("\n", live) + "\n", StandardCharsets.UTF_8);
            return; // the classpath copy is the old one until the next build
        }
        assertEquals(String.join("\n", live), String.join("\n", committed(resource)),
                resource + " is out of date with pg_catalog of PostgreSQL " + version
                        + "; regenerate it with -Dpgguard.regenerate=true (see this test's javadoc)");
    }

    private static List<String> committed(String resource) throws IOException {
        List<String> rows = new ArrayList<>();
        try (InputStream in = PgCatalogResourceTest.class.getResourceAsStream("/io/pgguard/rules/" + resource)) {
            if (in == null) {
                return rows;
            }
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (!line.isBlank() && !line.startsWith("#")) {
                    rows.add(line);
                }
            }
        }
        return rows;
    }
}
