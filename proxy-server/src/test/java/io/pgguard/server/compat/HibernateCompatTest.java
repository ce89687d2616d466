package io.pgguard.server.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgguard.core.testing.PostgresFixture;
import io.pgguard.server.testing.GuardHarness;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.FetchType;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.JoinColumn;
import jakarta.persistence.LockModeType;
import jakarta.persistence.ManyToOne;
import jakarta.persistence.OptimisticLockException;
import jakarta.persistence.SequenceGenerator;
import jakarta.persistence.Table;
import jakarta.persistence.Tuple;
import jakarta.persistence.Version;
import jakarta.persistence.criteria.CriteriaBuilder;
import jakarta.persistence.criteria.CriteriaQuery;
import jakarta.persistence.criteria.Join;
import jakarta.persistence.criteria.Root;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.hibernate.Session;
import org.hibernate.SessionFactory;
import org.hibernate.StaleStateException;
import org.hibernate.cfg.Configuration;
import org.hibernate.resource.jdbc.spi.StatementInspector;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Hibernate ORM 6 over a small entity model, as app_rw through PgGuard with the reference policy, compared with
 * the same run straight against PostgreSQL: schema validation at start (hbm2ddl=validate reads the catalog through
 * DatabaseMetaData), pooled sequence allocation, JDBC batch inserts, JPQL and Criteria with joins and pagination,
 * bulk update and delete with a WHERE, an optimistic (@Version) conflict and pessimistic locks. The schema is
 * created directly as superuser beforehand (DDL through PgGuard is refused by policy).
 */
class HibernateCompatTest {
    static final String DIRECT_DB = "hibernate_direct";
    static final String PROXY_DB = "hibernate_proxy";
    static final String DDL = String.join("\n",
            "SET ROLE app_rw;",
            "CREATE SEQUENCE customer_seq INCREMENT BY 50;",
            "CREATE SEQUENCE purchase_order_seq INCREMENT BY 50;",
            "CREATE TABLE customer (id bigint PRIMARY KEY, email varchar(255) NOT NULL UNIQUE, name varchar(255),",
            "  active boolean NOT NULL, version integer NOT NULL);",
            "CREATE TABLE purchase_order (id bigint PRIMARY KEY, customer_id bigint NOT NULL REFERENCES customer (id),",
            "  status varchar(32) NOT NULL, total numeric(12, 2) NOT NULL);",
            "CREATE INDEX purchase_order_customer_idx ON purchase_order (customer_id);",
            "RESET ROLE;");

    static PostgresFixture pg;
    static GuardHarness guard;

    @Entity(name = "Customer")
    @Table(name = "customer")
    public static class Customer {
        @Id
        @GeneratedValue(strategy = GenerationType.SEQUENCE, generator = "customer_gen")
        @SequenceGenerator(name = "customer_gen", sequenceName = "customer_seq", allocationSize = 50)
        Long id;
        @Column(nullable = false, unique = true)
        String email;
        String name;
        @Column(nullable = false)
        boolean active = true;
        @Version
        int version;

        public Customer() {
        }

        Customer(String email, String name) {
            this.email = email;
            this.name = name;
        }
    }

    @Entity(name = "PurchaseOrder")
    @Table(name = "purchase_order")
    public static class PurchaseOrder {
        @Id
        @GeneratedValue(strategy = GenerationType.SEQUENCE, generator = "order_gen")
        @SequenceGenerator(name = "order_gen", sequenceName = "purchase_order_seq", allocationSize = 50)
        Long id;
        @ManyToOne(fetch = FetchType.LAZY, optional = false)
        @JoinColumn(name = "customer_id", nullable = false)
        Customer customer;
        @Column(nullable = false, length = 32)
        String status;
        @Column(nullable = false, precision = 12, scale = 2)
        BigDecimal total;

        public PurchaseOrder() {
        }

        PurchaseOrder(Customer customer, String status, BigDecimal total) {
            this.customer = customer;
            this.status = status;
            this.total = total;
        }
    }

    /** Records the SQL Hibernate sends, to show which lock clauses it used. */
    public static class SqlLog implements StatementInspector {
        static final List<String> SQL = Collections.synchronizedList(new ArrayList<>());

        @Override
        public String inspect(String sql) {
            SQL.add(sql);
            return sql;
        }
    }

    @BeforeAll
    static void start() throws Exception {
        pg = PostgresFixture.get();
        pg.sql("DO $$ BEGIN CREATE ROLE app_rw LOGIN PASSWORD 'app_rw'; EXCEPTION WHEN duplicate_object THEN NULL; END $$");
        for (String db : new String[] {DIRECT_DB, PROXY_DB}) {
            CompatSupport.freshDatabase(pg, db, "app_rw");
            CompatSupport.exec(pg, db, "GRANT ALL ON SCHEMA public TO app_rw;\n" + DDL);
        }
        guard = GuardHarness.start(pg, GuardHarness.referencePolicy(), Map.of());
    }

