#!/usr/bin/env bash
# Intake benchmark (not a test): N reports of ~4 KB in the local Dovecot; `vigie poll --once` against a fetch-only
# reference (Python imaplib, one `UID FETCH 1:* BODY.PEEK[]`) reading the same messages; then the IDLE latency from
# delivery to commit with `vigie poll` running.
#
#   deploy/bench/intake.sh [N]        (default 10000; VIGIE_BIN=path to use a built binary)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
n=${1:-10000}

"$root/deploy/local/servers.sh" start >/dev/null
eval "$("$root/deploy/local/servers.sh" env)"
if [[ -z "${VIGIE_BIN:-}" ]]; then
    swift build -c release --product vigie >/dev/null
    VIGIE_BIN="$root/.build/release/vigie"
fi
vigie=$VIGIE_BIN

work=$(mktemp -d /tmp/vigie-bench-intake.XXXXXX)
trap 'kill "${poller:-0}" 2>/dev/null || true; rm -rf "$work"' EXIT
python3 "$root/deploy/bench/gen_reports.py" "$n" "$work/mails"
user="bench-$(date +%s)-$$"
"$root/deploy/local/deliver.sh" --bulk "$user" "$work/mails" >/dev/null
bytes=$(du -sb "$work/mails" | cut -f1)
echo "== $n messages, $((bytes / n)) bytes on average, user $user"

# Reference first: it also makes Dovecot index the new maildir files, so both runs read a warm mailbox.
python3 "$root/deploy/bench/imap_fetch_reference.py" 127.0.0.1 "$VIGIE_IMAP_PORT" "$user" secret >/dev/null
read -r ref_count ref_s < <(python3 "$root/deploy/bench/imap_fetch_reference.py" 127.0.0.1 "$VIGIE_IMAP_PORT" "$user" secret)
# The same server-side work as vigie (fetch, then \Seen, in batches of 500) on a copy of the mailbox, so that the
# flags it sets do not change what vigie reads.
copy="$user-flags"
"$root/deploy/local/deliver.sh" --bulk "$copy" "$work/mails" >/dev/null
python3 "$root/deploy/bench/imap_fetch_reference.py" 127.0.0.1 "$VIGIE_IMAP_PORT" "$copy" secret >/dev/null
read -r flag_count flag_s < <(python3 "$root/deploy/bench/imap_fetch_reference.py" 127.0.0.1 "$VIGIE_IMAP_PORT" \
    "$copy" secret --flag-batches 500)

"$vigie" init "$work/conf" >/dev/null
cat > "$work/conf/queues/reports.toml" <<TOML
kind = "intake"
role = "reports"
url = "imap://127.0.0.1:$VIGIE_IMAP_PORT"
user = "$user"
password = "secret"
mailbox = "INBOX"
idle = true
poll_interval_seconds = 60
TOML
export VIGIE_CONFIG="$work/conf/vigie.toml"
/usr/bin/time -f "%e %M" -o "$work/time" "$vigie" poll --once >"$work/poll.out" 2>"$work/poll.err" ||
    { cat "$work/poll.err"; exit 1; }
read -r vigie_s vigie_kb <"$work/time"
stored=$(sqlite3 "$work/conf/var/vigie.sqlite" "SELECT count(*) FROM messages")
clusters=$(sqlite3 "$work/conf/var/vigie.sqlite" "SELECT count(*) FROM clusters")

echo "reference (imaplib fetch only): $ref_count messages in ${ref_s} s = $(python3 -c "print(round($ref_count/$ref_s))") msg/s"
echo "vigie poll --once (fetch, store, parse, extract, cluster): $stored messages in ${vigie_s} s" \
     "= $(python3 -c "print(round($stored/$vigie_s))") msg/s, $clusters clusters"
echo "ratio vigie/reference: $(python3 -c "print(round($vigie_s/$ref_s, 2))")x (goal <= 3x, >= 1000 msg/s)"
echo "reference with the server-side work vigie owes (fetch + \\Seen per batch of 500): $flag_count messages in" \
     "${flag_s} s; ratio vigie/that: $(python3 -c "print(round($vigie_s/$flag_s, 2))")x"
echo "peak memory: $((vigie_kb / 1024)) MB"
[ "$stored" -eq "$n" ] || { echo "ERROR: stored $stored of $n"; exit 1; }

# IDLE latency: a poller waiting in IDLE; deliver one message at a time and time delivery → row committed.
"$vigie" poll >"$work/idle.out" 2>&1 &
poller=$!
sleep 2
python3 "$root/deploy/bench/gen_reports.py" 20 "$work/idle-mails" >/dev/null
lat=()
i=0
for f in "$work"/idle-mails/*.eml; do
    i=$((i + 1))
    sed -i "s/^Message-ID: <bench-/Message-ID: <idle-$i-/" "$f"
    before=$(sqlite3 "$work/conf/var/vigie.sqlite" "SELECT count(*) FROM messages")
    t0=$(date +%s.%N)
    "$root/deploy/local/deliver.sh" "$user" INBOX "$f" >/dev/null
    while [ "$(sqlite3 "$work/conf/var/vigie.sqlite" "SELECT count(*) FROM messages")" -le "$before" ]; do
        sleep 0.01
        if python3 -c "import sys; sys.exit(0 if $(date +%s.%N) - $t0 < 10 else 1)"; then :; else
            echo "ERROR: message not committed within 10 s"; exit 1; fi
    done
    lat+=("$(python3 -c "print($(date +%s.%N) - $t0)")")
done
kill "$poller"; wait "$poller" 2>/dev/null || true
python3 - "${lat[@]}" <<'PY'
import statistics, sys
v = sorted(float(x) for x in sys.argv[1:])
print(f"IDLE latency delivery → commit over {len(v)} messages: median {statistics.median(v)*1000:.0f} ms, "
      f"max {v[-1]*1000:.0f} ms (goal < 1 s; includes doveadm save)")
PY
