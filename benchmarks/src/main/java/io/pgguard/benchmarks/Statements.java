package io.pgguard.benchmarks;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The statement texts the benchmarks classify and lex, generated in code so that a benchmark run needs nothing
 * but the policy file. Names are the values of the benchmarks' {@code statement} parameter.
 */
final class Statements {
    private Statements() {
    }

    /** pgbench -S (select-only) and the statements of pgbench's built-in TPC-B-like script, as sent with -M extended. */
    static final String PGBENCH_SELECT = "SELECT abalance FROM pgbench_accounts WHERE aid = $1";
    static final String PGBENCH_UPDATE = "UPDATE pgbench_accounts SET abalance = abalance + $1 WHERE aid = $2";
    static final String PGBENCH_INSERT =
            "INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES ($1, $2, $3, $4, CURRENT_TIMESTAMP)";

    /** A reporting query: three tables, GROUP BY, HAVING, ORDER BY, LIMIT. */
    static final String JOIN3 = "SELECT c.id, c.name, count(o.id) AS orders, sum(i.quantity * i.price) AS total"
            + " FROM customers c"
            + " JOIN orders o ON o.customer_id = c.id"
            + " JOIN order_items i ON i.order_id = o.id"
            + " WHERE o.created_at >= $1 AND c.region = $2"
            + " GROUP BY c.id, c.name"
            + " HAVING sum(i.quantity * i.price) > $3"
            + " ORDER BY total DESC, c.id"
            + " LIMIT 50";

    /** A batched insert as pgjdbc's reWriteBatchedInserts sends it: 20 rows of 5 parameters. */
    static final String INSERT20 = insert20();

    /** A Hibernate-style select of about 10 KB: 5 joined tables, 80 aliased columns, a long IN list. */
    static final String ORM10K = orm10k();

    /** benign.jsonl of the statement corpus: "500-value IN list as ORMs generate". */
    static final String IN500 = in500();

    /** benign.jsonl of the statement corpus: "long ORM select with 120 aliased columns". */
    static final String SELECT120 = select120();

    /** Parameter value to text, in the order the benchmarks list them. */
    static final Map<String, String> ALL = all();

    static String byName(String name) {
        String sql = ALL.get(name);
        if (sql == null) {
            throw new IllegalArgumentException("unknown statement " + name + "; known: " + ALL.keySet());
        }
        return sql;
    }

    private static Map<String, String> all() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("pgbench_select", PGBENCH_SELECT);
        m.put("pgbench_update", PGBENCH_UPDATE);
        m.put("pgbench_insert", PGBENCH_INSERT);
        m.put("join3", JOIN3);
        m.put("insert20", INSERT20);
        m.put("orm10k", ORM10K);
        m.put("in500", IN500);
        m.put("select120", SELECT120);
        return Collections.unmodifiableMap(m);
    }

    private static String insert20() {
        StringBuilder b = new StringBuilder("INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES ");
        int p = 1;
        for (int row = 0; row < 20; row++) {
            if (row > 0) {
                b.append(", ");
            }
            b.append("($").append(p++).append(", $").append(p++).append(", $").append(p++).append(", $").append(p++)
                    .append(", $").append(p++).append(')');
        }
        return b.toString();
    }

    private static String orm10k() {
        String[][] tables = {
            {"orders", "o1_0"}, {"customers", "c1_0"}, {"addresses", "a1_0"}, {"order_items", "i1_0"},
            {"products", "p1_0"}};
        String[] columns = {"id", "version", "created_at", "updated_at", "status", "name", "description", "code",
            "amount", "currency", "quantity", "price", "discount", "tax_rate", "note", "external_ref"};
        StringBuilder b = new StringBuilder("select ");
        boolean first = true;
        for (String[] t : tables) {
            for (int c = 0; c < columns.length; c++) {
                if (!first) {
                    b.append(',');
                }
                first = false;
                b.append(t[1]).append('.').append(columns[c]).append(" as ").append(columns[c]).append('_')
                        .append(c + 1).append('_').append(t[1].charAt(0)).append("_0_");
            }
        }
        b.append(" from orders o1_0")
                .append(" join customers c1_0 on c1_0.id=o1_0.customer_id")
                .append(" left join addresses a1_0 on a1_0.id=c1_0.billing_address_id")
                .append(" left join order_items i1_0 on i1_0.order_id=o1_0.id")
                .append(" left join products p1_0 on p1_0.id=i1_0.product_id")
                .append(" where o1_0.status<>'CANCELLED' and c1_0.tenant_id=$1 and o1_0.id in (");
        int p = 2;
        while (b.length() < 10_000) {
            if (p > 2) {
                b.append(',');
            }
            b.append('$').append(p++);
        }
        b.append(") order by o1_0.created_at desc,o1_0.id offset $").append(p++).append(" rows fetch first $")
                .append(p).append(" rows only");
        return b.toString();
    }

    private static String in500() {
        StringBuilder b = new StringBuilder("SELECT * FROM public.t WHERE id IN (");
        for (int i = 1; i <= 500; i++) {
            if (i > 1) {
                b.append(", ");
            }
            b.append(i);
        }
        return b.append(')').toString();
    }

    private static String select120() {
        StringBuilder b = new StringBuilder("SELECT ");
        for (int i = 0; i < 120; i++) {
            if (i > 0) {
                b.append(", ");
            }
            b.append(i % 2 == 0 ? "t0_.id" : "t0_.v").append(" AS col_").append(i).append("_0_");
        }
        return b.append(" FROM t t0_ WHERE t0_.id > 0 ORDER BY t0_.id").toString();
    }
}