    @AfterAll
    static void stop() {
        if (guard != null) {
            guard.close();
        }
    }

    static SessionFactory sessionFactory(String url) {
        return new Configuration()
                .addAnnotatedClass(Customer.class)
                .addAnnotatedClass(PurchaseOrder.class)
                .setProperty("hibernate.connection.url", url)
                .setProperty("hibernate.connection.username", CompatSupport.APP_USER)
                .setProperty("hibernate.connection.password", CompatSupport.APP_PASSWORD)
                .setProperty("hibernate.connection.pool_size", "4")
                .setProperty("hibernate.hbm2ddl.auto", "validate")
                .setProperty("hibernate.jdbc.batch_size", "20")
                .setProperty("hibernate.order_inserts", "true")
                .setProperty("hibernate.order_updates", "true")
                .setProperty("hibernate.session_factory.statement_inspector", SqlLog.class.getName())
                .buildSessionFactory();
    }

    @Test
    void hibernateWorksThroughPgGuardAsItDoesDirect() throws Exception {
        SqlLog.SQL.clear();
        List<String> expected = scenario(pg.jdbcUrl(DIRECT_DB), DIRECT_DB);
        List<String> directSql = new ArrayList<>(SqlLog.SQL);
        SqlLog.SQL.clear();
        List<String> actual = scenario(guard.jdbcUrl(PROXY_DB), PROXY_DB);
        List<String> proxySql = new ArrayList<>(SqlLog.SQL);
        String a = String.join("\n", actual);
        assertFalse(a.contains("PgGuard"), () -> "PgGuard refused something Hibernate sent:\n" + a);
        assertEquals(String.join("\n", expected), a, "Hibernate through PgGuard differs from direct");
        assertEquals(directSql, proxySql, "Hibernate sent the same SQL both times");
        assertTrue(a.contains("optimistic lock conflict: true"), a);
        assertTrue(a.contains("lock held elsewhere: 55P03"), a);
        assertTrue(proxySql.stream().anyMatch(s -> s.contains("for no key update") || s.contains("for update")),
                String.join("\n", proxySql));
        assertTrue(proxySql.stream().anyMatch(s -> s.contains("offset") || s.contains("fetch first")),
                String.join("\n", proxySql));
    }

