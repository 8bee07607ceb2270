#!/usr/bin/env bash
# Clusters benchmark (not a test): N generated report URLs over C contents in realistic variants.
# Times the identity computation alone (one core) and a full `vigie clusters rebuild`; prints URLs/s and peak memory.
#
#   deploy/bench/clusters.sh [N] [C]        (defaults 1000000 200000)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
n=${1:-1000000}
c=${2:-200000}
swift build -c release --product vigie >/dev/null
vigie="$root/.build/release/vigie"
work=$(mktemp -d /tmp/vigie-bench-clusters.XXXXXX)
trap 'rm -rf "$work"' EXIT

python3 "$root/deploy/bench/gen_urls.py" "$n" "$c" >"$work/urls.txt"
"$vigie" init "$work/conf" >/dev/null
export VIGIE_CONFIG="$work/conf/vigie.toml"
sed -i 's/^resolve_short_links = true/resolve_short_links = false/' "$work/conf/vigie.toml"

echo "== identity: $n URLs over $c contents (one thread)"
/usr/bin/time -f "%e %M" -o "$work/t1" taskset -c 0 "$vigie" clusters identify --stats <"$work/urls.txt" 2>"$work/id.err" ||
    { cat "$work/id.err"; exit 1; }
cat "$work/id.err"
"$vigie" clusters identify <"$work/urls.txt" | cut -f1 | sort -u | grep -vc '^-$' | sed 's/^/distinct identities: /'

echo "== rebuild: $n reports"
"$vigie" reports list --limit 1 >/dev/null   # creates and migrates the database
python3 "$root/deploy/bench/seed_reports.py" "$work/conf/var/vigie.sqlite" "$work/urls.txt" $((n / 3))
/usr/bin/time -f "%e %M" -o "$work/t2" "$vigie" clusters rebuild
read -r rebuild_s rebuild_kb <"$work/t2"
clusters=$(sqlite3 "$work/conf/var/vigie.sqlite" "SELECT count(*) FROM clusters")
echo "rebuild: $n reports in ${rebuild_s} s ($(python3 -c "print(round($n/$rebuild_s))") reports/s), $clusters clusters," \
     "peak memory $((rebuild_kb / 1024)) MB (goal < 30 s)"
"$vigie" clusters list --limit 5
