-- The demo database: a small shop. app_rw owns the tables, so only PgGuard stands between it and a DROP.
CREATE ROLE app_rw LOGIN PASSWORD 'app_rw';
GRANT ALL ON SCHEMA public TO app_rw;
SET ROLE app_rw;
CREATE TABLE t (id int PRIMARY KEY, v text);
INSERT INTO t VALUES (1, 'a'), (2, 'b'), (3, 'c');
CREATE TABLE customers (
  id serial PRIMARY KEY,
  email text NOT NULL UNIQUE,
  name text,
  active boolean NOT NULL DEFAULT true
);
CREATE TABLE orders (
  id bigserial PRIMARY KEY,
  customer_id int NOT NULL REFERENCES customers (id),
  status text NOT NULL DEFAULT 'new',
  total numeric(12, 2) NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO customers (email, name) VALUES ('ann@example.com', 'Ann'), ('bob@example.com', 'Bob');
INSERT INTO orders (customer_id, status, total) VALUES (1, 'paid', 10.50), (1, 'new', 99.00), (2, 'new', 5.25);
RESET ROLE;
