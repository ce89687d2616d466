#!/usr/bin/env bash
# Validates deploy/ on a machine without Docker or Kubernetes: everything that can be checked offline.
#   deploy/test/validate.sh            (from anywhere; exit 0 = all checks that ran passed)
# Tools it uses when present, and SKIPs (with a message) when not: python3 + PyYAML (installed from the
# Debian package python3-yaml when missing and running as root), promtool (Debian package "prometheus"; installed
# when missing and running as root unless DEPLOY_VALIDATE_NO_INSTALL=1), kubectl (kustomize render),
# helm, systemd-analyze, java (HOCON configs), shellcheck.
set -euo pipefail

DEPLOY="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
REPO="$(cd "$DEPLOY/.." && pwd)"
TMP="$(mktemp -d)"
HC_PID=""
cleanup() {
  if [[ -n "$HC_PID" ]]; then kill "$HC_PID" 2>/dev/null || true; fi
  rm -rf "$TMP"
}
trap cleanup EXIT

FAILED=0; PASSED=0; SKIPPED=0
ok()   { echo "PASS    $*"; PASSED=$((PASSED + 1)); }
fail() { echo "FAIL    $*"; FAILED=$((FAILED + 1)); }
skip() { echo "SKIPPED $*"; SKIPPED=$((SKIPPED + 1)); }
section() { echo; echo "== $*"; }
indent() { local line; while IFS= read -r line; do echo "        $line"; done <<<"$1"; }
# run NAME CMD...: runs a check, shows its output indented, counts it.
run() {
  local name="$1"; shift
  local out rc=0
  out="$("$@" 2>&1)" || rc=$?
  if [[ -n "$out" ]]; then indent "$out"; fi
  if [[ $rc -eq 0 ]]; then ok "$name"; else fail "$name (exit $rc)"; fi
}
is_root() { [[ "$(id -u)" -eq 0 ]]; }
apt_install() { # apt_install PACKAGE: true when installed now
  is_root && command -v apt-get >/dev/null || return 1
  [[ "${DEPLOY_VALIDATE_NO_INSTALL:-0}" == 1 ]] && return 1
  local cand
  cand="$(apt-cache policy "$1" 2>/dev/null | awk '/Candidate:/ {print $2}')"
  if [[ -z "$cand" || "$cand" == "(none)" ]]; then
    apt-get update -qq >/dev/null 2>&1 || true
    cand="$(apt-cache policy "$1" 2>/dev/null | awk '/Candidate:/ {print $2}')"
  fi
  [[ -n "$cand" && "$cand" != "(none)" ]] || return 1
  echo "        installing Debian package $1 ($cand)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    -o DPkg::Lock::Timeout=300 "$1" >"$TMP/apt-$1.log" 2>&1
}

cd "$DEPLOY"
echo "Validating $(basename "$DEPLOY")/ (repository $(basename "$REPO"))"

# ------------------------------------------------------------------ Python and YAML
section "YAML and JSON syntax"
PY=""
for cand in python3 /usr/bin/python3; do
  if command -v "$cand" >/dev/null 2>&1 && "$cand" -c 'import yaml' 2>/dev/null; then PY="$cand"; break; fi
done
if [[ -z "$PY" ]] && command -v python3 >/dev/null 2>&1; then
  if apt_install python3-yaml && /usr/bin/python3 -c 'import yaml' 2>/dev/null; then PY=/usr/bin/python3; fi
fi
if [[ -z "$PY" ]]; then
  if command -v python3 >/dev/null 2>&1; then
    fail "python3 has no PyYAML and it could not be installed (apt-get install python3-yaml as root)"
    PYJSON=python3
  else
    fail "python3 is missing: YAML and JSON cannot be checked"
    PYJSON=""
  fi
else
  PYJSON="$PY"
  mapfile -t YAMLS < <(find . -path ./examples -prune -o \( -name '*.yml' -o -name '*.yaml' \) -type f -print | sort)
  run "${#YAMLS[@]} YAML files parse" "$PY" - "${YAMLS[@]}" <<'PYEOF'
import sys, yaml
for f in sys.argv[1:]:
    with open(f) as fh:
        docs = [d for d in yaml.safe_load_all(fh) if d is not None]
    print(f"{f}: {len(docs)} document(s)")
PYEOF

  run "docker-compose.yml: services, images/builds and local paths" "$PY" - <<'PYEOF'
