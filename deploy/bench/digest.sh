#!/usr/bin/env bash
# Digest benchmark (not a test): N reports over C contents spread over 30 days (deploy/bench/seed_reports.py), then
# the time `vigie digest send --dry-run` takes to build and render the digest of the last 24 h (median of 5 runs).
#
#   deploy/bench/digest.sh [N] [C]        (defaults 1000000 200000; VIGIE_BIN=path to use a built binary)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
n=${1:-1000000}
c=${2:-200000}
if [[ -z "${VIGIE_BIN:-}" ]]; then
    swift build -c release --product vigie >/dev/null
    VIGIE_BIN="$root/.build/release/vigie"
fi
work=$(mktemp -d /tmp/vigie-bench-digest.XXXXXX)
[[ -n "${KEEP:-}" ]] || trap 'rm -rf "$work"' EXIT; echo "work: $work"

python3 "$root/deploy/bench/gen_urls.py" "$n" "$c" >"$work/urls.txt"
"$VIGIE_BIN" init "$work/conf" >/dev/null
export VIGIE_CONFIG="$work/conf/vigie.toml"
sed -i 's/^resolve_short_links = true/resolve_short_links = false/' "$work/conf/vigie.toml"
"$VIGIE_BIN" reports list --limit 1 >/dev/null   # creates and migrates the database
python3 "$root/deploy/bench/seed_reports.py" "$work/conf/var/vigie.sqlite" "$work/urls.txt" $((n / 3))
"$VIGIE_BIN" clusters rebuild
# Median of 5 runs of a command, in seconds.
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
echo "start-up and database open (reports list --limit 1), median of 5 (s): $(median "$VIGIE_BIN" reports list --limit 1)"
echo "digest send --dry-run, median of 5 (s): $(median "$VIGIE_BIN" digest send --dry-run)"
cp "$work/out.txt" "$work/digest.txt"
grep -E "^  (Nouveaux|Qualifiés)" "$work/digest.txt"
