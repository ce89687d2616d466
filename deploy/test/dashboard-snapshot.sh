#!/usr/bin/env bash
# Draws docs/images/dashboard.png, the picture of the Grafana dashboard shown in the README.
#
#   deploy/test/dashboard-snapshot.sh            (after ./mvnw -B -q -DskipTests package)
#
# A documentation tool, not a test: CI does not run it. It takes about three and a half minutes and uses only
# this machine (every address is on 127.0.0.1):
#   1. `pgguard demo` (embedded PostgreSQL, the reference policy) with a generated config that adds a second
#      upstream "replica" for the database "analytics", first pointing at a port where nothing listens, and
#      optional client TLS with a throwaway self-signed certificate (when openssl is there);
#   2. a real Prometheus (Debian package "prometheus") scraping PgGuard's /metrics every second;
#   3. about 180 s of traffic through PgGuard (see "Traffic" below): pgbench -S and TPC-B as app_rw (a user
#      with rules), short psql sessions with statements the rules refuse, cancels, refused connections, a
#      refused reload (invalid config) and a good one through POST /reload that points "replica" at the real
#      server and adds two dry-run rules;
#   4. deploy/test/render-dashboard.py, which reads deploy/grafana/pgguard-dashboard.json, runs every panel's
#      PromQL against that Prometheus and draws the panels in the dashboard's grid into one PNG.
#
# Environment:
#   PGGUARD_JAR       the jar (default proxy-server/target/pgguard.jar)
#   OUT               the PNG (default docs/images/dashboard.png)
#   TRAFFIC_SECONDS   length of the traffic (default 180, at least 90); the picture leaves out its first 20 s
#                     (warm-up) and its last 5 s
#   PGGUARD_JAVA_OPTS JVM options of PgGuard (default -Xmx512m, so that the heap panel has a meaningful max)
#   PROMETHEUS        prometheus binary (default: prometheus on PATH)
#   PYTHON            a Python 3 with matplotlib (default /usr/bin/python3: Debian's python3-matplotlib)
#   KEEP_WORK=1       keep the scratch directory (logs, configs) and print where it is
# Missing tools are installed with apt-get when running as root (prometheus, python3-matplotlib,
# postgresql-client, postgresql for pgbench); otherwise the script says what is missing and exits 2.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
JAR="${PGGUARD_JAR:-$ROOT/proxy-server/target/pgguard.jar}"
OUT="${OUT:-$ROOT/docs/images/dashboard.png}"
TRAFFIC_SECONDS="${TRAFFIC_SECONDS:-180}"
PYTHON="${PYTHON:-/usr/bin/python3}"
(( TRAFFIC_SECONDS >= 90 )) || { echo "TRAFFIC_SECONDS must be at least 90" >&2; exit 64; }

log() { printf '%s %s\n' "$(date -u +%H:%M:%S)" "$*"; }

