#!/usr/bin/env bash
# Side-by-side pgbench benchmark: PostgreSQL direct vs PgBouncer (session mode) vs PgGuard
# (optionally also PgGuard with a rules config), all on this machine, in one run.
#
# Usage: benchmarks/scripts/pgbench-compare.sh            (from anywhere; see benchmarks/README.md)
#
# Environment (defaults in brackets):
#   CLIENTS [16]  THREADS [2]  DURATION [20] seconds per measured run  ROUNDS [2]
#   MODES ["simple extended prepared"]   SCALE [10]   WARMUP [5] s unmeasured PgGuard run before each mode
#   JIT_WARMUP [20] s of unmeasured load per mode on each PgGuard before the first measured round: the JVM
#                  compiles PgGuard's hot path for 30-60 s under load, and a round measured before that
#                  measures the compiler (C2 still took 16% of PgGuard's CPU 25 s into a run), not the relay
#   TARGETS ["direct pgbouncer pgguard"] ("pgguard+rules" is added when RULES_CONFIG is set)
#   RULES_CONFIG   path of a PgGuard rules config; starts a second PgGuard with --config RULES_CONFIG
#   RULES_USER     user the pgguard+rules target connects as (created with SELECT, INSERT, UPDATE, DELETE on
#                  the pgbench tables), e.g. app_rw for the reference policy; default: the superuser postgres
#   PGGUARD_CONFIG path of a config file for the pass-through PgGuard (--config)
#   NOMETRICS=1    also start "pgguard-nometrics": the pass-through PgGuard with pgguard.metrics.enabled = false,
#                  so the table shows what the relay's metrics cost (TPS ratio and proxy CPU per transaction)
#   ONE_LOOP=1     also start "pgguard-1loop": the pass-through PgGuard with pgguard.worker-threads = 1, one
#                  event-loop thread as PgBouncer has one process, against the default of one per core
#   EPOLL=1        also start "pgguard-epoll": the pass-through PgGuard on Netty's epoll transport
#                  (PGGUARD_TRANSPORT=epoll), against the default, which takes io_uring where the kernel offers it
#   PGGUARD_JAVA_OPTS [-Xms512m -Xmx512m -XX:+UseG1GC]
#   PGGUARD_JAR [<repo>/proxy-server/target/pgguard.jar], built with ./mvnw when missing (REBUILD=1 forces)
#   LAT1_DURATION [10] s per 1-client latency run   IDLE_CONNS [500] idle connections for the memory test
#   LOG_SAMPLING [0.2] pgbench --sampling-rate for the per-transaction logs behind p99
#   FIXED_RATE [0] TPS: when above 0, a second phase runs each proxy at this fixed rate (pgbench -R), ROUNDS
#                  rounds of DURATION per mode, and reports the proxy's CPU per transaction at that load: on a
#                  small shared machine the saturated TPS moves with the host from round to round, while the
#                  CPU a proxy spends per transaction at a load below saturation barely does
#   PG_BIN [newest /usr/lib/postgresql/*/bin]   RESULTS_DIR [<repo>/benchmarks/results]
#   KEEP_TMP=1 keeps the temporary directory (cluster, logs) for inspection.
#   UPSTREAM_SOCKET [0] 1: both proxies reach PostgreSQL through its Unix-domain socket (PgBouncer's
#                  host=<dir>, PgGuard's --upstream <dir>:port), as when they run on the database's machine;
#                  pgbench still reaches every target, PostgreSQL direct included, over TCP
#   HUGE_PAGES [on] PostgreSQL's shared memory in 2 MB huge pages, as production clusters run it: as root the
#                  script reserves them (vm.nr_hugepages, restored at exit); "off" keeps 4 KB pages, where every
#                  new backend (direct and PgGuard open new ones per run; PgBouncer keeps its server
#                  connections from run to run) pays a page fault per shared-buffer page it touches
#
# fsync, full_page_writes and synchronous_commit are OFF in the temporary cluster: the benchmark is
# read-only (pgbench -S), the cluster is thrown away at exit, and this keeps pgbench -i fast.
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$SCRIPT_DIR/../.." && pwd)

CLIENTS=${CLIENTS:-16}
THREADS=${THREADS:-2}
DURATION=${DURATION:-20}
ROUNDS=${ROUNDS:-2}
MODES=${MODES:-"simple extended prepared"}
SCALE=${SCALE:-10}
WARMUP=${WARMUP:-5}
JIT_WARMUP=${JIT_WARMUP:-20}
TARGETS=${TARGETS:-"direct pgbouncer pgguard"}
RULES_CONFIG=${RULES_CONFIG:-}
NOMETRICS=${NOMETRICS:-0}
ONE_LOOP=${ONE_LOOP:-0}
EPOLL=${EPOLL:-0}
RULES_USER=${RULES_USER:-}
FIXED_RATE=${FIXED_RATE:-0}
PGGUARD_CONFIG=${PGGUARD_CONFIG:-}
PGGUARD_JAVA_OPTS=${PGGUARD_JAVA_OPTS:-"-Xms512m -Xmx512m -XX:+UseG1GC"}
PGGUARD_JAR=${PGGUARD_JAR:-"$REPO_ROOT/proxy-server/target/pgguard.jar"}
LAT1_DURATION=${LAT1_DURATION:-10}
IDLE_CONNS=${IDLE_CONNS:-500}
LOG_SAMPLING=${LOG_SAMPLING:-0.2}
RESULTS_DIR=${RESULTS_DIR:-"$REPO_ROOT/benchmarks/results"}
PG_MAX_CONNECTIONS=${PG_MAX_CONNECTIONS:-200}
PG_SHARED_BUFFERS=${PG_SHARED_BUFFERS:-256MB}
HUGE_PAGES=${HUGE_PAGES:-on}
UPSTREAM_SOCKET=${UPSTREAM_SOCKET:-0}
DB_USER=postgres
DB_NAME=postgres

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

