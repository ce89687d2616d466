#!/usr/bin/env bash
# Starts a real Prometheus (the distribution's binary, e.g. Debian package "prometheus") scraping a running
# PgGuard's admin endpoint every second, and checks through Prometheus' HTTP API that PgGuard's series arrive.
#
#   deploy/test/prometheus-scrape.sh HOST:PORT      (PgGuard's admin address, e.g. 127.0.0.1:9187)
#
# Environment:
#   PROMETHEUS       prometheus binary (default: prometheus on PATH)
#   ALLOW_SKIP=1     exit 0 with "SKIPPED" when no prometheus binary is found (default: exit 2)
#   WAIT_SECONDS     how long to wait for the series (default 20)
#   PGGUARD_ADMIN_TOKEN  sent as a bearer token when set
#   EXPECT_SERIES    space-separated metric names that must appear (default below)
# Exit: 0 all expected series found; 1 not found in time or Prometheus failed; 2 prometheus missing; 64 usage.
set -euo pipefail

if [[ $# -ne 1 || "$1" != *:* ]]; then
  echo "usage: $0 PGGUARD_ADMIN_HOST:PORT" >&2
  exit 64
fi
TARGET="$1"
WAIT_SECONDS="${WAIT_SECONDS:-20}"
EXPECT_SERIES="${EXPECT_SERIES:-pgguard_client_connections_opened_total pgguard_client_connections pgguard_upstream_up pgguard_rules_loaded jvm_memory_used_bytes}"

PROM="${PROMETHEUS:-$(command -v prometheus || true)}"
if [[ -z "$PROM" || ! -x "$PROM" ]]; then
  if [[ "${ALLOW_SKIP:-0}" == 1 ]]; then
    echo "SKIPPED: prometheus binary not available (Debian package: prometheus)"
    exit 0
  fi
  echo "ERROR: prometheus binary not available (Debian package: prometheus); set ALLOW_SKIP=1 to skip" >&2
  exit 2
fi
for tool in curl python3; do
  command -v "$tool" >/dev/null || { echo "ERROR: $tool is required" >&2; exit 1; }
done

WORK="$(mktemp -d)"
PROM_PID=""
cleanup() {
  if [[ -n "$PROM_PID" ]] && kill -0 "$PROM_PID" 2>/dev/null; then
    kill "$PROM_PID" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$PROM_PID" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$PROM_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"

{
  echo "global:"
  echo "  scrape_interval: 1s"
  echo "  scrape_timeout: 1s"
  echo "  evaluation_interval: 1s"
  echo "scrape_configs:"
  echo "  - job_name: pgguard"
  echo "    metrics_path: /metrics"
  if [[ -n "${PGGUARD_ADMIN_TOKEN:-}" ]]; then
    printf '%s' "$PGGUARD_ADMIN_TOKEN" > "$WORK/token"
    echo "    authorization:"
    echo "      type: Bearer"
    echo "      credentials_file: $WORK/token"
  fi
  echo "    static_configs:"
  echo "      - targets: [\"$TARGET\"]"
} > "$WORK/prometheus.yml"

echo "prometheus: $("$PROM" --version 2>&1 | head -1)"
echo "prometheus: listening on 127.0.0.1:$PORT, scraping http://$TARGET/metrics every 1s"
"$PROM" --config.file="$WORK/prometheus.yml" --storage.tsdb.path="$WORK/data" \
  --web.listen-address="127.0.0.1:$PORT" --log.level=warn >"$WORK/prometheus.log" 2>&1 &
PROM_PID=$!

API="http://127.0.0.1:$PORT/api/v1"
# query METRIC: prints the number of series Prometheus has for it (0 when none or not answering).
query() {
  curl -fsS --max-time 2 --get "$API/query" --data-urlencode "query=$1" 2>/dev/null |
    python3 -c 'import json,sys; d=json.load(sys.stdin); print(len(d["data"]["result"]) if d.get("status")=="success" else 0)' 2>/dev/null ||
    echo 0
}

deadline=$((SECONDS + WAIT_SECONDS))
missing="$EXPECT_SERIES"
while (( SECONDS < deadline )); do
  if ! kill -0 "$PROM_PID" 2>/dev/null; then
    echo "FAIL: prometheus exited; its log:" >&2
    cat "$WORK/prometheus.log" >&2
    exit 1
  fi
  still=""
  for m in $missing; do
    [[ "$(query "$m")" -gt 0 ]] || still="$still $m"
  done
  missing="${still# }"
  [[ -z "$missing" ]] && break
  sleep 1
done

health="$(curl -fsS --max-time 2 "$API/targets" 2>/dev/null | python3 -c '
import json, sys
for t in json.load(sys.stdin)["data"]["activeTargets"]:
    print(t["scrapeUrl"], t["health"], t.get("lastError") or "")
' 2>/dev/null || true)"
echo "prometheus: target ${health:-unknown}"
if [[ -n "$missing" ]]; then
  echo "FAIL: series not found through the Prometheus API within ${WAIT_SECONDS}s: $missing" >&2
  exit 1
fi
for m in $EXPECT_SERIES; do
  echo "found: $m ($(query "$m") series)"
done
echo "OK: Prometheus scraped PgGuard at $TARGET and has all expected series"