    /** The whole ORM workload on one database; every observation goes into the returned transcript. */
    static List<String> scenario(String url, String database) throws Exception {
        List<String> out = new ArrayList<>();
        try (SessionFactory sf = sessionFactory(url)) {
            out.add("session factory built, schema validated");
            // batch inserts with pooled sequence allocation: 45 customers, 90 orders
            sf.inTransaction(s -> {
                for (int i = 0; i < 45; i++) {
                    Customer c = new Customer("c" + i + "@example.com", "Customer " + (i % 7));
                    c.active = i % 5 != 0;
                    s.persist(c);
                    s.persist(new PurchaseOrder(c, "new", new BigDecimal(i + ".25")));
                    s.persist(new PurchaseOrder(c, i % 3 == 0 ? "paid" : "new", new BigDecimal((i * 3) + ".50")));
                }
            });
            sf.inSession(s -> {
                out.add("customers " + s.createQuery("select count(c) from Customer c", Long.class).getSingleResult());
                out.add("orders " + s.createQuery("select count(o) from PurchaseOrder o", Long.class).getSingleResult());
                out.add("ids " + s.createQuery("select min(c.id), max(c.id) from Customer c", Object[].class)
                        .getSingleResult()[1]);
                out.add("sequences " + s.createNativeQuery("SELECT last_value FROM customer_seq", Long.class)
                        .getSingleResult() + " " + s.createNativeQuery("SELECT last_value FROM purchase_order_seq",
                        Long.class).getSingleResult());
            });
            // JPQL with a join and pagination
            sf.inSession(s -> {
                List<PurchaseOrder> page = s.createQuery("select o from PurchaseOrder o join fetch o.customer c "
                        + "where c.active = true and o.total > :min order by o.total desc, o.id", PurchaseOrder.class)
                        .setParameter("min", new BigDecimal("10"))
                        .setFirstResult(5).setMaxResults(10).getResultList();
                for (PurchaseOrder o : page) {
                    out.add("jpql page " + o.id + " " + o.total + " " + o.customer.email);
                }
            });
            // Criteria with a join, grouping and pagination
            sf.inSession(s -> {
                CriteriaBuilder cb = s.getCriteriaBuilder();
                CriteriaQuery<Tuple> q = cb.createTupleQuery();
                Root<PurchaseOrder> o = q.from(PurchaseOrder.class);
                Join<PurchaseOrder, Customer> c = o.join("customer");
                q.multiselect(c.get("name"), cb.count(o), cb.sum(o.<BigDecimal>get("total")))
                        .where(cb.and(cb.isTrue(c.get("active")), cb.like(c.get("email"), "c%@example.com")))
                        .groupBy(c.get("name")).orderBy(cb.asc(c.get("name")));
                for (Tuple t : s.createQuery(q).setFirstResult(1).setMaxResults(4).getResultList()) {
                    out.add("criteria page " + t.get(0) + " " + t.get(1) + " " + t.get(2));
                }
            });
            // bulk update and delete with a WHERE
            sf.inTransaction(s -> {
                out.add("bulk update " + s.createMutationQuery("update PurchaseOrder o set o.status = 'archived' "
                        + "where o.total < :limit").setParameter("limit", new BigDecimal("5")).executeUpdate());
                out.add("versioned bulk update " + s.createMutationQuery("update versioned Customer c "
                        + "set c.active = false where c.email like :p").setParameter("p", "c4%").executeUpdate());
                out.add("bulk delete " + s.createMutationQuery("delete from PurchaseOrder o where o.status = 'archived' "
                        + "and o.customer.id in (select c.id from Customer c where c.active = false)").executeUpdate());
            });
            long firstId = sf.fromSession(s -> s.createQuery("select c.id from Customer c where c.email = :e", Long.class)
                    .setParameter("e", "c11@example.com").getSingleResult());
            // optimistic locking: a stale @Version loses
            Session a = sf.openSession();
            Session b = sf.openSession();
            try {
                a.beginTransaction();
                Customer stale = a.find(Customer.class, firstId);
                b.beginTransaction();
                Customer fresh = b.find(Customer.class, firstId);
                fresh.name = "changed by b";
                b.getTransaction().commit();
                stale.name = "changed by a";
                boolean conflict = false;
                try {
                    a.getTransaction().commit();
                } catch (RuntimeException e) {
                    conflict = isOptimisticLockFailure(e);
                    out.add("optimistic exception " + e.getClass().getSimpleName());
                    if (a.getTransaction().isActive()) {
                        a.getTransaction().rollback();
                    }
                }
                out.add("optimistic lock conflict: " + conflict);
            } finally {
                a.close();
                b.close();
            }
            sf.inSession(s -> {
                Customer c = s.find(Customer.class, firstId);
                out.add("after conflict " + c.name + " version " + c.version);
            });
            // pessimistic locking: find and a JPQL query with PESSIMISTIC_WRITE; a second connection cannot lock
            sf.inTransaction(s -> {
                Customer locked = s.find(Customer.class, firstId, LockModeType.PESSIMISTIC_WRITE);
                out.add("locked " + locked.email);
                List<PurchaseOrder> orders = s.createQuery("select o from PurchaseOrder o where o.customer.id = :id "
                        + "order by o.id", PurchaseOrder.class).setParameter("id", firstId)
                        .setLockMode(LockModeType.PESSIMISTIC_WRITE).getResultList();
                out.add("locked orders " + orders.size());
                s.lock(orders.get(0), LockModeType.PESSIMISTIC_READ);
                out.add("lock held elsewhere: " + tryLockElsewhere(url, firstId));
                locked.name = "pessimistic";
            });
            sf.inSession(s -> out.add("after pessimistic " + s.find(Customer.class, firstId).name + " version "
                    + s.find(Customer.class, firstId).version));
        } catch (RuntimeException e) {
            out.add("FAILED " + describe(e));
        }
        List<String> normalized = new ArrayList<>();
        for (String l : out) {
            normalized.add(l.replace(database, "<database>"));
        }
        return normalized;
    }

    /** On another connection (the same path: direct or through PgGuard), FOR UPDATE NOWAIT of the locked row. */
    static String tryLockElsewhere(String url, long id) {
        Properties p = new Properties();
        p.setProperty("user", CompatSupport.APP_USER);
        p.setProperty("password", CompatSupport.APP_PASSWORD);
        try (Connection c = DriverManager.getConnection(url, p); Statement s = c.createStatement()) {
            s.executeQuery("SELECT id FROM customer WHERE id = " + id + " FOR UPDATE NOWAIT").close();
            return "no (row was not locked)";
        } catch (SQLException e) {
            return e.getSQLState();
        }
    }

    static boolean isOptimisticLockFailure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof OptimisticLockException || t instanceof StaleStateException) {
                return true;
            }
        }
        return false;
    }

    static String describe(Throwable e) {
        StringBuilder sb = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            sb.append(t.getClass().getSimpleName()).append(": ").append(t.getMessage()).append(" <- ");
        }
        return sb.toString();
    }
}