if [[ -n $RULES_CONFIG ]]; then
  [[ -f $RULES_CONFIG ]] || die "RULES_CONFIG=$RULES_CONFIG: no such file"
  RULES_CONFIG=$(cd "$(dirname "$RULES_CONFIG")" && pwd)/$(basename "$RULES_CONFIG")
  [[ " $TARGETS " == *" pgguard+rules "* ]] || TARGETS="$TARGETS pgguard+rules"
fi
if [[ -n $PGGUARD_CONFIG ]]; then
  [[ -f $PGGUARD_CONFIG ]] || die "PGGUARD_CONFIG=$PGGUARD_CONFIG: no such file"
  PGGUARD_CONFIG=$(cd "$(dirname "$PGGUARD_CONFIG")" && pwd)/$(basename "$PGGUARD_CONFIG")
fi
if [[ $NOMETRICS == 1 && " $TARGETS " != *" pgguard-nometrics "* ]]; then TARGETS="$TARGETS pgguard-nometrics"; fi
has_target() { [[ " $TARGETS " == *" $1 "* ]]; }
if [[ $ONE_LOOP == 1 && " $TARGETS " != *" pgguard-1loop "* ]]; then TARGETS="$TARGETS pgguard-1loop"; fi
if [[ $EPOLL == 1 && " $TARGETS " != *" pgguard-epoll "* ]]; then TARGETS="$TARGETS pgguard-epoll"; fi
wants_pgguard() { has_target pgguard || has_target pgguard+rules || has_target pgguard-nometrics || has_target pgguard-1loop || has_target pgguard-epoll; }

# ---------------------------------------------------------------------------------------------
# Tools
# ---------------------------------------------------------------------------------------------
find_pg_bin() {
  if [[ -n ${PG_BIN:-} ]]; then echo "$PG_BIN"; return; fi
  local d best=""
  for d in /usr/lib/postgresql/*/bin; do [[ -x $d/initdb ]] && best=$d; done
  [[ -z $best ]] && best=$(compgen -G '/usr/lib/postgresql/*/bin' | sort -V | tail -1 || true)
  echo "$best"
}

PG_BIN=$(find_pg_bin)
if [[ -z $PG_BIN || ! -x $PG_BIN/initdb ]] || ! command -v pgbench >/dev/null || \
   { has_target pgbouncer && ! command -v pgbouncer >/dev/null && [[ ! -x /usr/sbin/pgbouncer ]]; }; then
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
    log "installing postgresql, pgbouncer, postgresql-client (apt-get)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq postgresql pgbouncer postgresql-client >/dev/null
    PG_BIN=$(find_pg_bin)
  else
    die "need PostgreSQL server binaries, pgbench and pgbouncer (Debian: apt-get install postgresql pgbouncer postgresql-client)"
  fi
fi
[[ -x $PG_BIN/initdb ]] || die "no initdb under $PG_BIN"
PGBENCH=$(command -v pgbench || echo "$PG_BIN/pgbench")
PSQL=$(command -v psql || echo "$PG_BIN/psql")
PGBOUNCER=$(command -v pgbouncer || echo /usr/sbin/pgbouncer)
command -v python3 >/dev/null || die "python3 is needed (free ports, idle-connection test)"

# initdb, postgres and pgbouncer refuse to run as root: run them as the postgres user then.
if [[ $(id -u) -eq 0 ]]; then
  id postgres >/dev/null 2>&1 || useradd --system --home-dir /var/lib/postgresql --shell /bin/bash postgres
  as_pg() { runuser -u postgres -- "$@"; }
else
  as_pg() { "$@"; }
fi

# More file descriptors for 500 idle clients (+ their upstream connections).
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

if wants_pgguard; then
  command -v java >/dev/null || die "java is needed for PgGuard"
  if [[ ! -f $PGGUARD_JAR || ${REBUILD:-0} == 1 ]]; then
    log "building PgGuard: ./mvnw -B -q -DskipTests package"
    (cd "$REPO_ROOT" && ./mvnw -B -q -DskipTests package) >&2 || die "build failed"
    [[ -f $PGGUARD_JAR ]] || die "build did not produce $PGGUARD_JAR"
  fi
fi

# ---------------------------------------------------------------------------------------------
# Temporary directory and cleanup
# ---------------------------------------------------------------------------------------------
WORK=$(mktemp -d "${TMPDIR:-/tmp}/pgguard-bench.XXXXXX")
chmod 755 "$WORK"
mkdir -p "$WORK/data" "$WORK/sock" "$WORK/pgbench-logs" "$WORK/out"
# the postgres user writes the cluster, PostgreSQL's and PgBouncer's logs and pid file here
[[ $(id -u) -eq 0 ]] && chown postgres: "$WORK" "$WORK/data" "$WORK/sock"
chmod 700 "$WORK/data"

# run a copy of the jar, so that a rebuild during the run cannot pull it away under the JVMs
if wants_pgguard; then cp -p "$PGGUARD_JAR" "$WORK/pgguard.jar"; PGGUARD_JAR_RUN="$WORK/pgguard.jar"; fi

