#!/usr/bin/env bash
# Rechecks benchmark (not a test).
# 1. `vigie clusters check` over N notified clusters spread over H loopback hosts (127.0.0.1…H) with a per-host limit
#    of I seconds, against a Python HTTP server; the reference is a Python client doing the same HEAD requests with
#    the same per-host spacing (one thread per host). Prints checks/s of both and the ratio.
# 2. `vigie stats platforms --json` on S notified clusters generated straight into SQLite (gen_notices.py); the
#    reference is the sqlite3 shell running the record's query alone. Median of 5 runs each.
#
#   deploy/bench/rechecks.sh [N] [H] [I] [S]     (defaults 400 8 0.05 100000; VIGIE_BIN=path to use a built binary)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
n=${1:-400}
hosts=${2:-8}
interval=${3:-0.05}
s=${4:-100000}
if [[ -z "${VIGIE_BIN:-}" ]]; then
    swift build -c release --product vigie >/dev/null
    VIGIE_BIN="$root/.build/release/vigie"
fi
work=$(mktemp -d /tmp/vigie-bench-rechecks.XXXXXX)
server_pid=""
cleanup() {
    [[ -n "$server_pid" ]] && kill "$server_pid" 2>/dev/null || true
    [[ -n "${KEEP:-}" ]] || rm -rf "$work"
}
trap cleanup EXIT
echo "work: $work"

# The loopback "platform": every page 200, one in ten 404.
cat >"$work/server.py" <<'PY'
import http.server, socketserver, sys
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"
    def answer(self, body):
        gone = self.path.rsplit("/", 1)[-1].endswith("0")
        self.send_response(404 if gone else 200)
        self.send_header("Content-Length", "5")
        self.end_headers()
        if body: self.wfile.write(b"hello")
    def do_HEAD(self): self.answer(False)
    def do_GET(self): self.answer(True)
    def log_message(self, *a): pass
class S(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    request_queue_size = 256
S(("0.0.0.0", int(sys.argv[1])), H).serve_forever()
PY
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
python3 "$work/server.py" "$port" &
server_pid=$!
for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$port/x" && break; sleep 0.1; done

"$VIGIE_BIN" init "$work/conf" >/dev/null
export VIGIE_CONFIG="$work/conf/vigie.toml"
sed -i "s/^per_host_interval_seconds = .*/per_host_interval_seconds = $interval/; s/^# concurrency = 4 .*/concurrency = $hosts/" \
    "$work/conf/vigie.toml"
"$VIGIE_BIN" reports list --limit 1 >/dev/null   # creates and migrates the database
python3 "$root/deploy/bench/gen_notices.py" "$work/conf/var/vigie.sqlite" "$n" --urls "$port" "$hosts"
sqlite3 "$work/conf/var/vigie.sqlite" \
    "SELECT canonical_url FROM clusters WHERE status IN ('qualified', 'notified', 'online')" >"$work/urls.txt"
checks=$(wc -l <"$work/urls.txt")

start=$(date +%s.%N)
"$VIGIE_BIN" clusters check >"$work/check.txt" 2>"$work/check.log"
vigie_s=$(echo "$(date +%s.%N) - $start" | bc)
checked=$(grep -cE "^  (online|removed|unknown) " "$work/check.txt" || true)

cat >"$work/reference.py" <<'PY'
import http.client, sys, threading, time, urllib.parse
urls = [u.strip() for u in open(sys.argv[1]) if u.strip()]
interval = float(sys.argv[2])
by_host = {}
for u in urls:
    by_host.setdefault(urllib.parse.urlsplit(u).hostname, []).append(u)
def worker(host, items):
    next_free = 0.0
    for u in items:
        wait = next_free - time.monotonic()
        if wait > 0: time.sleep(wait)
        next_free = time.monotonic() + interval
        p = urllib.parse.urlsplit(u)
        c = http.client.HTTPConnection(p.hostname, p.port, timeout=10)
        c.request("HEAD", p.path)
        status = c.getresponse().status
        if status >= 300:   # as Vigie: a GET confirms what HEAD did not say 2xx
            c.close(); c = http.client.HTTPConnection(p.hostname, p.port, timeout=10)
            c.request("GET", p.path); c.getresponse().read(16384)
        c.close()
threads = [threading.Thread(target=worker, args=kv) for kv in by_host.items()]
start = time.monotonic()
for t in threads: t.start()
for t in threads: t.join()
print(f"{time.monotonic() - start:.3f}")
PY
ref_s=$(python3 "$work/reference.py" "$work/urls.txt" "$interval")
limit=$(echo "$hosts / $interval" | bc -l)
printf 'rechecks: %d URLs on %d hosts, %.2f s per host (ceiling %.0f checks/s)\n' "$checks" "$hosts" "$interval" "$limit"
printf '  vigie clusters check: %d checks in %.2f s = %.1f checks/s\n' "$checked" "$vigie_s" "$(echo "$checked / $vigie_s" | bc -l)"
printf '  python reference:     %d checks in %.2f s = %.1f checks/s\n' "$checks" "$ref_s" "$(echo "$checks / $ref_s" | bc -l)"
printf '  ratio vigie/reference time: %.2f\n' "$(echo "$vigie_s / $ref_s" | bc -l)"

# 2. The platforms' record on S notified clusters.
"$VIGIE_BIN" init "$work/stats" >/dev/null
export VIGIE_CONFIG="$work/stats/vigie.toml"
"$VIGIE_BIN" reports list --limit 1 >/dev/null
python3 "$root/deploy/bench/gen_notices.py" "$work/stats/var/vigie.sqlite" "$s"
median() {
    local times=()
    for _ in 1 2 3 4 5; do
        local start
        start=$(date +%s.%N)
        "$@" >"$work/out.txt"
        times+=("$(echo "$(date +%s.%N) - $start" | bc)")
    done
    printf '%s\n' "${times[@]}" | sort -n | sed -n 3p
}
query="WITH notices AS (SELECT cluster_id, min(at) AS notified_at FROM cluster_events WHERE to_status = 'notified'
    GROUP BY cluster_id) SELECT c.id, c.platform, c.offence, c.status, n.notified_at, (SELECT min(e.at) FROM
    cluster_events e WHERE e.to_status = 'removed' AND e.cluster_id = c.id AND e.at >= n.notified_at)
    FROM notices n JOIN clusters c ON c.id = n.cluster_id ORDER BY c.id;"
stats_s=$(median "$VIGIE_BIN" stats platforms --json)
cp "$work/out.txt" "$work/stats.json"
"$VIGIE_BIN" stats platforms --html "$work/stats.html" >/dev/null
sql_s=$(median sqlite3 "$work/stats/var/vigie.sqlite" "$query")
printf 'stats platforms on %d notified clusters, median of 5:\n' "$s"
printf '  vigie stats platforms --json: %.3f s\n' "$stats_s"
printf '  sqlite3, the query alone:     %.3f s\n' "$sql_s"
printf '  ratio: %.2f\n' "$(echo "$stats_s / $sql_s" | bc -l)"
[[ -n "${KEEP:-}" ]] && echo "page: $work/stats.html"
true