import os, sys, yaml
c = yaml.safe_load(open("docker-compose.yml"))
want = {"postgres", "pgguard", "prometheus", "grafana"}
missing = want - set(c["services"])
assert not missing, f"services missing: {missing}"
assert c["services"]["postgres"]["image"].startswith("postgres:17"), "postgres must be postgres:17"
b = c["services"]["pgguard"]["build"]
assert os.path.isfile(os.path.join(b["context"], b["dockerfile"])), "pgguard build: Dockerfile not found"
for name, s in c["services"].items():
    for v in s.get("volumes", []):
        src = v.split(":")[0]
        if src.startswith("."):
            assert os.path.exists(src), f"{name}: volume source {src} does not exist"
            print(f"{name}: {src} exists")
PYEOF

  run "Kubernetes manifests: kinds, names, probes, selectors" "$PY" - <<'PYEOF'
import glob, yaml
docs = []
for f in sorted(glob.glob("kubernetes/**/*.yaml", recursive=True)):
    for d in yaml.safe_load_all(open(f)):
        if d and d.get("kind") not in (None, "Kustomization"):
            for k in ("apiVersion", "kind", "metadata"):
                assert k in d, f"{f}: {k} missing"
            docs.append((f, d))
            print(f"{f}: {d['kind']}/{d['metadata'].get('name')}")
kinds = {d["kind"] for _, d in docs}
for k in ("Deployment", "Service", "ConfigMap", "PodDisruptionBudget", "StatefulSet"):
    assert k in kinds, f"no {k}"
for f, d in docs:
    if d["kind"] in ("Deployment", "StatefulSet"):
        spec = d["spec"]
        pod = spec["template"]["spec"]
        c = pod["containers"][0]
        assert c["readinessProbe"]["httpGet"]["path"] == "/ready", f"{f}: readiness must use /ready"
        assert c["livenessProbe"]["httpGet"]["path"] == "/health", f"{f}: liveness must use /health"
        assert pod["securityContext"]["runAsNonRoot"] is True, f"{f}: runAsNonRoot"
        assert "limits" in c["resources"] and "requests" in c["resources"], f"{f}: resources"
        assert pod["terminationGracePeriodSeconds"] > 35, f"{f}: grace period must exceed preStop + drain"
        assert c["lifecycle"]["preStop"], f"{f}: preStop"
        sel = spec["selector"]["matchLabels"]
        labels = spec["template"]["metadata"]["labels"]
        assert all(labels.get(k) == v for k, v in sel.items()), f"{f}: selector does not match pod labels"
        for m in c["volumeMounts"]:
            assert "subPath" not in m, f"{f}: subPath mounts do not receive ConfigMap updates"
    if d["kind"] == "Deployment":
        assert d["spec"]["replicas"] == 2, f"{f}: 2 replicas"
PYEOF
fi
if [[ -n "$PYJSON" ]]; then
  run "grafana/pgguard-dashboard.json parses, has a datasource variable, panels use it" "$PYJSON" - <<'PYEOF'
import json
d = json.load(open("grafana/pgguard-dashboard.json"))
names = [v["name"] for v in d["templating"]["list"]]
assert "datasource" in names and [v for v in d["templating"]["list"] if v["name"] == "datasource"][0]["type"] == "datasource"
n = 0
for p in d["panels"]:
    if p["type"] == "row":
        continue
    assert p["datasource"]["uid"] == "${datasource}", p["title"]
    for t in p["targets"]:
        assert t["datasource"]["uid"] == "${datasource}", p["title"]
        n += 1
ids = [p["id"] for p in d["panels"]]
assert len(ids) == len(set(ids)), "duplicate panel ids"
print(f"{len(d['panels'])} panels, {n} queries, variables: {', '.join(names)}")
PYEOF
fi

# ------------------------------------------------------------------ metric names
section "Metric names used by the alerts and the dashboard"
if [[ -n "${PY:-}" ]]; then
  run "only PgGuard's exported metric names are queried" "$PY" - <<'PYEOF'