PGGUARD_PIDS=()
IDLE_PID=""
PG_STARTED=0
HUGEPAGES_BEFORE=""
BOUNCER_PIDFILE="$WORK/pgbouncer.pid"
TS=$(date +%Y%m%d-%H%M%S)
mkdir -p "$RESULTS_DIR"
SUMMARY="$RESULTS_DIR/$TS.txt"
FAILLOG_DIR="$RESULTS_DIR/$TS.logs"
FAILURES=0

save_logs() {
  mkdir -p "$FAILLOG_DIR"
  cp -f "$WORK"/*.log "$FAILLOG_DIR"/ 2>/dev/null || true
  cp -rf "$WORK/out" "$FAILLOG_DIR"/pgbench-output 2>/dev/null || true
}

cleanup() {
  local rc=$?
  set +e
  [[ -n $IDLE_PID ]] && kill "$IDLE_PID" 2>/dev/null && wait "$IDLE_PID" 2>/dev/null
  local p
  for p in "${PGGUARD_PIDS[@]}"; do kill "$p" 2>/dev/null; done
  for p in "${PGGUARD_PIDS[@]}"; do
    for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$p" 2>/dev/null; wait "$p" 2>/dev/null
  done
  if [[ -f $BOUNCER_PIDFILE ]]; then
    p=$(cat "$BOUNCER_PIDFILE" 2>/dev/null)
    [[ -n $p ]] && kill "$p" 2>/dev/null
    for _ in $(seq 50); do if [[ -z $p ]] || ! kill -0 "$p" 2>/dev/null; then break; fi; sleep 0.1; done
  fi
  [[ $PG_STARTED == 1 ]] && as_pg "$PG_BIN/pg_ctl" -D "$WORK/data" -m fast -w stop >/dev/null 2>&1
  [[ -n $HUGEPAGES_BEFORE ]] && echo "$HUGEPAGES_BEFORE" >/proc/sys/vm/nr_hugepages 2>/dev/null
  if [[ $rc -ne 0 || $FAILURES -gt 0 ]]; then save_logs; log "logs kept in $FAILLOG_DIR"; fi
  if [[ ${KEEP_TMP:-0} == 1 ]]; then log "temporary directory kept: $WORK"; else rm -rf "$WORK"; fi
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
  python3 - <<'EOF'
import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()
EOF
}

wait_sql() { # port seconds [pid]: wait until a query through 127.0.0.1:port answers
  local port=$1 secs=$2 pid=${3:-} i
  for ((i = 0; i < secs * 10; i++)); do
    if [[ -n $pid ]] && ! kill -0 "$pid" 2>/dev/null; then return 1; fi
    if "$PSQL" -X -q -h 127.0.0.1 -p "$port" -U "$DB_USER" -d "$DB_NAME" -tAc 'select 1' >/dev/null 2>&1; then
      return 0
    fi
    sleep 0.1
  done
  return 1
}

# ---------------------------------------------------------------------------------------------
# PostgreSQL
# ---------------------------------------------------------------------------------------------
PGPORT=$(free_port)
# Huge pages: enough 2 MB pages for shared_buffers and the rest of PostgreSQL's shared memory, reserved only
# if the machine has fewer free ones; PostgreSQL then refuses to start rather than silently using 4 KB pages.
PG_HUGE_PAGES=off
if [[ $HUGE_PAGES == on ]]; then
  sb_mb=$(echo "$PG_SHARED_BUFFERS" | awk '/GB$/ { print $0 * 1024; next } /MB$/ { print $0 + 0; next } { print 128 }')
  need_pages=$((sb_mb / 2 + 100))
  free_pages=$(awk '/^HugePages_Free:/ { print $2 }' /proc/meminfo)
  if ((${free_pages:-0} < need_pages)) && [[ -w /proc/sys/vm/nr_hugepages ]]; then
    HUGEPAGES_BEFORE=$(cat /proc/sys/vm/nr_hugepages)
    echo $((HUGEPAGES_BEFORE + need_pages - ${free_pages:-0})) >/proc/sys/vm/nr_hugepages 2>/dev/null || true
    free_pages=$(awk '/^HugePages_Free:/ { print $2 }' /proc/meminfo)
  fi
  if ((${free_pages:-0} >= need_pages)); then
    PG_HUGE_PAGES=on
  else
    log "huge pages: $need_pages free 2 MB pages needed, ${free_pages:-0} available (run as root, or HUGE_PAGES=off); using 4 KB pages"
  fi
fi
log "PostgreSQL ($PG_BIN) on 127.0.0.1:$PGPORT, data in $WORK/data"
as_pg "$PG_BIN/initdb" -D "$WORK/data" -U "$DB_USER" -A trust -E UTF8 --no-locale >"$WORK/initdb.log" 2>&1 \
  || { cat "$WORK/initdb.log" >&2; die "initdb failed"; }
cat >>"$WORK/data/postgresql.conf" <<EOF
# pgguard benchmark settings
listen_addresses = '127.0.0.1'
port = $PGPORT
unix_socket_directories = '$WORK/sock'
max_connections = $PG_MAX_CONNECTIONS
shared_buffers = $PG_SHARED_BUFFERS
fsync = off
full_page_writes = off
synchronous_commit = off
logging_collector = off
huge_pages = $PG_HUGE_PAGES
EOF
as_pg "$PG_BIN/pg_ctl" -D "$WORK/data" -l "$WORK/postgresql.log" -w -t 60 start >/dev/null \
  || { tail -20 "$WORK/postgresql.log" >&2; die "PostgreSQL did not start"; }
PG_STARTED=1
PG_VERSION=$("$PSQL" -X -h 127.0.0.1 -p "$PGPORT" -U "$DB_USER" -d "$DB_NAME" -tAc 'show server_version')
log "pgbench -i -s $SCALE"
"$PGBENCH" -i -q -s "$SCALE" -h 127.0.0.1 -p "$PGPORT" -U "$DB_USER" "$DB_NAME" >"$WORK/pgbench-init.log" 2>&1 \
  || { cat "$WORK/pgbench-init.log" >&2; die "pgbench -i failed"; }
"$PSQL" -X -q -h 127.0.0.1 -p "$PGPORT" -U "$DB_USER" -d "$DB_NAME" -c 'vacuum analyze' >/dev/null

declare -A PORT USER_OF
PORT[direct]=$PGPORT
if [[ -n $RULES_USER && $RULES_USER != "$DB_USER" ]] && has_target pgguard+rules; then
  [[ $RULES_USER =~ ^[a-z_][a-z0-9_]*$ ]] || die "RULES_USER=$RULES_USER: use a plain lower-case identifier"
  "$PSQL" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PGPORT" -U "$DB_USER" -d "$DB_NAME" \
    -c "create role $RULES_USER login" \
    -c "grant select, insert, update, delete on all tables in schema public to $RULES_USER" >/dev/null
  USER_OF[pgguard+rules]=$RULES_USER
fi

# ---------------------------------------------------------------------------------------------
# PgBouncer (session mode)
# ---------------------------------------------------------------------------------------------
BOUNCER_VERSION=""
PROXY_UPSTREAM_HOST=127.0.0.1
[[ $UPSTREAM_SOCKET == 1 ]] && PROXY_UPSTREAM_HOST="$WORK/sock"
if has_target pgbouncer; then
  PORT[pgbouncer]=$(free_port)
  POOL=$((CLIENTS + 4))
  echo "\"$DB_USER\" \"\"" >"$WORK/userlist.txt"
  cat >"$WORK/pgbouncer.ini" <<EOF
[databases]
* = host=$PROXY_UPSTREAM_HOST port=$PGPORT

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = ${PORT[pgbouncer]}
unix_socket_dir =
auth_type = trust
auth_file = $WORK/userlist.txt
pool_mode = session
default_pool_size = $POOL
max_client_conn = 1000
max_db_connections = 0
logfile = $WORK/pgbouncer.log
pidfile = $BOUNCER_PIDFILE
log_connections = 0
log_disconnections = 0
EOF
  chmod 644 "$WORK/pgbouncer.ini" "$WORK/userlist.txt"
  as_pg "$PGBOUNCER" -d "$WORK/pgbouncer.ini" >"$WORK/pgbouncer-start.log" 2>&1 \
    || { cat "$WORK/pgbouncer-start.log" "$WORK/pgbouncer.log" >&2; die "pgbouncer did not start"; }
  wait_sql "${PORT[pgbouncer]}" 20 || { cat "$WORK/pgbouncer.log" >&2; die "pgbouncer does not answer"; }
  BOUNCER_VERSION=$("$PGBOUNCER" --version 2>/dev/null | head -1)
  log "$BOUNCER_VERSION on 127.0.0.1:${PORT[pgbouncer]} (session mode, pool $POOL)"
fi

# ---------------------------------------------------------------------------------------------
# PgGuard
# ---------------------------------------------------------------------------------------------
declare -A PID_OF
PID_OF[pgbouncer]=""
declare -A TRANSPORT_OF
start_pgguard() { # name config-file-or-empty [transport] -> sets PORT[name], PID_OF[name], TRANSPORT_OF[name]
  local name=$1 config=$2 transport=${3:-auto} port admin pid logf args
  port=$(free_port); admin=$(free_port)
  logf="$WORK/$name.log"
  args=(run --listen "127.0.0.1:$port" --upstream "$PROXY_UPSTREAM_HOST:$PGPORT" --admin "127.0.0.1:$admin")
  [[ -n $config ]] && args+=(--config "$config")
  # setsid: its own session, as a service runs, like the daemonized PgBouncer and PostgreSQL. Linux's scheduler
  # autogroups share CPU fairly between sessions; left in this script's session, PgGuard would share one
  # group's share with pgbench while PgBouncer has a whole one to itself.
  # shellcheck disable=SC2086
  PGGUARD_TRANSPORT=$transport setsid java $PGGUARD_JAVA_OPTS -jar "$PGGUARD_JAR_RUN" "${args[@]}" >"$logf" 2>&1 &
  pid=$!
  PGGUARD_PIDS+=("$pid")
  if ! wait_sql "$port" 60 "$pid"; then
    tail -40 "$logf" >&2
    die "$name (java -jar pgguard.jar ${args[*]}) did not start or does not answer"
  fi
  PORT[$name]=$port
  PID_OF[$name]=$pid
  # the transport it runs, from its "listening on ... (io_uring transport)" line
  TRANSPORT_OF[$name]=$(sed -n 's/.*listening on [^ ]* (\([a-z_]*\) transport).*/\1/p' "$logf" | head -1)
  log "$name (pid $pid) on 127.0.0.1:$port, admin 127.0.0.1:$admin, ${TRANSPORT_OF[$name]:-unknown} transport${config:+, config $config}"
}
if has_target pgguard; then start_pgguard pgguard "$PGGUARD_CONFIG"; fi
if has_target pgguard+rules; then start_pgguard pgguard+rules "$RULES_CONFIG"; fi
if has_target pgguard-nometrics; then
  { [[ -n $PGGUARD_CONFIG ]] && echo "include file(\"$PGGUARD_CONFIG\")"; echo "pgguard.metrics.enabled = false"; } >"$WORK/nometrics.conf"
  start_pgguard pgguard-nometrics "$WORK/nometrics.conf"
