package io.pgguard.server.compat;

import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pgguard.core.testing.PostgresFixture;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

/** Shared pieces of the compatibility suite: the statement corpus, fresh databases, result dumps. */
final class CompatSupport {
    static final String APP_USER = "app_rw";
    static final String APP_PASSWORD = "app_rw";

    private CompatSupport() {
    }

    /** One line of a corpus file. */
    record Case(String sql, String kind, String expect, String why) {
        boolean expectAllow() {
            return "allow".equals(expect);
        }

        /** Statements with $n parameters arrive in a Parse message; the rest in one simple Query. */
        boolean parameterised() {
            return sql.matches("(?s).*\\$\\d.*") && !sql.contains("$$");
        }
    }

    /**
     * The shared corpus beside the repository (../shared/corpus, found by walking up from the working directory),
     * else the repository's snapshot of it (testdata/corpus), for a clone that has no shared folder beside it.
     */
    static Path corpusDir() {
        Path snapshot = null;
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            Path shared = p.resolve("shared").resolve("corpus");
            if (Files.isRegularFile(shared.resolve("benign.jsonl"))) {
                return shared;
            }
            Path bundled = p.resolve("testdata").resolve("corpus");
            if (snapshot == null && Files.isRegularFile(bundled.resolve("benign.jsonl"))) {
                snapshot = bundled;
            }
        }
        if (snapshot != null) {
            return snapshot;
        }
        return fail("neither ../shared/corpus nor testdata/corpus found above " + Path.of("").toAbsolutePath());
    }

    static List<Case> corpus(String file) {
        ObjectMapper json = new ObjectMapper();
        List<Case> cases = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(corpusDir().resolve(file), StandardCharsets.UTF_8)) {
                if (line.isBlank()) {
                    continue;
                }
                JsonNode n = json.readTree(line);
                cases.add(new Case(n.get("sql").asText(), n.get("kind").asText(), n.get("expect").asText(),
                        n.get("why").asText()));
            }
        } catch (IOException e) {
            fail("cannot read corpus file " + file + ": " + e);
        }
        if (cases.isEmpty()) {
            fail("corpus file " + file + " holds no cases");
        }
        return cases;
    }

    static String schemaSql() {
        try {
            return Files.readString(corpusDir().resolve("schema.sql"), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return fail("cannot read schema.sql: " + e);
        }
    }

    /** Display names stay readable: control characters made visible, long SQL cut. */
    static String display(String sql) {
        String s = sql.replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t").replace("\f", "\\f");
        return s.length() > 200 ? s.substring(0, 197) + "..." : s;
    }

    /** A superuser connection straight to {@code database} (the fixture's own helper only reaches postgres). */
    static Connection superuser(PostgresFixture pg, String database) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", PostgresFixture.SUPERUSER);
        p.setProperty("password", "postgres"); // the container's password; the embedded server trusts the superuser
        return DriverManager.getConnection(pg.jdbcUrl(database), p);
    }

    /** Drops {@code database} if it exists and creates it empty. */
    static void freshDatabase(PostgresFixture pg, String database, String owner) throws SQLException {
        pg.sql("DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
        pg.sql("CREATE DATABASE " + database + (owner == null ? "" : " OWNER " + owner));
    }

    /** A fresh database loaded from the corpus' schema.sql as superuser (creates app_rw and bob if missing). */
    static void corpusDatabase(PostgresFixture pg, String database) throws SQLException {
        freshDatabase(pg, database, null);
        try (Connection c = superuser(pg, database); Statement s = c.createStatement()) {
            s.execute(schemaSql());
        }
    }

    static void exec(PostgresFixture pg, String database, String sql) throws SQLException {
        try (Connection c = superuser(pg, database); Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    /** A superuser query's rows, each as "a|b|c". */
    static List<String> query(PostgresFixture pg, String database, String sql) throws SQLException {
        try (Connection c = superuser(pg, database); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery(sql)) {
            return dump(rs);
        }
    }

    /** Every row of a result set, every column as a string, with a header line of column labels. */
    static List<String> dump(ResultSet rs) throws SQLException {
        List<String> out = new ArrayList<>();
        ResultSetMetaData md = rs.getMetaData();
        StringBuilder header = new StringBuilder("#");
        for (int i = 1; i <= md.getColumnCount(); i++) {
            header.append(i == 1 ? "" : "|").append(md.getColumnLabel(i));
        }
        out.add(header.toString());
        while (rs.next()) {
            StringBuilder row = new StringBuilder();
            for (int i = 1; i <= md.getColumnCount(); i++) {
                row.append(i == 1 ? "" : "|").append(rs.getString(i));
            }
            out.add(row.toString());
        }
        return out;
    }
}
