#!/usr/bin/env bash
# Scale benchmark (not a test): a store of N reports over C clusters generated straight into SQLite
# (gen_urls.py + seed_reports.py, 30 days of arrivals), then what must not grow with it:
#   - `clusters rebuild` of the whole store (time, peak memory);
#   - `clusters list --limit 50`, `clusters show ID` (the top cluster) and `digest send --dry-run`, median of 5 runs,
#     process start included;
#   - `poll --once` of M more reports (~4 KB, in Dovecot) into this store, against the same M reports polled into an
#     empty store in the same run (the reference): the ratio must stay within 1 ± 0.2.
#
#   deploy/bench/scale.sh [N] [C] [M]        (defaults 1000000 200000 10000; VIGIE_BIN=path to use a built binary)
#
# Honours VIGIE_IMAP_PORT (and the other ports of deploy/local/servers.sh) like the other benchmarks.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
n=${1:-1000000}
c=${2:-200000}
m=${3:-10000}

"$root/deploy/local/servers.sh" start >/dev/null
eval "$("$root/deploy/local/servers.sh" env)"
if [[ -z "${VIGIE_BIN:-}" ]]; then
    swift build -c release --product vigie >/dev/null
    VIGIE_BIN="$root/.build/release/vigie"
fi
vigie=$VIGIE_BIN
work=$(mktemp -d /tmp/vigie-bench-scale.XXXXXX)
[[ -n "${KEEP:-}" ]] || trap 'rm -rf "$work"' EXIT

# Median of 5 runs of a command, in milliseconds.
median_ms() {
    local times=() start
    for _ in 1 2 3 4 5; do
        start=$(date +%s%N)
        "$@" >"$work/out.txt"
        times+=("$((($(date +%s%N) - start) / 1000000))")
    done
    printf '%s\n' "${times[@]}" | sort -n | sed -n 3p
}

# A configuration whose reports queue reads USER's INBOX (no move: both runs read the same way).
make_conf() { # dir user
    "$vigie" init "$1" >/dev/null
    sed -i 's/^resolve_short_links = true/resolve_short_links = false/' "$1/vigie.toml"
    cat >"$1/queues/reports.toml" <<TOML
kind = "intake"
role = "reports"
url = "imap://127.0.0.1:$VIGIE_IMAP_PORT"
user = "$2"
password = "secret"
mailbox = "INBOX"
idle = true
poll_interval_seconds = 60
TOML
}

echo "== store: $n reports over $c contents, seeded straight into SQLite"
python3 "$root/deploy/bench/gen_urls.py" "$n" "$c" >"$work/urls.txt"
make_conf "$work/big" "scale-big-$(date +%s)-$$"
export VIGIE_CONFIG="$work/big/vigie.toml"
"$vigie" reports list --limit 1 >/dev/null   # creates and migrates the database
python3 "$root/deploy/bench/seed_reports.py" "$work/big/var/vigie.sqlite" "$work/urls.txt" $((n / 3))
rm -f "$work/urls.txt"

/usr/bin/time -f "%e %M" -o "$work/t.rebuild" "$vigie" clusters rebuild >/dev/null
read -r rebuild_s rebuild_kb <"$work/t.rebuild"
clusters=$(sqlite3 "$work/big/var/vigie.sqlite" "SELECT count(*) FROM clusters")
echo "clusters rebuild: ${rebuild_s} s, peak $((rebuild_kb / 1024)) MB, $clusters clusters (goal < 15 s, < 500 MB)"

list_ms=$(median_ms "$vigie" clusters list --limit 50)
top=$("$vigie" clusters list --limit 1 --json | python3 -c "import json,sys; print(json.load(sys.stdin)[0]['id'])")
show_ms=$(median_ms "$vigie" clusters show "$top")
start_ms=$(median_ms "$vigie" reports list --limit 1)
digest_ms=$(median_ms "$vigie" digest send --dry-run)
echo "start-up and database open (reports list --limit 1): ${start_ms} ms"
echo "clusters list --limit 50: ${list_ms} ms; clusters show $top: ${show_ms} ms (goal < 50 ms each)"
echo "digest send --dry-run: ${digest_ms} ms (goal < 1000 ms)"

echo "== intake of $m reports (~4 KB) into an empty store, then into the $n-report store"
python3 "$root/deploy/bench/gen_reports.py" "$m" "$work/mails" --contents "$c" >/dev/null
empty_user="scale-empty-$(date +%s)-$$"
big_user=$(sed -n 's/^user = "\(.*\)"/\1/p' "$work/big/queues/reports.toml")
for u in "$empty_user" "$big_user"; do
    "$root/deploy/local/deliver.sh" --bulk "$u" "$work/mails" >/dev/null
    # Makes Dovecot index the new maildir files, so both polls read a warm mailbox.
    python3 "$root/deploy/bench/imap_fetch_reference.py" 127.0.0.1 "$VIGIE_IMAP_PORT" "$u" secret >/dev/null
done
make_conf "$work/empty" "$empty_user"

poll() { # conf-dir label
    VIGIE_CONFIG="$1/vigie.toml" /usr/bin/time -f "%e %M" -o "$work/t.poll" "$vigie" poll --once \
        >"$work/poll.out" 2>"$work/poll.err" || { cat "$work/poll.err"; exit 1; }
    local s kb
    read -r s kb <"$work/t.poll"
    echo "$s"
    echo "$2: ${s} s, peak $((kb / 1024)) MB" >&2
}
empty_s=$(poll "$work/empty" "into the empty store")
big_s=$(poll "$work/big" "into the $n-report store")
stored=$(sqlite3 "$work/big/var/vigie.sqlite" "SELECT count(*) FROM messages WHERE mailbox != 'bench'")
[ "$stored" -eq "$m" ] || { echo "ERROR: stored $stored of $m"; exit 1; }
echo "ratio big/empty: $(python3 -c "print(round($big_s/$empty_s, 2))")x (goal 0.8-1.2x)"
