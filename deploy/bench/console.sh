#!/usr/bin/env bash
# Console benchmark (not a test): the clusters page and a cluster's page of `vigie serve` at N stored reports
# (default 1,000,000 over 200,000 contents), under wrk, against a static file of the same size served by the same
# server (VIGIE_BENCH_STATIC: a benchmark-only route reading the file from disk per request). Prints p50/p99/req/s.
#
#   deploy/bench/console.sh [N] [C] [SECONDS] [CONNECTIONS]      (defaults 1000000 200000 15 16)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
n=${1:-1000000}
c=${2:-200000}
secs=${3:-15}
conns=${4:-16}
command -v wrk >/dev/null || { echo "console.sh: wrk is not installed (apt-get install wrk)" >&2; exit 1; }
# VIGIE_BIN: an already built release binary (skips the build).
if [ -z "${VIGIE_BIN:-}" ]; then swift build -c release --product vigie >/dev/null; fi
vigie="${VIGIE_BIN:-$root/.build/release/vigie}"
work=$(mktemp -d /tmp/vigie-bench-console.XXXXXX)
serve_pid=
cleanup() { [ -n "$serve_pid" ] && kill "$serve_pid" 2>/dev/null && wait "$serve_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')

"$vigie" init "$work/conf" >/dev/null
export VIGIE_CONFIG="$work/conf/vigie.toml"
sed -i 's/^resolve_short_links = true/resolve_short_links = false/' "$VIGIE_CONFIG"
sed -i "s|^# listen = \"127.0.0.1:8080\".*|listen = \"127.0.0.1:$port\"|; s|^# public_url = .*|public_url = \"http://127.0.0.1:$port\"|" \
    "$VIGIE_CONFIG"
# HTTP only: no mailbox to watch, no newsletter to send.
sed -i 's/^enabled = true/enabled = false/' "$work/conf/queues/"*.toml
"$vigie" reports list --limit 1 >/dev/null   # creates and migrates the database
echo "== seeding $n reports over $c contents"
python3 "$root/deploy/bench/gen_urls.py" "$n" "$c" >"$work/urls.txt"
python3 "$root/deploy/bench/seed_reports.py" "$work/conf/var/vigie.sqlite" "$work/urls.txt" $((n / 3))
"$vigie" clusters rebuild
echo "bench password 1234" | "$vigie" users add bench --role moderator >/dev/null

mkdir -p "$work/static"
VIGIE_BENCH_STATIC="$work/static" "$vigie" serve >"$work/serve.log" 2>&1 &
serve_pid=$!
for _ in $(seq 1 300); do grep -q "http: listening on" "$work/serve.log" && break; sleep 0.1; done
grep -q "http: listening on" "$work/serve.log" || { cat "$work/serve.log"; exit 1; }
base="http://127.0.0.1:$port"

# Sign in as a browser would: the login form's cookie and token, then the session cookie.
jar="$work/cookies"
token=$(curl -s -c "$jar" "$base/console/login" | sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' | head -1)
curl -s -b "$jar" -c "$jar" -o /dev/null --data-urlencode "csrf=$token" --data-urlencode "name=bench" \
    --data-urlencode "password=bench password 1234" --data-urlencode "next=" "$base/console/login"
session=$(awk '$6 == "vigie_session" {print $7}' "$jar")
[ -n "$session" ] || { echo "console.sh: could not sign in" >&2; exit 1; }
cookie="Cookie: vigie_session=$session"

curl -s -H "$cookie" "$base/console/clusters" >"$work/static/clusters.html"
top=$(sed -n 's|.*href="/console/clusters/\([0-9]*\)".*|\1|p' "$work/static/clusters.html" | head -1)
curl -s -H "$cookie" "$base/console/clusters/$top" >"$work/static/cluster.html"
reports=$(sqlite3 "$work/conf/var/vigie.sqlite" "SELECT count(*) FROM reports")
clusters=$(sqlite3 "$work/conf/var/vigie.sqlite" "SELECT count(*) FROM clusters")
echo "== $reports reports, $clusters clusters; top cluster $top;" \
     "clusters page $(wc -c <"$work/static/clusters.html") B, cluster page $(wc -c <"$work/static/cluster.html") B"
echo "== wrk: $secs s, $conns connections, 2 threads, on loopback (one machine: client and server share the cores)"

run() {  # name url [header]
    local out
    if [ -n "${3:-}" ]; then out=$(wrk -t2 -c"$conns" -d"${secs}s" --latency -H "$3" "$2"); else
        out=$(wrk -t2 -c"$conns" -d"${secs}s" --latency "$2"); fi
    local p50 p99 rps non2xx
    p50=$(awk '$1 == "50%" {print $2}' <<<"$out")
    p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
    rps=$(awk '/^Requests\/sec/ {print $2}' <<<"$out")
    non2xx=$(awk '/Non-2xx/ {print $NF}' <<<"$out")
    printf '%-28s p50 %-9s p99 %-9s %9s req/s%s\n' "$1" "$p50" "$p99" "$rps" "${non2xx:+  NON-2xx: $non2xx}"
}
run "clusters page (session)" "$base/console/clusters" "$cookie"
run "static, same size" "$base/console/bench-static/clusters.html"
run "cluster page (session)" "$base/console/clusters/$top" "$cookie"
run "static, same size" "$base/console/bench-static/cluster.html"
run "clusters page, filtered" "$base/console/clusters?status=new&platform=youtube&page=3" "$cookie"
run "clusters page, search" "$base/console/clusters?q=watch" "$cookie"
