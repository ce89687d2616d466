package io.pgguard.rules.policy;

import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.pgguard.rules.Decision;
import io.pgguard.rules.PolicyEngine;
import io.pgguard.rules.StatementContext;
import io.pgguard.rules.StatementSource;
import io.pgguard.rules.TestFiles;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Statements that pgjdbc, psql, Hibernate and pgbench really send (taken from their sources / logs), which the
 * reference policy must let through for app_rw: a false reject here breaks a tool people rely on.
 */
class RealClientStatementsTest {
    private static final PolicyEngine ENGINE = new PolicyEngine(TestFiles.exampleRules("reference-policy.conf"), 1000);

    private static final String[] STATEMENTS = {
        // pgjdbc
        "SET extra_float_digits = 3",
        "SET application_name = 'PostgreSQL JDBC Driver'",
        "SELECT typinput='pg_catalog.array_in'::regproc as is_array, typtype, typname, pg_type.oid FROM pg_catalog.pg_type "
            + "LEFT JOIN (select ns.oid as nspoid, ns.nspname, r.r from pg_namespace as ns join ( select s.r, "
            + "(current_schemas(false))[s.r] as nspname from generate_series(1, array_upper(current_schemas(false), 1)) as s(r) ) "
            + "as r using ( nspname ) ) as sp ON sp.nspoid = typnamespace WHERE pg_type.oid = $1 ORDER BY sp.r, pg_type.oid DESC",
        "SELECT NULL AS TABLE_CAT, n.nspname AS TABLE_SCHEM, c.relname AS TABLE_NAME, CASE n.nspname ~ '^pg_' OR n.nspname = "
            + "'information_schema' WHEN true THEN CASE WHEN n.nspname = 'pg_catalog' OR n.nspname = 'information_schema' THEN "
            + "CASE c.relkind WHEN 'r' THEN 'SYSTEM TABLE' WHEN 'v' THEN 'SYSTEM VIEW' ELSE NULL END ELSE NULL END ELSE CASE "
            + "c.relkind WHEN 'r' THEN 'TABLE' WHEN 'p' THEN 'PARTITIONED TABLE' ELSE NULL END END AS TABLE_TYPE, d.description "
            + "AS REMARKS, '' as TYPE_CAT, '' as TYPE_SCHEM, '' as TYPE_NAME, '' AS SELF_REFERENCING_COL_NAME, '' AS REF_GENERATION "
            + "FROM pg_catalog.pg_namespace n, pg_catalog.pg_class c LEFT JOIN pg_catalog.pg_description d ON (c.oid = d.objoid "
            + "AND d.objsubid = 0 and d.classoid = 'pg_class'::regclass) WHERE c.relnamespace = n.oid AND n.nspname LIKE 'public' "
            + "AND c.relname LIKE '%' ORDER BY TABLE_TYPE,TABLE_SCHEM,TABLE_NAME",
        "SELECT n.nspname,c.relname,a.attname,a.atttypid,a.attnotnull OR (t.typtype = 'd' AND t.typnotnull) AS attnotnull,"
            + "a.atttypmod,a.attlen,t.typtypmod,row_number() OVER (PARTITION BY a.attrelid ORDER BY a.attnum) AS attnum, "
            + "nullif(a.attidentity, '') as attidentity,nullif(a.attgenerated, '') as attgenerated,"
            + "pg_catalog.pg_get_expr(def.adbin, def.adrelid) AS adsrc,dsc.description,t.typbasetype,t.typtype FROM "
            + "pg_catalog.pg_namespace n JOIN pg_catalog.pg_class c ON (c.relnamespace = n.oid) JOIN pg_catalog.pg_attribute a "
            + "ON (a.attrelid=c.oid) JOIN pg_catalog.pg_type t ON (a.atttypid = t.oid) LEFT JOIN pg_catalog.pg_attrdef def ON "
            + "(a.attrelid=def.adrelid AND a.attnum = def.adnum) LEFT JOIN pg_catalog.pg_description dsc ON (c.oid=dsc.objoid AND "
            + "a.attnum = dsc.objsubid) LEFT JOIN pg_catalog.pg_class dc ON (dc.oid=dsc.classoid AND dc.relname='pg_class') LEFT "
            + "JOIN pg_catalog.pg_namespace dn ON (dc.relnamespace=dn.oid AND dn.nspname='pg_catalog') WHERE c.relkind in "
            + "('r','p','v','f','m') and a.attnum > 0 AND NOT a.attisdropped AND n.nspname LIKE 'public' AND c.relname LIKE 'orders'",
        "BEGIN READ ONLY",
        "SAVEPOINT PGJDBC_AUTOSAVE",
        "RELEASE SAVEPOINT PGJDBC_AUTOSAVE",
        "ROLLBACK TO SAVEPOINT PGJDBC_AUTOSAVE",
        "select current_schema()",
        "SHOW TRANSACTION ISOLATION LEVEL",
        // psql
        "SELECT c.oid, n.nspname, c.relname FROM pg_catalog.pg_class c LEFT JOIN pg_catalog.pg_namespace n ON n.oid = "
            + "c.relnamespace WHERE c.relname OPERATOR(pg_catalog.~) '^(orders)$' COLLATE pg_catalog.default AND "
            + "pg_catalog.pg_table_is_visible(c.oid) ORDER BY 2, 3;",
        "SELECT n.nspname as \"Schema\", c.relname as \"Name\", CASE c.relkind WHEN 'r' THEN 'table' WHEN 'v' THEN 'view' END "
            + "as \"Type\", pg_catalog.pg_get_userbyid(c.relowner) as \"Owner\" FROM pg_catalog.pg_class c LEFT JOIN "
            + "pg_catalog.pg_namespace n ON n.oid = c.relnamespace LEFT JOIN pg_catalog.pg_am am ON am.oid = c.relam WHERE "
            + "c.relkind IN ('r','p','') AND n.nspname <> 'pg_catalog' AND n.nspname !~ '^pg_toast' AND n.nspname <> "
            + "'information_schema' AND pg_catalog.pg_table_is_visible(c.oid) ORDER BY 1,2;",
        "SELECT d.datname as \"Name\", pg_catalog.pg_get_userbyid(d.datdba) as \"Owner\", "
            + "pg_catalog.pg_encoding_to_char(d.encoding) as \"Encoding\", d.datcollate as \"Collate\", "
            + "pg_catalog.array_to_string(d.datacl, E'\\n') AS \"Access privileges\" FROM pg_catalog.pg_database d ORDER BY 1;",
        "SELECT r.rolname, r.rolsuper, r.rolinherit, r.rolcreaterole, r.rolcreatedb, r.rolcanlogin, r.rolconnlimit, "
            + "r.rolvaliduntil, r.rolreplication, r.rolbypassrls FROM pg_catalog.pg_roles r WHERE r.rolname !~ '^pg_' ORDER BY 1;",
        "SELECT pg_catalog.quote_ident(c.relname) FROM pg_catalog.pg_class c WHERE c.relkind IN ('r', 'S', 'v', 'm', 'f', 'p') "
            + "AND substring(pg_catalog.quote_ident(c.relname),1,3)='ord' AND pg_catalog.pg_table_is_visible(c.oid) LIMIT 1000",
        // Hibernate 6
        "select nextval('hibernate_sequence')",
        "select o1_0.id,o1_0.status,o1_0.total,o1_0.version from orders o1_0 where o1_0.id=$1 for no key update",
        "update orders set status=$1,total=$2,version=$3 where id=$4 and version=$5",
        "delete from orders where id=$1",
        "select c1_0.id,c1_0.email from customers c1_0 join orders o1_0 on c1_0.id=o1_0.customer_id where o1_0.total>$1 "
            + "order by c1_0.id offset $2 rows fetch first $3 rows only",
        "update orders o1_0 set status='cancelled' where o1_0.created_at<$1",
        "delete from orders o1_0 where o1_0.status=$1",
        "insert into customers (email,name,active,tags,id) values ($1,$2,$3,$4,$5)",
        // pgbench
        "UPDATE pgbench_accounts SET abalance = abalance + $1 WHERE aid = $2",
        "SELECT abalance FROM pgbench_accounts WHERE aid = $1",
        "INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES ($1, $2, $3, $4, CURRENT_TIMESTAMP)",
        "select o.id from orders o where o.data ->> 'coupon' is not null and o.created_at > now() - interval '7 days'",
        "SELECT x FROM generate_series(1, 3) x(x) WHERE x = ANY($1::int[])",
    };

    @TestFactory
    Stream<DynamicTest> realClientStatementsAreAllowed() {
        StatementContext ctx = new StatementContext("app_rw", "app", "production", null, true, StatementSource.SIMPLE_QUERY);
        return Stream.of(STATEMENTS).map(sql -> DynamicTest.dynamicTest(TestFiles.display(sql), () -> {
            Decision d = ENGINE.decide(sql, ctx);
            assertNotEquals(Decision.Action.REJECT, d.action(), () -> d.explanation());
        }));
    }
}
