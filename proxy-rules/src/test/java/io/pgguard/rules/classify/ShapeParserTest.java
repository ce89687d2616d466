package io.pgguard.rules.classify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.pgguard.rules.TestFiles;
import io.pgguard.rules.lex.LexedStatement;
import io.pgguard.rules.lex.StatementSplitter;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import net.sf.jsqlparser.statement.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The shape parser must build exactly the tree JSqlParser builds for every statement it accepts (compared field
 * by field, see {@link AstShape}), and decline everything outside its shapes so that JSqlParser reads it.
 */
class ShapeParserTest {

    @ParameterizedTest
    @ValueSource(strings = {
        "SELECT abalance FROM pgbench_accounts WHERE aid = $1",
        "UPDATE pgbench_accounts SET abalance = abalance + $1 WHERE aid = $2",
        "INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES ($1, $2, $3, $4, CURRENT_TIMESTAMP)",
        "SELECT c.id, c.name, count(o.id) AS orders, sum(i.quantity * i.price) AS total FROM customers c"
                + " JOIN orders o ON o.customer_id = c.id JOIN order_items i ON i.order_id = o.id"
                + " WHERE o.created_at >= $1 AND c.region = $2 GROUP BY c.id, c.name"
                + " HAVING sum(i.quantity * i.price) > $3 ORDER BY total DESC, c.id LIMIT 50",
        "INSERT INTO t (a, b) VALUES ($1, $2), ($3, $4), ($5, $6)",
        "INSERT INTO t VALUES (1, 'x')",
        "INSERT INTO s.t (a) VALUES (1) RETURNING id, a AS b",
        "DELETE FROM t WHERE id = 1 RETURNING *",
        "DELETE FROM t",
        "DELETE FROM s.t AS x WHERE x.id IN (1, 2, $1)",
        "UPDATE t SET v = 'a', w = NULL RETURNING id",
        "UPDATE t x SET v = x.v || 'a' WHERE x.id BETWEEN 1 AND 10",
        "SELECT DISTINCT a, t.*, * FROM t, u AS v, s.w WHERE a NOT IN (1) AND b IS NOT NULL OR c IS NULL",
        "SELECT \"Id\" AS \"X\", \"Email\" FROM \"UserAccounts\" ua WHERE \"Email\" = 'ann@example.com'",
        "SELECT 1",
        "SELECT -1, -$1, 1.5, 'x' || 'y', 7 % 2, 8 / 2, (1 + 2) * 3, NULL, TRUE, FALSE",
        "SELECT f(), pg_catalog.now(), count(*), count(DISTINCT a), lower(a) FROM t",
        "SELECT a FROM t LEFT JOIN u ON true LEFT OUTER JOIN v ON v.a = t.a RIGHT JOIN w ON w.a = t.a"
                + " FULL OUTER JOIN x ON x.a = t.a INNER JOIN y ON y.a = t.a CROSS JOIN z",
        "SELECT a FROM t WHERE NOT a LIKE 'x%' AND b NOT ILIKE 'y' AND c NOT BETWEEN $1 AND $2",
        "SELECT a FROM t WHERE (a = 1 OR b = 2) AND NOT (c = 3) ORDER BY a ASC, b DESC LIMIT ALL OFFSET 5",
        "SELECT a FROM t LIMIT $1 OFFSET $2",
        "SELECT t.c FROM s.t WHERE t.c <> 1 AND d != 2 AND e <= 3 AND f < 4 AND g > 5",
        "select Abalance from Pgbench_Accounts where Aid = $1",
        "SELECT id FROM orders WHERE status = E'new\\n' AND note = $$x$$",
        "select o.id as id_1 from orders o where o.id in ($1, $2) order by o.id desc offset $3 rows fetch first $4 rows only",
        "SELECT a FROM t OFFSET 3 ROW FETCH NEXT 1 ROW ONLY",
        "SELECT a FROM t FETCH FIRST 5 ROWS ONLY",
        "SELECT a FROM t WHERE id = $1 FOR UPDATE",
        "SELECT a FROM t x JOIN u ON u.a = x.a WHERE x.id = 1 FOR NO KEY UPDATE OF x SKIP LOCKED",
        "SELECT a FROM t LIMIT 1 FOR SHARE NOWAIT",
        "SELECT a FROM t FOR KEY SHARE OF t, u",
        "DELETE FROM t WHERE id = 1 OR TRUE",
        "DELETE FROM t WHERE NOT id = 1 AND b OR c = 2",
        "SELECT a FROM t WHERE a=-1 AND b<-2 AND c>=-$1",
        "UPDATE t SET a = 1 WHERE id = 1 -- OR TRUE\n AND b = 2",
        "DELETE FROM t WHERE id = 1 /* OR TRUE /* nested */ OR TRUE */ AND b = 2",
    })
    void buildsTheTreeJSqlParserBuilds(String sql) {
        assertSameTree(sql, true);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "SELECT a FROM t FOR UPDATE FOR SHARE",
        "SELECT a FROM t FOR UPDATE LIMIT 1",
        "SELECT a FROM t FETCH FIRST ROW ONLY",
        "SELECT a FROM t LIMIT 1 FETCH FIRST 1 ROWS ONLY",
        "SELECT a FROM t FETCH FIRST 1 ROWS WITH TIES",
        "SELECT a FROM t UNION SELECT b FROM u",
        "SELECT a::int FROM t",
        "SELECT CAST(a AS int) FROM t",
        "SELECT a FROM t WHERE b = ANY ($1)",
        "SELECT a FROM t WHERE b IN (SELECT c FROM u)",
        "SELECT (SELECT 1)",
        "SELECT a FROM (SELECT 1 AS a) s",
        "SELECT count(*) OVER () FROM t",
        "SELECT a FROM t ORDER BY a NULLS LAST",
        "SELECT a FROM t WHERE d > timestamptz '2026-01-01'",
        "SELECT a FROM t WHERE d > now() - interval '1 day'",
        "SELECT a FROM t WHERE x ->> 'k' = 'v'",
        "SELECT a FROM t WHERE a = b = c",
        "SELECT a || b - c FROM t",
        "SELECT a + b || c FROM t",
        "SELECT a FROM t WHERE a = 1 IS NULL",
        "SELECT CASE WHEN a THEN 1 END FROM t",
        "SELECT a FROM t JOIN u USING (id)",
        "SELECT a FROM t NATURAL JOIN u",
        "SELECT a FROM t, LATERAL f(t.a)",
        "SELECT a FROM f(1)",
        "SELECT DISTINCT ON (a) a FROM t",
        "SELECT a FROM t WHERE a LIKE 'x' ESCAPE '!'",
        "SELECT a INTO b FROM t",
        "SELECT a FROM t WHERE current_time > a",
        "SELECT a FROM t WHERE localtimestamp > a AND current_date > b",
        "SELECT a FROM d.s.t",
        "SELECT s.t.c FROM s.t",
        "UPDATE \"x.public\".t SET a = 1 WHERE id = 1",
        "DELETE FROM \"a.b\".c WHERE id = 1",
        "SELECT a FROM \"secret.x\"",
        "SELECT \"t.c\" FROM t",
        "SELECT coalesce(a, 1) FROM t",
        "SELECT a FROM t WHERE NOT NOT a",
        "SELECT a FROM t WHERE a = - b",
        "SELECT 1e5",
        "INSERT INTO t (a) VALUES (1) ON CONFLICT DO NOTHING",
        "INSERT INTO t (a) VALUES (DEFAULT)",
        "INSERT INTO t (a) SELECT 1",
        "INSERT INTO t DEFAULT VALUES",
        "UPDATE t SET v = 1 FROM u WHERE t.id = u.id",
        "UPDATE t SET (a, b) = (1, 2)",
        "DELETE FROM t USING u WHERE t.id = u.id",
        "DELETE FROM ONLY t WHERE id = 1",
        "WITH x AS (SELECT 1) SELECT * FROM x",
        "TABLE t",
        "VALUES (1)",
        "SELECT a FROM t WHERE id = 1 COLLATE \"C\"",
        "SELECT a b c FROM t",
        "SELECT a FROM t over",
        "SELECT a over FROM t",
    })
    void declinesWhatItDoesNotRead(String sql) {
        List<LexedStatement> statements = StatementSplitter.split(sql, true).statements();
        ParserInput input = ParserInput.of(statements.get(0).tokens());
        assertNull(ShapeParser.parse(input.tokens), () -> "the shape parser read " + sql);
    }

    @Test
    void agreesWithJSqlParserOnTheCorpus() {
        int accepted = 0;
        int total = 0;
        for (String file : List.of("benign.jsonl", "adversarial.jsonl")) {
            for (TestFiles.Case c : TestFiles.corpus(file)) {
                for (String sql : statementsOf(c.sql())) {
                    total++;
                    if (assertSameTree(sql, false)) {
                        accepted++;
                    }
                }
            }
        }
        System.out.println("shape parser: read " + accepted + " of " + total + " corpus statements, the same tree as JSqlParser");
        assertTrue(accepted >= 20, "the shape parser read only " + accepted + " corpus statements");
    }

    /** Random statements of the shapes it reads, each compared with JSqlParser's tree: every one must be read. */
    @Test
    void agreesWithJSqlParserOnGeneratedStatements() {
        // -Dshapes.seed and -Dshapes.count run other and longer series
        Random random = new Random(Long.getLong("shapes.seed", 20261128L));
        Generator g = new Generator(random);
        for (int n = 0, count = Integer.getInteger("shapes.count", 3000); n < count; n++) {
            String sql = g.statement();
            assertSameTree(sql, true);
        }
    }

    private static List<String> statementsOf(String script) {
        List<String> out = new ArrayList<>();
        for (LexedStatement s : StatementSplitter.split(script, true).statements()) {
            if (!s.tokens().isEmpty()) {
                out.add(script.substring(s.tokens().get(0).start(), s.tokens().get(s.tokens().size() - 1).end()));
            }
        }
        return out;
    }

    /** Returns whether the shape parser read the statement; fails if its tree differs from JSqlParser's. */
    private static boolean assertSameTree(String sql, boolean mustRead) {
        List<LexedStatement> statements = StatementSplitter.split(sql, true).statements();
        assertEquals(1, statements.size(), sql);
        ParserInput input = ParserInput.of(statements.get(0).tokens());
        Statement shaped = ShapeParser.parse(input.tokens);
        if (shaped == null) {
            if (mustRead) {
                fail("the shape parser declined " + sql);
            }
            return false;
        }
        Statement parsed;
        try {
            parsed = StatementClassifier.parse(input.text);
        } catch (Exception e) {
            return fail("the shape parser read what JSqlParser rejects: " + sql + " (" + e.getMessage() + ")");
        }
        assertNotNull(parsed);
        assertEquals(AstShape.of(parsed), AstShape.of(shaped), () -> "different trees for " + sql);
        return true;
    }

    /** Statements of the shapes the parser reads, built at random from a small grammar. */
    private static final class Generator {
        private static final String[] COLUMNS = {"a", "b", "id", "Status", "\"Mixed Case\"", "t.a", "x.id", "value", "name"};
        private static final String[] TABLES = {"t", "s.t", "\"T\"", "orders", "public.customers"};
        private static final String[] FUNCTIONS = {"f", "lower", "pg_catalog.now", "sum", "length"};
        private final Random r;

        Generator(Random r) {
            this.r = r;
        }

        String statement() {
            return switch (r.nextInt(4)) {
                case 0 -> select();
                case 1 -> insert();
                case 2 -> update();
                default -> delete();
            };
        }

        private String pick(String[] options) {
            return options[r.nextInt(options.length)];
        }

        private String select() {
            StringBuilder b = new StringBuilder("SELECT ");
            if (r.nextInt(5) == 0) {
                b.append("DISTINCT ");
            }
            b.append(selectItems());
            if (r.nextInt(6) > 0) {
                b.append(" FROM ").append(table(true));
                for (int j = r.nextInt(3); j > 0; j--) {
                    b.append(join());
                }
                if (r.nextBoolean()) {
                    b.append(" WHERE ").append(condition(2));
                }
                if (r.nextInt(4) == 0) {
                    b.append(" GROUP BY ").append(list(2, 0));
                    if (r.nextBoolean()) {
                        b.append(" HAVING ").append(condition(1));
                    }
                }
                if (r.nextInt(3) == 0) {
                    b.append(" ORDER BY ").append(value(1)).append(pick(new String[] {"", " ASC", " DESC"}));
                    if (r.nextBoolean()) {
                        b.append(", ").append(value(0)).append(pick(new String[] {"", " ASC", " DESC"}));
                    }
                }
                switch (r.nextInt(6)) {
                    case 0 -> b.append(" LIMIT ").append(pick(new String[] {"10", "$1", "ALL"}))
                            .append(r.nextBoolean() ? " OFFSET " + pick(new String[] {"5", "$2"}) : "");
                    case 1 -> b.append(r.nextBoolean() ? " OFFSET " + pick(new String[] {"5 ROWS", "$2 ROW", "7"}) : "")
                            .append(" FETCH ").append(pick(new String[] {"FIRST ", "NEXT "}))
                            .append(pick(new String[] {"1 ROW ONLY", "$3 ROWS ONLY"}));
                    default -> {
                    }
                }
                if (r.nextInt(5) == 0) {
                    b.append(" FOR ").append(pick(new String[] {"UPDATE", "NO KEY UPDATE", "SHARE", "KEY SHARE"}))
                            .append(pick(new String[] {"", " OF t", " OF x, \"Q\""}))
                            .append(pick(new String[] {"", " NOWAIT", " SKIP LOCKED"}));
                }
            }
            return b.toString();
        }

        private String selectItems() {
            StringBuilder b = new StringBuilder();
            for (int k = 0, n = 1 + r.nextInt(3); k < n; k++) {
                if (k > 0) {
                    b.append(", ");
                }
                switch (r.nextInt(8)) {
                    case 0 -> b.append('*');
                    case 1 -> b.append("t.*");
                    case 2 -> b.append(value(2)).append(" AS ").append(pick(new String[] {"x", "\"Y\"", "total"}));
                    case 3 -> b.append(value(1)).append(' ').append(pick(new String[] {"x", "\"Y\"", "total"}));
                    default -> b.append(value(2));
                }
            }
            return b.toString();
        }

        private String table(boolean aliased) {
            String t = pick(TABLES);
            if (!aliased) {
                return t;
            }
            return t + pick(new String[] {"", "", " x", " AS x", " \"Q\""});
        }

        private String join() {
            String kind = pick(new String[] {", ", " JOIN ", " INNER JOIN ", " LEFT JOIN ", " LEFT OUTER JOIN ",
                " RIGHT JOIN ", " FULL JOIN ", " FULL OUTER JOIN ", " CROSS JOIN "});
            String on = kind.equals(", ") || kind.equals(" CROSS JOIN ") ? "" : " ON " + condition(1);
            return kind + table(true) + on;
        }

        private String condition(int depth) {
            if (depth > 0 && r.nextInt(3) == 0) {
                String op = r.nextBoolean() ? " AND " : " OR ";
                String left = condition(depth - 1);
                String right = condition(depth - 1);
                return r.nextInt(4) == 0 ? "(" + left + op + right + ")" : left + op + right;
            }
            String v = value(1);
            return switch (r.nextInt(10)) {
                case 0 -> v + " IS " + (r.nextBoolean() ? "NOT " : "") + "NULL";
                case 1 -> v + (r.nextBoolean() ? " NOT" : "") + " IN (" + list(3, 0) + ")";
                case 2 -> v + (r.nextBoolean() ? " NOT" : "") + (r.nextBoolean() ? " LIKE " : " ILIKE ") + value(0);
                case 3 -> v + (r.nextBoolean() ? " NOT" : "") + " BETWEEN " + value(0) + " AND " + value(0);
                case 4 -> "NOT " + v + " = " + value(1);
                case 5 -> pick(new String[] {"TRUE", "FALSE", "a", "f(a)"});
                default -> v + pick(new String[] {" = ", " <> ", " != ", " < ", " > ", " <= ", " >= "}) + value(1);
            };
        }

        private String list(int max, int depth) {
            StringBuilder b = new StringBuilder();
            for (int k = 0, n = 1 + r.nextInt(max); k < n; k++) {
                if (k > 0) {
                    b.append(", ");
                }
                b.append(value(depth));
            }
            return b.toString();
        }

        private String value(int depth) {
            if (depth > 0 && r.nextInt(3) == 0) {
                String op = pick(new String[] {" + ", " - ", " * ", " / ", " % ", " || "});
                if (op.equals(" || ")) { // unparenthesised next to + or -, it is left to JSqlParser (see below)
                    return "(" + value(0) + op + value(0) + op + value(0) + ")";
                }
                String e = value(depth - 1) + op + value(depth - 1);
                return r.nextInt(3) == 0 ? "(" + e + ")" : e;
            }
            return switch (r.nextInt(12)) {
                case 0 -> String.valueOf(r.nextInt(1000));
                case 1 -> "'s" + r.nextInt(10) + "'";
                case 2 -> "$" + (1 + r.nextInt(9));
                case 3 -> pick(new String[] {"NULL", "TRUE", "CURRENT_TIMESTAMP", "-7", "-$3", "2.50", "E'a\\'b'", "$q$x$q$"});
                case 4 -> {
                    String f = pick(FUNCTIONS);
                    yield switch (r.nextInt(4)) {
                        case 0 -> f + "()";
                        case 1 -> "count(*)";
                        case 2 -> "count(DISTINCT " + pick(COLUMNS) + ")";
                        default -> f + "(" + list(2, depth > 0 ? depth - 1 : 0) + ")";
                    };
                }
                default -> pick(COLUMNS);
            };
        }

        private String insert() {
            StringBuilder b = new StringBuilder("INSERT INTO ").append(table(false));
            int width = 1 + r.nextInt(4);
            if (r.nextInt(4) > 0) {
                b.append(" (");
                for (int k = 0; k < width; k++) {
                    b.append(k > 0 ? ", " : "").append(pick(new String[] {"a", "b", "\"C\"", "mtime", "value"}));
                }
                b.append(')');
            }
            b.append(" VALUES ");
            for (int row = 0, rows = 1 + r.nextInt(4); row < rows; row++) {
                b.append(row > 0 ? ", " : "").append('(');
                for (int k = 0; k < width; k++) {
                    b.append(k > 0 ? ", " : "").append(value(1));
                }
                b.append(')');
            }
            return b.append(returning()).toString();
        }

        private String update() {
            StringBuilder b = new StringBuilder("UPDATE ").append(table(true)).append(" SET ");
            for (int k = 0, n = 1 + r.nextInt(3); k < n; k++) {
                b.append(k > 0 ? ", " : "").append(pick(new String[] {"a", "b", "\"C\""})).append(" = ").append(value(2));
            }
            if (r.nextInt(4) > 0) {
                b.append(" WHERE ").append(condition(2));
            }
            return b.append(returning()).toString();
        }

        private String delete() {
            StringBuilder b = new StringBuilder("DELETE FROM ").append(table(true));
            if (r.nextInt(4) > 0) {
                b.append(" WHERE ").append(condition(2));
            }
            return b.append(returning()).toString();
        }

        private String returning() {
            return switch (r.nextInt(4)) {
                case 0 -> " RETURNING *";
                case 1 -> " RETURNING " + selectItems().replace("t.*", "a");
                default -> "";
            };
        }
    }
}
