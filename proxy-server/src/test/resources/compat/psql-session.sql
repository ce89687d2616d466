\pset pager off
\l
\dn
\dn+
\dt
\dt+
\d
\d orders
\d+ orders
\d "UserAccounts"
\di
\ds
\dv
\df
\df lower
\dT
\du
\dg
\dp
\dp orders
\ddp
\dx
\dconfig extra_float_digits
\sv pg_catalog.pg_roles
\x on
SELECT * FROM orders ORDER BY id;
\x off
\x auto
SELECT id, email, tags FROM customers ORDER BY id;
\x off
\copy t FROM '@CSV_IN@' WITH (FORMAT csv)
\copy (SELECT * FROM t ORDER BY id) TO '@CSV_OUT@' WITH (FORMAT csv)
\copy customers (email, name) FROM stdin
dee@example.com	Dee
eve@example.com	Eve
\.
\copy (SELECT email FROM customers ORDER BY id) TO stdout
SELECT count(*) AS n, max(id) AS top FROM t \gset
\echo n=:n top=:top
SELECT :n + 1 AS next, :'top' AS quoted;
SELECT id, v FROM t WHERE id = 1 \gx
\set ON_ERROR_ROLLBACK on
BEGIN;
INSERT INTO t VALUES (9001, 'in transaction');
INSERT INTO t VALUES (9001, 'duplicate key');
SELECT 1 / 0;
SELECT * FROM no_such_table;
INSERT INTO t VALUES (9002, 'after three errors');
COMMIT;
SELECT id, v FROM t WHERE id > 9000 ORDER BY id;
\set ON_ERROR_ROLLBACK off
BEGIN;
INSERT INTO t VALUES (9003, 'lost');
SELECT 1 / 0;
INSERT INTO t VALUES (9004, 'refused by the aborted transaction');
COMMIT;
SELECT count(*) AS lost FROM t WHERE id IN (9003, 9004);
PREPARE by_customer(int) AS SELECT id, total FROM orders WHERE customer_id = $1 ORDER BY id;
EXECUTE by_customer(1);
EXECUTE by_customer(2);
PREPARE upd(text, int) AS UPDATE t SET v = $1 WHERE id = $2;
EXECUTE upd('prepared', 2);
DEALLOCATE by_customer;
DEALLOCATE upd;
SELECT id, v FROM t WHERE id = 2;
\set VERBOSITY verbose
SELECT 1 / 0;
\set VERBOSITY default
\echo :ENCODING :AUTOCOMMIT :LAST_ERROR_SQLSTATE
SELECT current_user, session_user;
