#!/usr/bin/env bash
# Intake benchmark (not a test): N reports of ~4 KB in the local Dovecot; `vigie poll --once` against a fetch-only
# reference (Python imaplib, one `UID FETCH 1:* BODY.PEEK[]`) reading the same messages; then the IDLE latency from
# delivery to commit with `vigie poll` running, beside Dovecot's own notification delay to a raw IDLE client.
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

# IDLE latency: a poller waiting in IDLE; one message delivered at a time, timed from delivery to its row committed,
# beside the time from the same delivery to the `* N EXISTS` a raw IMAP client idling on a control mailbox receives
# (Dovecot's own notification delay; on vigie's INBOX it could miss messages vigie flags meanwhile). Both are polled
# from one Python process (every 2 ms), so no process start-up is counted in either.
ctl="$user-control"
printf 'From: init@example.org\r\nSubject: init\r\nAuto-Submitted: auto-generated\r\n\r\ninit\r\n' >"$work/init.eml"
"$root/deploy/local/deliver.sh" "$ctl" INBOX "$work/init.eml" >/dev/null
"$vigie" poll >"$work/idle.out" 2>&1 &
poller=$!
for _ in $(seq 200); do grep -q "IDLE\|idle" "$work/idle.out" 2>/dev/null && break; sleep 0.05; done
sleep 1
python3 "$root/deploy/bench/gen_reports.py" 20 "$work/idle-mails" >/dev/null
PYTHONPATH="$root/deploy/bench" python3 - "$work/conf/var/vigie.sqlite" "$user" "$ctl" "$VIGIE_IMAP_PORT" "$VIGIE_DOVECOT_CONF" "$work"/idle-mails/*.eml <<'PY'
import sqlite3, statistics, subprocess, sys, time
from imap_idler import Idler
db, user, ctl, port, conf, files = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5], sys.argv[6:]

con = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
count = lambda: con.execute("SELECT count(*) FROM messages").fetchone()[0]
save = lambda who, raw: subprocess.run(["doveadm", "-c", conf, "save", "-u", who, "-m", "INBOX"], input=raw, check=True)
idler = Idler(port, ctl)
notify, commit = [], []
for i, f in enumerate(files):
    raw = open(f, "rb").read().replace(b"Message-ID: <bench-", b"Message-ID: <idle-%d-" % i, 1)
    notify.append(idler.exists_after(lambda: save(ctl, raw)))
    before = count()
    t0 = time.monotonic()
    save(user, raw)
    while count() <= before:
        if time.monotonic() - t0 > 10:
            sys.exit("ERROR: message not committed within 10 s")
        time.sleep(0.002)
    commit.append(time.monotonic() - t0)
ms = lambda xs: "median %4.0f ms, max %4.0f ms" % (statistics.median(xs) * 1000, max(xs) * 1000)
print("IDLE, %d messages delivered one at a time (doveadm save included in both):" % len(files))
print("  Dovecot IDLE EXISTS (raw client):  " + ms(notify))
print("  vigie: delivery -> row committed:   " + ms(commit))
gap = statistics.median(commit) - statistics.median(notify)
print("  vigie's own share (median gap):     %4.0f ms  (goal <= 150 ms: %s)" % (gap * 1000, "yes" if gap <= 0.150 else "no"))
PY
kill "$poller"; wait "$poller" 2>/dev/null || true