import json, re, yaml
KNOWN = {
  "pgguard_client_connections", "pgguard_client_connections_opened_total", "pgguard_client_connections_closed_total",
  "pgguard_client_connections_refused_total", "pgguard_client_connections_tls_total",
  "pgguard_upstream_connect_seconds_bucket", "pgguard_upstream_connect_seconds_sum", "pgguard_upstream_connect_seconds_count",
  "pgguard_upstream_connect_failures_total", "pgguard_upstream_up", "pgguard_statements_total", "pgguard_rule_rejections_total",
  "pgguard_statement_duration_seconds_bucket", "pgguard_statement_duration_seconds_sum", "pgguard_statement_duration_seconds_count",
  "pgguard_decision_duration_seconds_bucket", "pgguard_decision_duration_seconds_sum", "pgguard_decision_duration_seconds_count",
  "pgguard_rules_cache_hits_total", "pgguard_rules_cache_misses_total", "pgguard_rules_parse_failures_total",
  "pgguard_rules_reloads_total", "pgguard_rules_loaded", "pgguard_bytes_total", "pgguard_cancels_total",
  "pgguard_protocol_errors_total", "jvm_memory_used_bytes", "jvm_memory_max_bytes", "process_cpu_usage", "up",
}
exprs = []
for g in yaml.safe_load(open("prometheus/alerts.yml"))["groups"]:
    exprs += [("alerts.yml " + r["alert"], r["expr"]) for r in g["rules"]]
d = json.load(open("grafana/pgguard-dashboard.json"))
for p in d["panels"]:
    exprs += [("dashboard " + p["title"], t["expr"]) for t in p.get("targets", [])]
exprs += [("dashboard variable " + v["name"], v["query"]["query"]) for v in d["templating"]["list"] if v["type"] == "query"]
bad = []
for where, e in exprs:
    for m in re.findall(r"\b((?:pgguard|jvm|process)_[a-z_]+|up)\b\s*[{\[(]?", e):
        if m not in KNOWN:
            bad.append(f"{where}: {m}")
assert not bad, "unknown metric names:\n" + "\n".join(bad)
print(f"{len(exprs)} expressions checked")
PYEOF
else
  skip "metric names (needs python3 with PyYAML)"
fi

# ------------------------------------------------------------------ promtool
section "Prometheus config and alert rules (promtool)"
if ! command -v promtool >/dev/null 2>&1; then
  apt_install prometheus || true
fi
if command -v promtool >/dev/null 2>&1; then
  echo "        $(promtool --version 2>&1 | head -1)"
  run "promtool check config prometheus/prometheus.yml" promtool check config prometheus/prometheus.yml
  run "promtool check config prometheus/prometheus-compose.yml" promtool check config prometheus/prometheus-compose.yml
  run "promtool check rules prometheus/alerts.yml" promtool check rules prometheus/alerts.yml
  run "promtool test rules prometheus/alerts_test.yml" bash -c 'cd prometheus && promtool test rules alerts_test.yml'
  if [[ -n "${PYJSON:-}" ]]; then
    # Every dashboard query must be valid PromQL: wrap them as recording rules for promtool.
    "$PYJSON" - "$TMP/dashboard-rules.yml" <<'PYEOF'
import json, sys
d = json.load(open("grafana/pgguard-dashboard.json"))
rules = []
def norm(e):
    for a, b in (("$__rate_interval", "5m"), ("$instance", ".*"), ("$upstream", ".*"), ("$job", ".*")):
        e = e.replace(a, b)
    return e
for p in d["panels"]:
    for t in p.get("targets", []):
        rules.append({"record": f"dashboard:panel{p['id']}:{t['refId']}", "expr": norm(t["expr"])})
for a in d["annotations"]["list"]:
    if "expr" in a:
        rules.append({"record": "dashboard:annotation", "expr": norm(a["expr"])})
json.dump({"groups": [{"name": "dashboard", "rules": rules}]}, open(sys.argv[1], "w"))
PYEOF
    run "dashboard queries are valid PromQL (promtool check rules)" promtool check rules "$TMP/dashboard-rules.yml"
  fi
else
  skip "promtool not available (Debian package: prometheus); config, rules and rule tests not checked"
fi

# ------------------------------------------------------------------ runbook anchors
section "Runbook links"
if [[ -n "${PY:-}" ]]; then
  run "every alert has summary, description and a runbook_url whose anchor is a README heading" "$PY" - <<'PYEOF'
import re, yaml
slugs = set()
for line in open("README.md"):
    m = re.match(r"^#+\s+(.*?)\s*$", line)
    if m:
        s = m.group(1).strip().lower()
        s = re.sub(r"[^\w\- ]", "", s).replace(" ", "-")   # GitHub's heading anchors
        slugs.add(s)