fi
if has_target pgguard-1loop; then
  { [[ -n $PGGUARD_CONFIG ]] && echo "include file(\"$PGGUARD_CONFIG\")"; echo "pgguard.worker-threads = 1"; } >"$WORK/oneloop.conf"
  start_pgguard pgguard-1loop "$WORK/oneloop.conf"
fi
if has_target pgguard-epoll; then start_pgguard pgguard-epoll "$PGGUARD_CONFIG" epoll; fi
JAVA_VERSION=$(java -version 2>&1 | head -1 || true)

bouncer_pid() { cat "$BOUNCER_PIDFILE" 2>/dev/null || true; }
proc_cpu_ticks() { # utime+stime of a pid, in clock ticks
  [[ -n ${1:-} && -r /proc/$1/stat ]] || { echo 0; return; }
  awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"
}
proxy_pid() {
  case $1 in
    pgbouncer) bouncer_pid ;;
    pgguard | pgguard+rules | pgguard-nometrics | pgguard-1loop | pgguard-epoll) echo "${PID_OF[$1]}" ;;
    *) echo "" ;;
  esac
}
CLK_TCK=$(getconf CLK_TCK)

# ---------------------------------------------------------------------------------------------
# pgbench runs
# ---------------------------------------------------------------------------------------------
RUNS="$WORK/runs.tsv"
: >"$RUNS"
p99_of() { # prefix -> p99 latency in ms from pgbench per-transaction logs (3rd column, µs)
  local files=("$1".*)
  [[ -e ${files[0]} ]] || { echo "NA"; return; }
  awk '{ print $3 }' "${files[@]}" | sort -n | awk '{ v[NR] = $1 } END {
      if (NR == 0) { print "NA"; exit }
      i = int(NR * 0.99); if (i < NR * 0.99) i++; if (i < 1) i = 1
      printf "%.3f\n", v[i] / 1000 }'
  rm -f "${files[@]}"
}