# --- tools --------------------------------------------------------------------------------------------------
need_pkgs=()
command -v "${PROMETHEUS:-prometheus}" >/dev/null 2>&1 || need_pkgs+=(prometheus)
"$PYTHON" -c 'import matplotlib' >/dev/null 2>&1 || need_pkgs+=(python3-matplotlib)
command -v psql >/dev/null 2>&1 || need_pkgs+=(postgresql-client)
command -v pgbench >/dev/null 2>&1 || need_pkgs+=(postgresql)
if (( ${#need_pkgs[@]} > 0 )); then
  if [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null 2>&1; then
    log "installing ${need_pkgs[*]}"
    apt-get update -qq >/dev/null
    # Debian's prometheus and postgresql packages would start services; this script needs none of them.
    policy_rc_d=0
    if [[ ! -e /usr/sbin/policy-rc.d ]]; then
      printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d && policy_rc_d=1
    fi
    installed=0
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_pkgs[@]}" >/dev/null && installed=1
    if [[ $policy_rc_d == 1 ]]; then rm -f /usr/sbin/policy-rc.d; fi
    [[ $installed == 1 ]] || { echo "ERROR: could not install ${need_pkgs[*]}" >&2; exit 2; }
  else
    echo "missing Debian packages: ${need_pkgs[*]}" >&2
    exit 2
  fi
fi
PROM="$(command -v "${PROMETHEUS:-prometheus}")"
for tool in java curl psql pgbench; do
  command -v "$tool" >/dev/null || { echo "ERROR: $tool is required" >&2; exit 2; }
done
[[ -f "$JAR" ]] || { echo "ERROR: $JAR not found; build it with ./mvnw -B -q -DskipTests package" >&2; exit 2; }

# --- scratch directory and cleanup --------------------------------------------------------------------------
WORK="$(mktemp -d)"
PIDS=()        # background jobs of this script, stopped in reverse order
DEMO_PID=""
PROM_PID=""
stop_pid() {   # stop_pid PID: TERM, wait up to 15 s, then KILL
  local pid="$1"
  kill -0 "$pid" 2>/dev/null || return 0
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
}
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  for (( i=${#PIDS[@]}-1; i>=0; i-- )); do stop_pid "${PIDS[i]}"; done
  [[ -n "$PROM_PID" ]] && stop_pid "$PROM_PID"
  # The demo's shutdown hook stops PgGuard and then its embedded PostgreSQL.
  [[ -n "$DEMO_PID" ]] && stop_pid "$DEMO_PID"
  if [[ "${KEEP_WORK:-0}" == 1 || $rc -ne 0 ]]; then
    echo "scratch directory kept: $WORK" >&2
  else
    rm -rf "$WORK"
  fi
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() { "$PYTHON" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
LISTEN_PORT="$(free_port)"
ADMIN_PORT="$(free_port)"
PROM_PORT="$(free_port)"
DEAD_PORT="$(free_port)"   # nothing listens here: the "replica" before the reload
ADMIN="http://127.0.0.1:$ADMIN_PORT"

# --- PgGuard configuration ----------------------------------------------------------------------------------
TLS_CONF=""
if command -v openssl >/dev/null 2>&1; then
  openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=localhost" \
    -keyout "$WORK/server.key" -out "$WORK/server.crt" >/dev/null 2>&1
  TLS_CONF="client-tls { mode = optional, cert = \"$WORK/server.crt\", key = \"$WORK/server.key\" }"
fi

# write_config REPLICA_PORT WITH_TRIALS: the reference policy plus what this picture needs. The demo itself
# overrides listen, admin and the default upstream. "replica" is the same embedded server as "default" (a demo
# has one), reached under another name so that the dashboard shows two upstreams.
write_config() {
  local replica_port="$1" trials="$2"
  {
    echo "include file(\"$ROOT/deploy/examples/reference-policy.conf\")"
    echo "pgguard {"
    echo "  upstreams.replica { host = \"127.0.0.1\", port = $replica_port, environment = demo }"
    echo "  routing.databases { analytics = replica }"
    echo "  audit { statements = rejections, connections = false }"
    [[ -n "$TLS_CONF" ]] && echo "  $TLS_CONF"
    echo "}"
    if [[ "$trials" == 1 ]]; then
      echo 'pgguard.rules.rules += { id = copy-in-trial, type = forbid, mode = dry-run, kinds = [COPY_FROM_STDIN],'
      echo '  users = ["app_rw"], message = "bulk loads will move to the batch user" }'
      echo 'pgguard.rules.rules += { id = explain-trial, type = forbid, mode = dry-run, kinds = [EXPLAIN],'
      echo '  users = ["app_rw"], message = "EXPLAIN will be for DBAs only" }'
    fi
  } > "$WORK/pgguard.conf.new"
  mv "$WORK/pgguard.conf.new" "$WORK/pgguard.conf"
}
write_config "$DEAD_PORT" 0

# --- PgGuard demo -------------------------------------------------------------------------------------------
log "starting pgguard demo (listen 127.0.0.1:$LISTEN_PORT, admin 127.0.0.1:$ADMIN_PORT)"
# shellcheck disable=SC2086
java ${PGGUARD_JAVA_OPTS:--Xmx512m} -jar "$JAR" demo --config "$WORK/pgguard.conf" --listen "127.0.0.1:$LISTEN_PORT" \
  --admin "127.0.0.1:$ADMIN_PORT" >"$WORK/pgguard.log" 2>&1 &
DEMO_PID=$!
PG_PORT=""
for _ in $(seq 1 240); do
  PG_PORT="$(sed -n 's/.*in front of PostgreSQL on port \([0-9]*\).*/\1/p' "$WORK/pgguard.log")"
  [[ -n "$PG_PORT" ]] && break
  kill -0 "$DEMO_PID" 2>/dev/null || { cat "$WORK/pgguard.log" >&2; echo "FAIL: the demo exited" >&2; exit 1; }
  sleep 0.5
done
[[ -n "$PG_PORT" ]] || { cat "$WORK/pgguard.log" >&2; echo "FAIL: the demo did not start" >&2; exit 1; }
log "embedded PostgreSQL on port $PG_PORT"

# --- Prometheus ---------------------------------------------------------------------------------------------
cat > "$WORK/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: pgguard
    metrics_path: /metrics
    static_configs:
      - targets: ["127.0.0.1:$ADMIN_PORT"]
EOF
log "starting $("$PROM" --version 2>&1 | head -1) on 127.0.0.1:$PROM_PORT"
"$PROM" --config.file="$WORK/prometheus.yml" --storage.tsdb.path="$WORK/prometheus-data" \
  --web.listen-address="127.0.0.1:$PROM_PORT" --log.level=warn >"$WORK/prometheus.log" 2>&1 &
PROM_PID=$!
for _ in $(seq 1 60); do
  curl -fsS --max-time 2 --get "http://127.0.0.1:$PROM_PORT/api/v1/query" --data-urlencode 'query=up' 2>/dev/null |
    grep -q '"value"' && break
  kill -0 "$PROM_PID" 2>/dev/null || { cat "$WORK/prometheus.log" >&2; echo "FAIL: prometheus exited" >&2; exit 1; }
  sleep 0.5
done

# --- Data: pgbench tables in "postgres" (through "default") and "analytics" (through "replica") -------------
# Set up directly on the server as its superuser, so that the picture shows only the traffic below.
export PGCONNECT_TIMEOUT=5
SUPER=(-h 127.0.0.1 -p "$PG_PORT" -U postgres)
psql -X -q "${SUPER[@]}" -d postgres -c "CREATE DATABASE analytics" >/dev/null
for db in postgres analytics; do
  pgbench -i -q -s 1 "${SUPER[@]}" "$db" >"$WORK/pgbench-init-$db.log" 2>&1
  psql -X -q "${SUPER[@]}" -d "$db" -c "GRANT ALL ON ALL TABLES IN SCHEMA public TO app_rw" >/dev/null
done

# --- Traffic ------------------------------------------------------------------------------------------------
export PGPASSWORD=app_rw
APP="host=127.0.0.1 port=$LISTEN_PORT user=app_rw dbname=postgres"
DBA="host=127.0.0.1 port=$LISTEN_PORT user=postgres dbname=postgres"
T0=$SECONDS
T0_TS="$(date +%s)"
STOP_AT=$((T0 + TRAFFIC_SECONDS))

# Statements the reference policy refuses, one of them per short session (rules in the comments).
REFUSED=(   # repeated entries come up more often
  "DELETE FROM pgbench_history"                                        # no-unrestricted-delete
  "DELETE FROM pgbench_history"
  "UPDATE pgbench_branches SET bbalance = 0 WHERE 1 = 1"               # no-unrestricted-update
  "UPDATE pgbench_branches SET bbalance = 0 WHERE 1 = 1"
  "UPDATE pgbench_tellers SET tbalance = 0"                            # no-unrestricted-update
  "DROP TABLE pgbench_history"                                         # no-ddl
  "DROP TABLE pgbench_history"
  "TRUNCATE pgbench_history"                                           # no-truncate
  "SET ROLE postgres"                                                  # no-role-change
  "SELECT pg_read_file('postgresql.conf')"                             # no-dangerous-functions
  "VACUUM pgbench_accounts"                                            # no-administration
  "VACUUM pgbench_accounts"
  "VACUUM pgbench_accounts"
  "DO \$\$BEGIN PERFORM 1; END\$\$"                                     # unknown-effect
  "SELEC abalance FROM pgbench_accounts WHERE aid = AID"               # unknown-effect (does not parse)
  "COPY pgbench_history TO '/tmp/history.csv'"                         # no-server-side-copy
  "DELETE FROM audit.events WHERE id = 1"                              # app-grants
)

# Short app_rw sessions, about two a second: allowed reads and writes, a COPY FROM STDIN and an EXPLAIN
# (the dry-run trials after the reload), and one refused statement. Every third one asks for TLS.
churn() {
  local i=0 sslmode refused
  while (( SECONDS < STOP_AT )); do
    i=$((i + 1))
    sslmode=disable
    [[ -n "$TLS_CONF" && $((i % 3)) == 0 ]] && sslmode=require
    {
      echo "SELECT abalance FROM pgbench_accounts WHERE aid = $((RANDOM % 100000 + 1));"
      echo "UPDATE pgbench_accounts SET abalance = abalance + 1 WHERE aid = $((RANDOM % 100000 + 1));"
      if (( i % 2 == 0 )); then
        echo "COPY pgbench_history (tid, bid, aid, delta, mtime) FROM STDIN;"
        printf '%s\t1\t%s\t%s\t2026-01-01 00:00:00\n' $((RANDOM % 10 + 1)) $((RANDOM % 100000 + 1)) $((RANDOM % 100))
        printf '%s\t1\t%s\t%s\t2026-01-01 00:00:00\n' $((RANDOM % 10 + 1)) $((RANDOM % 100000 + 1)) $((RANDOM % 100))
        echo '\.'
      fi
      (( i % 3 == 0 )) && echo "EXPLAIN SELECT * FROM pgbench_accounts WHERE aid = $((RANDOM % 100000 + 1));"
      refused="${REFUSED[$(( (i * 7) % ${#REFUSED[@]} ))]}"
      echo "${refused//AID/$((RANDOM % 100000 + 1))};"
      (( i % 2 == 1 )) && echo "DELETE FROM pgbench_accounts;"
    } | psql -X -q "$APP sslmode=$sslmode application_name=churn" -f - >/dev/null 2>&1 || true
    sleep 0.4
  done
}

# A report on "analytics" every second: routed to "replica", so it fails until the reload fixes its address.
reports() {
  while (( SECONDS < STOP_AT )); do
    psql -X -q "host=127.0.0.1 port=$LISTEN_PORT user=app_rw dbname=analytics application_name=report" \
      -c "SELECT bid, count(*), sum(abalance) FROM pgbench_accounts GROUP BY bid" >/dev/null 2>&1 || true
    sleep 1
  done
}

# The DBA (not named in the rules: passes untouched) vacuums now and then.
dba() {
  while (( SECONDS < STOP_AT )); do
    psql -X -q "$DBA application_name=dba" -c "VACUUM (ANALYZE) pgbench_history" \
      -c "SELECT count(*) FROM pg_stat_activity" >/dev/null 2>&1 || true
    sleep 10
  done
}

# A long statement whose client gives up: psql sends a CancelRequest on SIGINT.
cancel_one() {
  psql -X -q "$APP application_name=impatient" -c "SELECT pg_sleep(5)" >/dev/null 2>&1 &
  local pid=$!
  sleep 1.5
  kill -INT "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

# Connections PgGuard refuses before they reach the server.
refused_connections() {
  PGOPTIONS="-c role=postgres" psql -X -q "$APP" -c "SELECT 1" >/dev/null 2>&1 || true   # startup_parameters
}
not_postgres() {   # an HTTP client pointed at the PostgreSQL port: a protocol violation
  (exec 3<>"/dev/tcp/127.0.0.1/$LISTEN_PORT" && printf 'GET /metrics HTTP/1.0\r\n\r\n' >&3 && sleep 0.5) 2>/dev/null || true
}

reload() {
  curl -sS --max-time 10 -X POST "$ADMIN/reload" >"$WORK/reload.out" 2>&1 || true
  log "POST /reload: $(tr '\n' ' ' < "$WORK/reload.out" | cut -c1-160)"
}

log "traffic for ${TRAFFIC_SECONDS}s"
pgbench -n -S -M prepared -c 4 -j 2 -R 300 -T "$TRAFFIC_SECONDS" "$APP application_name=pgbench-select" \
  >"$WORK/pgbench-select.log" 2>&1 &
PIDS+=($!)
pgbench -n -M simple -c 2 -j 1 -R 40 -T "$TRAFFIC_SECONDS" "$APP application_name=pgbench-tpcb" \
  >"$WORK/pgbench-tpcb.log" 2>&1 &
PIDS+=($!)
churn & PIDS+=($!)
reports & PIDS+=($!)
dba & PIDS+=($!)

BAD_AT=$((T0 + TRAFFIC_SECONDS * 30 / 100))
GOOD_AT=$((T0 + TRAFFIC_SECONDS * 37 / 100))
BURST_AT=$((T0 + TRAFFIC_SECONDS * 50 / 100))
END_AT=$((STOP_AT - 5))   # the picture ends while everything still runs
done_bad=0 done_good=0 done_burst=0 last_cancel=$T0 last_refusal=$T0 last_http=$T0
while (( SECONDS < END_AT )); do
  now=$SECONDS
  if (( !done_bad && now >= BAD_AT )); then
    # An operator's typo: refused, counted, and the running configuration stays.
    write_config "$DEAD_PORT" 0
    echo 'pgguard.upstreams.replica.tls.mode = "sometimes"' >> "$WORK/pgguard.conf"
    reload
    done_bad=1
  fi
  if (( !done_good && now >= GOOD_AT )); then
    # The fix: "replica" at the right address, and two new rules rolled out in dry-run.
    write_config "$PG_PORT" 1
    reload
    done_good=1
  fi
  if (( !done_burst && now >= BURST_AT )); then
    pgbench -n -S -M extended -c 8 -j 2 -R 500 -T $((TRAFFIC_SECONDS * 20 / 100)) \
      "$APP application_name=pgbench-burst" >"$WORK/pgbench-burst.log" 2>&1 &
    PIDS+=($!)
    done_burst=1
  fi
  if (( now - last_cancel >= 15 )); then cancel_one & PIDS+=($!); last_cancel=$now; fi
  if (( now - last_refusal >= 12 )); then refused_connections; last_refusal=$now; fi
  if (( now - last_http >= 40 )); then not_postgres; last_http=$now; fi
  sleep 1
done
END_TS="$(date +%s)"
START_TS=$((T0_TS + 20))
log "rendering $START_TS..$END_TS"
mkdir -p "$(dirname "$OUT")"
"$PYTHON" "$ROOT/deploy/test/render-dashboard.py" \
  --prometheus "http://127.0.0.1:$PROM_PORT" \
  --dashboard "$ROOT/deploy/grafana/pgguard-dashboard.json" \
  --start "$START_TS" --end "$END_TS" --out "$OUT" --strict \
  --note "pgguard demo (embedded PostgreSQL) with pgbench and psql traffic from deploy/test/dashboard-snapshot.sh; Prometheus scraping every 1s."
log "waiting for the traffic to end"
wait "${PIDS[0]}" "${PIDS[1]}" || true
grep -h -E '^(tps|number of failed)' "$WORK"/pgbench-select.log "$WORK"/pgbench-tpcb.log || true
log "wrote $OUT ($(du -k "$OUT" | cut -f1) KiB)"