names = []
for g in yaml.safe_load(open("prometheus/alerts.yml"))["groups"]:
    for r in g["rules"]:
        a = r["annotations"]
        assert a.get("summary") and a.get("description"), r["alert"]
        url = a["runbook_url"]
        assert url.startswith("deploy/README.md#"), url
        anchor = url.split("#", 1)[1]
        assert anchor in slugs, f"{r['alert']}: no README heading for #{anchor}"
        names.append(r["alert"])
for must in ("PgGuardUpstreamDown", "PgGuardRejectionSpike", "PgGuardLatencyP99High", "PgGuardConnectionSaturation",
             "PgGuardRulesReloadFailed", "PgGuardDown"):
    assert must in names, f"alert {must} missing"
print(", ".join(names))
PYEOF
else
  skip "runbook links (needs python3 with PyYAML)"
fi

# ------------------------------------------------------------------ Kubernetes render
section "Kubernetes (kustomize render, helm)"
if command -v kubectl >/dev/null 2>&1; then
  run "kubectl kustomize kubernetes/base" kubectl kustomize kubernetes/base -o "$TMP/base.yaml"
  run "kubectl kustomize kubernetes/peering" kubectl kustomize kubernetes/peering -o "$TMP/peering.yaml"
  if [[ -f "$TMP/peering.yaml" ]] && grep -q '^kind: Deployment' "$TMP/peering.yaml"; then
    fail "peering render still contains the Deployment"
  fi
else
  skip "kubectl not available: kustomizations not rendered"