# run_pgbench target mode clients threads seconds round kind [rate]
run_pgbench() {
  local target=$1 mode=$2 c=$3 j=$4 secs=$5 round=$6 kind=$7 rate=${8:-0}
  local port=${PORT[$target]} user=${USER_OF[$target]:-$DB_USER} tag="$kind-$target-$mode-r$round" out ppid cpu0 cpu1 tps avg p99 cpu_us status failed
  out="$WORK/out/$tag.txt"
  ppid=$(proxy_pid "$target")
  cpu0=$(proc_cpu_ticks "$ppid")
  status=ok
  local throttle=()
  ((rate > 0)) && throttle=(-R "$rate")
  if ! "$PGBENCH" -n -S -M "$mode" -c "$c" -j "$j" "${throttle[@]}" -T "$secs" -h 127.0.0.1 -p "$port" -U "$user" \
       -l --sampling-rate="$LOG_SAMPLING" --log-prefix="$WORK/pgbench-logs/$tag" "$DB_NAME" >"$out" 2>&1; then
    status=FAILED
  fi
  cpu1=$(proc_cpu_ticks "$ppid")
  tps=$(awk '/^tps = / { print $3; exit }' "$out")
  avg=$(awk '/^latency average = / { print $4; exit }' "$out")
  failed=$(awk -F': ' '/^number of failed transactions/ { split($2, a, " "); print a[1]; exit }' "$out")
  p99=$(p99_of "$WORK/pgbench-logs/$tag")
  [[ -z $tps ]] && { tps=NA; status=FAILED; }
  [[ -z $avg ]] && avg=NA
  [[ -n $failed && $failed != 0 ]] && status="FAILED($failed failed tx)"
  cpu_us=NA
  if [[ -n $ppid && $tps != NA ]]; then
    cpu_us=$(awk -v d=$((cpu1 - cpu0)) -v hz="$CLK_TCK" -v tps="$tps" -v s="$secs" \
      'BEGIN { if (tps > 0) printf "%.1f", d / hz * 1e6 / (tps * s); else print "NA" }')
  fi
  if [[ $status != ok ]]; then
    FAILURES=$((FAILURES + 1))
    log "  $target $mode round $round: $status; pgbench said:"
    grep -v '^pgbench (' "$out" | head -15 | sed 's/^/      /' >&2
  fi
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$kind" "$target" "$mode" "$round" "$tps" "$avg" "$p99" "$cpu_us" "$status" >>"$RUNS"
  log "  $kind $target $mode round $round: tps=$tps avg=${avg}ms p99=${p99}ms proxy_cpu=${cpu_us}us/tx $status"
}

warmup() { # target mode
  "$PGBENCH" -n -S -M "$2" -c "$CLIENTS" -j "$THREADS" -T "$WARMUP" -h 127.0.0.1 -p "${PORT[$1]}" \
    -U "${USER_OF[$1]:-$DB_USER}" "$DB_NAME" >"$WORK/out/warmup-$1-$2.txt" 2>&1 || true
}

