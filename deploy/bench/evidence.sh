#!/usr/bin/env bash
# Evidence fetching: N reported pages (20 KB each) served by Python's http.server on loopback, each in a cluster of its
# own; `vigie clusters evidence-fetch` (one libcurl GET per URL, stored with its headers and sha256) against a Python
# urllib client fetching the same URLs one after the other, in the same run. Then `clusters evidence --out` of one
# cluster. Usage: deploy/bench/evidence.sh [N] (default 1000). Uses .build/release/vigie when built, else debug.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
n=${1:-1000}
vigie="$root/.build/release/vigie"
[ -x "$vigie" ] || vigie="$root/.build/debug/vigie"
work=$(mktemp -d)
trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT
mkdir -p "$work/www/p"
python3 - "$work/www/p" "$n" <<'PY'
import sys
d, n = sys.argv[1], int(sys.argv[2])
page = "<html><body>" + "propos haineux " * 1360 + "</body></html>"
for i in range(n):
    open(f"{d}/{i}.html", "w").write(page)
PY
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
(cd "$work/www" && exec python3 -m http.server "$port" --bind 127.0.0.1 >/dev/null 2>&1) &
server=$!
for _ in $(seq 50); do curl -fso /dev/null "http://127.0.0.1:$port/p/0.html" && break; sleep 0.1; done
seq 0 $((n - 1)) | sed "s|^|http://127.0.0.1:$port/p/|; s|$|.html|" > "$work/urls"

"$vigie" init "$work/c" >/dev/null
sed -i 's|^platforms = "platforms.toml".*|platforms = "platforms.toml"\nevidence_private_addresses = true|' "$work/c/vigie.toml"
python3 "$root/deploy/bench/seed_reports.py" "$work/c/var/vigie.sqlite" "$work/urls" 50 >/dev/null
"$vigie" --config "$work/c/vigie.toml" clusters rebuild >/dev/null

start=$(date +%s.%N)
"$vigie" --config "$work/c/vigie.toml" clusters evidence-fetch
vigie_s=$(echo "$(date +%s.%N) - $start" | bc)

ref_s=$(python3 - "$work/urls" <<'PY'
import sys, time, urllib.request, hashlib
urls = [l.strip() for l in open(sys.argv[1])]
t = time.time()
for u in urls:
    with urllib.request.urlopen(u, timeout=10) as r:
        hashlib.sha256(r.read(2 << 20)).hexdigest()
print(f"{time.time() - t:.3f}")
PY
)
start=$(date +%s.%N)
"$vigie" --config "$work/c/vigie.toml" clusters evidence 1 --out "$work/export" >/dev/null
export_s=$(echo "$(date +%s.%N) - $start" | bc)
printf 'evidence-fetch: %d pages in %.2f s (%.0f pages/s); urllib reference %.2f s; ratio %.2f×; export of one cluster %.3f s (%s)\n' \
    "$n" "$vigie_s" "$(echo "$n / $vigie_s" | bc -l)" "$ref_s" "$(echo "$vigie_s / $ref_s" | bc -l)" "$export_s" \
    "$(basename "$(dirname "$(dirname "$vigie")")")/$(basename "$(dirname "$vigie")")"
