-- Run directly and through PgGuard by DifferentialTest; the two transcripts must be identical.
\set VERBOSITY verbose
DROP TABLE IF EXISTS diff_t;
CREATE TABLE diff_t (id int PRIMARY KEY, n numeric(10,2), s text, b bytea, ts timestamptz, j jsonb, a int[], f float8);
INSERT INTO diff_t VALUES (1, 1.50, 'one', '\x0001ff', '2026-01-01 10:00:00+00', '{"k": [1, 2]}', '{1,2,3}', 1.5e300);
INSERT INTO diff_t VALUES (2, NULL, NULL, NULL, NULL, NULL, NULL, 'NaN');
INSERT INTO diff_t VALUES (3, -0.01, E'tab\there', '', 'infinity', 'null', '{}', '-Infinity') RETURNING id, s;
SELECT * FROM diff_t ORDER BY id;
UPDATE diff_t SET s = upper(s) WHERE id <= 3;
DELETE FROM diff_t WHERE id = 99;
SELECT 1 AS a; SELECT 2 AS b; SELECT 'multi' AS c;
;
SELECT * FROM no_such_table;
SELECT 1/0;
INSERT INTO diff_t VALUES (1, 0, 'duplicate');
SELECT 'after errors' AS still_going;
DO $$ BEGIN RAISE NOTICE 'notice with %', 'a parameter'; RAISE WARNING 'a warning'; END $$;
BEGIN;
INSERT INTO diff_t VALUES (10, 10, 'in tx');
SELECT broken syntax here;
SELECT 1;
COMMIT;
SELECT count(*) FROM diff_t WHERE id = 10;
COPY diff_t (id, s) FROM STDIN;
20	copied
21	\N
\.
COPY (SELECT id, s FROM diff_t ORDER BY id) TO STDOUT WITH (FORMAT csv, HEADER);
SELECT string_agg(g::text, ',') FROM generate_series(1, 200) g;
PREPARE q(int) AS SELECT s FROM diff_t WHERE id = $1;
EXECUTE q(20);
DEALLOCATE q;
SHOW standard_conforming_strings;
SET standard_conforming_strings = off;
SELECT 'back\\slash' AS escaped;
RESET standard_conforming_strings;
SELECT ''::text AS empty, repeat('z', 3000) AS long_value;
DROP TABLE diff_t;