read -r -a TLIST <<<"$TARGETS"
read -r -a MLIST <<<"$MODES"
NT=${#TLIST[@]}
START=$(date +%s)
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
if awk -v l="${LOAD_BEFORE%% *}" 'BEGIN { exit !(l > 0.5) }'; then
  log "WARNING: load average $LOAD_BEFORE before the run: something else uses the CPU, figures will be noisy"
fi
if ((JIT_WARMUP > 0)); then
  log "JIT warm-up: ${JIT_WARMUP}s per mode on each PgGuard, unmeasured"
  for t in "${TLIST[@]}"; do
    [[ $t == pgguard* ]] || continue
    for mode in "${MLIST[@]}"; do WARMUP=$JIT_WARMUP warmup "$t" "$mode"; done
  done
fi
log "throughput: ${#MLIST[@]} modes x $NT targets x $ROUNDS rounds x ${DURATION}s, $CLIENTS clients, $THREADS threads"
for ((r = 1; r <= ROUNDS; r++)); do
  mi=0
  for mode in "${MLIST[@]}"; do
    if ((WARMUP > 0)); then
      for t in "${TLIST[@]}"; do [[ $t == pgguard* ]] && warmup "$t" "$mode"; done
    fi
    # rotate the order of the targets every round and mode, so drift hits all of them alike
    for ((k = 0; k < NT; k++)); do
      t=${TLIST[$(((k + r - 1 + mi) % NT))]}
      run_pgbench "$t" "$mode" "$CLIENTS" "$THREADS" "$DURATION" "$r" tput
    done
    mi=$((mi + 1))
  done
done

# Fixed rate: each proxy's CPU per transaction at the same load below saturation
if ((FIXED_RATE > 0)); then
  RATE_TARGETS=()
  for t in "${TLIST[@]}"; do [[ $t != direct ]] && RATE_TARGETS+=("$t"); done
  log "fixed rate: ${#MLIST[@]} modes x ${#RATE_TARGETS[@]} proxies x $ROUNDS rounds x ${DURATION}s at $FIXED_RATE TPS"
  for ((r = 1; r <= ROUNDS; r++)); do
    mi=0
    for mode in "${MLIST[@]}"; do
      n=${#RATE_TARGETS[@]}
      for ((k = 0; k < n; k++)); do
        t=${RATE_TARGETS[$(((k + r - 1 + mi) % n))]}
        run_pgbench "$t" "$mode" "$CLIENTS" "$THREADS" "$DURATION" "$r" rate "$FIXED_RATE"
      done
      mi=$((mi + 1))
    done
  done
fi

# 1-client latency: direct vs the proxies, -M prepared
LAT_TARGETS=()
for t in "${TLIST[@]}"; do LAT_TARGETS+=("$t"); done
if ((LAT1_DURATION > 0)); then
  log "1-client latency (-c 1 -j 1 -M prepared, ${LAT1_DURATION}s x $ROUNDS rounds)"
  for t in "${LAT_TARGETS[@]}"; do
    if [[ $t == pgguard* ]]; then
      "$PGBENCH" -n -S -M prepared -c 1 -j 1 -T 3 -h 127.0.0.1 -p "${PORT[$t]}" -U "${USER_OF[$t]:-$DB_USER}" "$DB_NAME" >/dev/null 2>&1 || true
    fi
  done
  for ((r = 1; r <= ROUNDS; r++)); do
    n=${#LAT_TARGETS[@]}
    for ((k = 0; k < n; k++)); do
      t=${LAT_TARGETS[$(((k + r - 1) % n))]}
      run_pgbench "$t" prepared 1 1 "$LAT1_DURATION" "$r" lat1
    done
  done
fi

# ---------------------------------------------------------------------------------------------
# Memory with IDLE_CONNS idle client connections through a fresh PgGuard
# ---------------------------------------------------------------------------------------------
heap_used_kb() { # sum of the "used NNNK" of the heap lines of jcmd GC.heap_info (not Metaspace)
  jcmd "$1" GC.heap_info 2>/dev/null | awk '
    /Metaspace|class space/ { next }
    { while (match($0, /used [0-9]+K/)) { s += substr($0, RSTART + 5, RLENGTH - 6); $0 = substr($0, RSTART + RLENGTH) } }
    END { print s + 0 }'
}
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }
MEM_LINE=""
if has_target pgguard && ((IDLE_CONNS > 0)) && command -v jcmd >/dev/null; then
  log "memory: $IDLE_CONNS idle connections through a fresh PgGuard"
  # the 1:1 proxy opens one upstream connection per client: give PostgreSQL room for them
  need=$((IDLE_CONNS + 20))
  if ((need > PG_MAX_CONNECTIONS)); then
    as_pg "$PG_BIN/pg_ctl" -D "$WORK/data" -l "$WORK/postgresql.log" -w -t 60 \
      -o "-c max_connections=$need -c huge_pages=try" restart >/dev/null || die "PostgreSQL restart failed"
  fi
  start_pgguard pgguard-idle "$PGGUARD_CONFIG"
  mpid=${PID_OF[pgguard-idle]}
  timeout 60 python3 "$SCRIPT_DIR/idle-clients.py" 127.0.0.1 "${PORT[pgguard-idle]}" 20 "$DB_USER" "$DB_NAME" >/dev/null 2>&1 || true
  sleep 1
  jcmd "$mpid" GC.run >/dev/null 2>&1 || true
  sleep 1
  heap0=$(heap_used_kb "$mpid"); rss0=$(rss_kb "$mpid")
  python3 "$SCRIPT_DIR/idle-clients.py" --hold 127.0.0.1 "${PORT[pgguard-idle]}" "$IDLE_CONNS" "$DB_USER" "$DB_NAME" \
    >"$WORK/idle-clients.out" 2>&1 &
  IDLE_PID=$!
  for _ in $(seq 600); do
    grep -qE '^(READY|FAILED)' "$WORK/idle-clients.out" && break
    kill -0 "$IDLE_PID" 2>/dev/null || break
    sleep 0.1
  done
  if grep -q '^READY' "$WORK/idle-clients.out"; then
    sleep 2
    rss1=$(rss_kb "$mpid")
    heap1_nogc=$(heap_used_kb "$mpid")
    jcmd "$mpid" GC.run >/dev/null 2>&1 || true
    sleep 1
    heap1=$(heap_used_kb "$mpid"); rss1gc=$(rss_kb "$mpid")
    MEM_LINE=$(awk -v n="$IDLE_CONNS" -v h0="$heap0" -v h1="$heap1" -v r0="$rss0" -v r1="$rss1" -v h1n="$heap1_nogc" -v r1g="$rss1gc" 'BEGIN {
      printf "idle_conns=%d heap_before_kb=%d heap_after_kb=%d heap_after_nogc_kb=%d heap_per_conn_bytes=%.0f rss_before_kb=%d rss_after_kb=%d rss_after_gc_kb=%d rss_per_conn_bytes=%.0f",
        n, h0, h1, h1n, (h1 - h0) * 1024 / n, r0, r1, r1g, (r1 - r0) * 1024 / n }')
    log "  $MEM_LINE"
  else
    FAILURES=$((FAILURES + 1))
    MEM_LINE="idle_conns=$IDLE_CONNS FAILED: $(head -3 "$WORK/idle-clients.out" | tr '\n' ' ')"
    log "  $MEM_LINE"
  fi
  kill "$IDLE_PID" 2>/dev/null || true
  wait "$IDLE_PID" 2>/dev/null || true
  IDLE_PID=""
fi
ELAPSED=$(($(date +%s) - START))
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

# ---------------------------------------------------------------------------------------------
# Summary
# ---------------------------------------------------------------------------------------------
CPU_MODEL=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
MEM_TOTAL=$(awk '/^MemTotal:/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
{
  echo "# pgguard pgbench-compare $TS"
  echo "date=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "machine=nproc $(nproc); cpu $CPU_MODEL; ram $MEM_TOTAL; kernel $(uname -r)"
  echo "postgresql=$PG_VERSION"
  echo "pgbouncer=$BOUNCER_VERSION"
  echo "java=$JAVA_VERSION"
  echo "pgguard_java_opts=$PGGUARD_JAVA_OPTS"
  echo "pgguard_transports=$(for t in "${!TRANSPORT_OF[@]}"; do printf '%s %s; ' "$t" "${TRANSPORT_OF[$t]:-unknown}"; done)"
  echo "pgguard_commit=$(git -C "$REPO_ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
  if wants_pgguard; then echo "pgguard_jar_built=$(date -u -r "$PGGUARD_JAR_RUN" +%Y-%m-%dT%H:%M:%SZ)"; fi
  echo "settings=clients $CLIENTS; threads $THREADS; duration ${DURATION}s; rounds $ROUNDS; scale $SCALE; warmup ${WARMUP}s, JIT warm-up ${JIT_WARMUP}s per mode; lat1 ${LAT1_DURATION}s; pg max_connections $PG_MAX_CONNECTIONS, shared_buffers $PG_SHARED_BUFFERS, huge_pages $PG_HUGE_PAGES, fsync off; proxies to PostgreSQL over $([[ $UPSTREAM_SOCKET == 1 ]] && echo "its Unix-domain socket" || echo TCP)"
  echo "rules_config=${RULES_CONFIG:+$(basename "$RULES_CONFIG")}"
  echo "rules_user=${USER_OF[pgguard+rules]:-$DB_USER}"
  echo "measured_seconds=$ELAPSED"
  echo "loadavg_before=$LOAD_BEFORE"
  echo "loadavg_after=$LOAD_AFTER"
  echo "# kind target mode round tps avg_ms p99_ms proxy_cpu_us_per_tx status"
  sed 's/^/run\t/' "$RUNS"
  echo "memory $MEM_LINE"
} >"$SUMMARY"

# medians per (kind, target, mode), in the order of TARGETS and MODES
MEDIANS="$WORK/medians.tsv"
awk -F'\t' -v targets="$TARGETS" -v modes="$MODES" '
  function median(list,   a, n, i, j, t) {
    n = split(list, a, " ")
    for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
    if (n == 0) return "NA"
    return (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
  }
  {
    k = $1 SUBSEP $2 SUBSEP $3
    if ($5 != "NA" && $9 == "ok") { tps[k] = tps[k] " " $5; avg[k] = avg[k] " " $6; p99[k] = p99[k] " " $7; cpu[k] = cpu[k] " " $8 }
    if ($9 != "ok") bad[k] = bad[k] ? bad[k] : $9
    all[k] = all[k] " " $5
    allcpu[k] = allcpu[k] " " $8
    seen[k] = 1
  }
  END {
    nt = split(targets, T, " "); nm = split(modes, M, " ")
    for (kind = 1; kind <= 3; kind++) {
      kn = kind == 1 ? "tput" : kind == 2 ? "rate" : "lat1"
      for (m = 1; m <= (kind < 3 ? nm : 1); m++) for (t = 1; t <= nt; t++) {
        mode = kind < 3 ? M[m] : "prepared"
        k = kn SUBSEP T[t] SUBSEP mode
        if (!seen[k]) continue
        printf "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", kn, T[t], mode, median(tps[k]), median(avg[k]), median(p99[k]),
          (cpu[k] ~ /[0-9]/) ? median(cpu[k]) : "NA", bad[k] ? bad[k] : "ok", substr(all[k], 2), substr(allcpu[k], 2)
      }
    }
  }' "$RUNS" >"$MEDIANS"

TABLE="$WORK/table.md"
awk -F'\t' -v modes="$MODES" -v clients="$CLIENTS" -v rounds="$ROUNDS" -v idle="$MEM_LINE" -v rate="$FIXED_RATE" '
  function r(a, b) { return (a + 0 > 0 && b + 0 > 0) ? sprintf("%.2f", a / b) : "n/a" }
  function f(x, fmt) { return (x == "NA" || x == "") ? "n/a" : sprintf(fmt, x) }
  function joined(list, fmt,   a, n, j, out) { # "1 2 3" -> "1, 2, 3", each formatted
    n = split(list, a, " "); out = ""
    for (j = 1; j <= n; j++) out = out (j > 1 ? ", " : "") f(a[j], fmt)
    return out
  }
  {
    if ($1 == "tput") { row[++n] = $0; tps[$2, $3] = $4 }
    else if ($1 == "rate") { rrow[++rn] = $0; rcpu[$2, $3] = $7 }
    else { lrow[++ln] = $0; lat[$2] = $5 }
  }
  END {
    printf "pgbench -S, scale 10, %d clients; median of %d rounds\n\n", clients, rounds
    print "| target | mode | TPS | avg ms | p99 ms | proxy CPU µs/tx | TPS per round | status |"
    print "|---|---|---:|---:|---:|---:|---|---|"
    for (i = 1; i <= n; i++) { split(row[i], c, "\t")
      printf "| %s | %s | %s | %s | %s | %s | %s | %s |\n", c[2], c[3], f(c[4], "%.0f"), f(c[5], "%.3f"), f(c[6], "%.3f"), f(c[7], "%.1f"),
        joined(c[9], "%.0f"), c[8] }
    nm = split(modes, M, " ")
    print ""
    print "| mode | PgGuard/direct | PgGuard/PgBouncer | PgBouncer/direct | PgGuard+rules/PgGuard | PgGuard/PgGuard-no-metrics | PgGuard-1-loop/PgBouncer | PgGuard-epoll/PgBouncer |"
    print "|---|---:|---:|---:|---:|---:|---:|---:|"
    for (m = 1; m <= nm; m++) { x = M[m]
      printf "| %s | %s | %s | %s | %s | %s | %s | %s |\n", x, r(tps["pgguard", x], tps["direct", x]), r(tps["pgguard", x], tps["pgbouncer", x]),
        r(tps["pgbouncer", x], tps["direct", x]), r(tps["pgguard+rules", x], tps["pgguard", x]), r(tps["pgguard", x], tps["pgguard-nometrics", x]),
        r(tps["pgguard-1loop", x], tps["pgbouncer", x]), r(tps["pgguard-epoll", x], tps["pgbouncer", x]) }
    if (rn > 0) {
      print ""
      printf "Fixed rate, %d TPS (pgbench -R): proxy CPU per transaction at the same load; median of %d rounds\n\n", rate, rounds
      print "| target | mode | TPS | avg ms | p99 ms | proxy CPU µs/tx | CPU µs/tx per round | CPU/PgBouncer | status |"
      print "|---|---|---:|---:|---:|---:|---|---:|---|"
      for (i = 1; i <= rn; i++) { split(rrow[i], c, "\t")
        printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", c[2], c[3], f(c[4], "%.0f"), f(c[5], "%.3f"), f(c[6], "%.3f"),
          f(c[7], "%.1f"), joined(c[10], "%.1f"), c[2] == "pgbouncer" ? "" : r(c[7], rcpu["pgbouncer", c[3]]), c[8] }
    }
    if (ln > 0) {
      print ""
      print "1 client, -M prepared: average latency"
      print ""
      print "| target | avg ms | p99 ms | added vs direct µs |"
      print "|---|---:|---:|---:|"
      for (i = 1; i <= ln; i++) { split(lrow[i], c, "\t")
        add = (c[2] == "direct" || lat["direct"] == "NA" || c[5] == "NA") ? "" : sprintf("%.0f", (c[5] - lat["direct"]) * 1000)
        printf "| %s | %s | %s | %s |\n", c[2], f(c[5], "%.3f"), f(c[6], "%.3f"), add }
    }
    if (idle != "") { print ""; print "Idle connections through PgGuard: " idle }
  }' "$MEDIANS" >"$TABLE"

{ echo; echo "# markdown"; cat "$TABLE"; } >>"$SUMMARY"
echo
cat "$TABLE"
echo
log "summary written to $SUMMARY (throughput phase ${ELAPSED}s)"
if ((FAILURES > 0)); then log "$FAILURES run(s) failed; pgbench output and proxy logs in $FAILLOG_DIR"; fi