fi
if command -v helm >/dev/null 2>&1 && compgen -G "kubernetes/*/Chart.yaml" >/dev/null; then
  for chart in kubernetes/*/Chart.yaml; do run "helm template $(dirname "$chart")" helm template "$(dirname "$chart")"; done
else
  skip "helm template: no Helm chart here (plain manifests + kustomize)"
fi

# ------------------------------------------------------------------ HOCON configs
section "PgGuard config files (HOCON)"
JAVA_CP=""
if [[ -f "$REPO/proxy-server/target/pgguard.jar" ]]; then
  JAVA_CP="$REPO/proxy-server/target/pgguard.jar"
else
  JAVA_CP="$(find "${HOME:-/root}/.m2/repository/com/typesafe/config" -name 'config-*.jar' 2>/dev/null | sort -V | tail -1 || true)"
fi
if command -v java >/dev/null 2>&1 && [[ -n "$JAVA_CP" && -n "${PY:-}" ]]; then
  # The ConfigMaps' files as the pods see them (peering: the base ConfigMap with its peers.conf patched).
  "$PY" - "$TMP" <<'PYEOF'
import os, sys, yaml
out = sys.argv[1]
base = yaml.safe_load(open("kubernetes/base/configmap.yaml"))["data"]
peer = {**base, **yaml.safe_load(open("kubernetes/peering/peers-config.yaml"))["data"]}
for name, data in (("k8s-base", base), ("k8s-peering", peer)):
    os.makedirs(os.path.join(out, name))
    for k, v in data.items():
        open(os.path.join(out, name, k), "w").write(v)
PYEOF
  run "config/pgguard.conf and the ConfigMaps' pgguard.conf parse and resolve ($(basename "$JAVA_CP"))" \
    java -cp "$JAVA_CP" "$DEPLOY/test/ConfCheck.java" "$REPO/proxy-server/src/main/resources/reference.conf" \
    config/pgguard.conf "$TMP/k8s-base/pgguard.conf" "$TMP/k8s-peering/pgguard.conf"
else
  skip "HOCON configs: needs java, python3 with PyYAML, and proxy-server/target/pgguard.jar or Typesafe Config in ~/.m2"
fi

# ------------------------------------------------------------------ Dockerfile
section "Dockerfile"
run "Dockerfile: multi-stage, non-root, ports, health check, config path" bash -c '
  grep -q "^FROM maven:3.9-eclipse-temurin-17 AS build" Dockerfile &&
  grep -q "mvnw -B -DskipTests package" Dockerfile &&
  grep -q "^FROM eclipse-temurin:17-jre" Dockerfile &&
  grep -q "^USER 10001" Dockerfile &&
  grep -q "^EXPOSE 6432 9187" Dockerfile &&
  grep -q "^HEALTHCHECK" Dockerfile &&
  grep -q "/etc/pgguard/pgguard.conf" Dockerfile &&
  test -f Dockerfile.dockerignore'
if [[ -n "$PYJSON" ]] && command -v bash >/dev/null; then
  # Run the HEALTHCHECK command itself against a stand-in admin endpoint on a free port.
  HC_PORT="$("$PYJSON" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
  "$PYJSON" - "$TMP/hc.json" "$HC_PORT" <<'PYEOF'
import json, re, sys
text = open("Dockerfile").read().replace("\\\n", " ")
m = re.search(r"^HEALTHCHECK .*?CMD (\[.*\])\s*$", text, re.M)
cmd = json.loads(m.group(1))
cmd = [c.replace("9187", sys.argv[2]) for c in cmd]
json.dump(cmd, open(sys.argv[1], "w"))
PYEOF
  hc() { "$PYJSON" -c 'import json,subprocess,sys; sys.exit(subprocess.call(json.load(open(sys.argv[1]))))' "$TMP/hc.json"; }
  if hc 2>/dev/null; then fail "HEALTHCHECK succeeds with nothing listening"; else ok "HEALTHCHECK fails with nothing listening"; fi
  "$PYJSON" - "$HC_PORT" 2>/dev/null <<'PYEOF' &
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer
class H(BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200 if self.path == "/health" else 404)
        self.end_headers(); self.wfile.write(b"ok\n")
    def log_message(self, *a): pass
HTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
PYEOF
  HC_PID=$!   # (its stderr: the health check hangs up after the status line, which the server reports)
  for _ in $(seq 1 50); do (exec 3<>"/dev/tcp/127.0.0.1/$HC_PORT") 2>/dev/null && break; sleep 0.1; done
  if hc; then ok "HEALTHCHECK (bash /dev/tcp) passes against a server answering 200 on /health"; else fail "HEALTHCHECK fails against a healthy /health"; fi
  sed -i 's#/health#/nothing#' "$TMP/hc.json"
  if hc 2>/dev/null; then fail "HEALTHCHECK accepts a 404"; else ok "HEALTHCHECK rejects a non-200 answer"; fi
  kill "$HC_PID" 2>/dev/null || true; HC_PID=""
fi

# ------------------------------------------------------------------ systemd
section "systemd unit"
if command -v systemd-analyze >/dev/null 2>&1; then
  cp systemd/pgguard.service "$TMP/pgguard.service"
  out="$(systemd-analyze --man=no --generators=no verify "$TMP/pgguard.service" 2>&1 || true)"
  [[ -n "$out" ]] && indent "$out"
  if grep -Eqi "unknown (key|lvalue|section)|invalid|failed to parse|bad " <<<"$out"; then
    fail "systemd-analyze verify systemd/pgguard.service"
  else
    ok "systemd-analyze verify systemd/pgguard.service (missing executables on this host are not errors)"
  fi
else
  skip "systemd-analyze not available"
fi
# shellcheck disable=SC2016 # the script is for the inner bash; $MAINPID is systemd's, $t the inner shell's
run "systemd unit: ExecReload SIGHUP, KillSignal SIGTERM, TimeoutStopSec > 35s" bash -c '
  grep -q "^ExecReload=/bin/kill -HUP \$MAINPID" systemd/pgguard.service &&
  grep -q "^KillSignal=SIGTERM" systemd/pgguard.service &&
  t=$(sed -n "s/^TimeoutStopSec=//p" systemd/pgguard.service) && [[ $t -gt 35 ]]'

# ------------------------------------------------------------------ scripts
section "Shell scripts"
for s in test/*.sh; do run "bash -n $s" bash -n "$s"; done
if command -v shellcheck >/dev/null 2>&1; then
  for s in test/*.sh; do run "shellcheck $s" shellcheck "$s"; done
else
  skip "shellcheck not available"
fi

# ------------------------------------------------------------------ no machine paths
section "Portability"
run "no build-machine paths in deploy files" bash -c '! grep -rIn --exclude-dir=examples -E "/wo[r]k/|[.]py[e]nv|/ho[m]e/[a-z]" .'

echo
echo "validate.sh: $PASSED passed, $FAILED failed, $SKIPPED skipped"
[[ $FAILED -eq 0 ]]
