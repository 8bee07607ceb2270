#!/usr/bin/env bash
# serve latency benchmark (not a test): with `vigie serve` running (reports queue on IDLE, poll_interval_seconds = 300,
# acknowledgements enabled through smtp-sink), N citizen reports are delivered one at a time (doveadm save); for each,
# the time from delivery to the acknowledgement's file at smtp-sink, beside the time from a delivery to the
# `* N EXISTS` a raw IMAP client (a plain socket in IDLE) receives: Dovecot's own notification delay.
# Goal: serve's median within 150 ms of Dovecot's.
# The raw client idles on a control mailbox of its own, delivered to just before each report: on serve's INBOX it would
# often see nothing, since serve moves the report to Archive within the same notification delay and Dovecot does not
# announce a message that came and went between two of a session's syncs.
#
#   deploy/bench/serve-latency.sh [N]        (default 20; VIGIE_BENCH_DEBUG=1 uses the debug build instead of release)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
n=${1:-20}

export VIGIE_SINK_DUMP=1
"$root/deploy/local/servers.sh" start >/dev/null
eval "$("$root/deploy/local/servers.sh" env)"
# A sink started earlier without dumps writes no files to wait for: restart it dumping.
[[ -f $VIGIE_SINK_DIR/.dumping ]] || "$root/deploy/local/servers.sh" restart >/dev/null
if [[ ${VIGIE_BENCH_DEBUG:-0} == 1 ]]; then
    swift build --product vigie >/dev/null
    vigie="$root/.build/debug/vigie"
    build=debug
else
    swift build -c release --product vigie >/dev/null
    vigie="$root/.build/release/vigie"
    build=release
fi

work=$(mktemp -d /tmp/vigie-bench-serve.XXXXXX)
trap 'kill "${server:-0}" 2>/dev/null || true; wait "${server:-0}" 2>/dev/null || true; rm -rf "$work"' EXIT
user="bench-serve-$(date +%s)-$$"
domain="bench-$(date +%s)-$$.example"
"$vigie" init "$work/conf" >/dev/null
cat > "$work/conf/queues/reports.toml" <<TOML
kind = "intake"
role = "reports"
url = "imap://127.0.0.1:$VIGIE_IMAP_PORT"
user = "$user"
password = "secret"
processed_mailbox = "Archive"
poll_interval_seconds = 300
TOML
cat > "$work/conf/queues/acknowledgements.toml" <<TOML
kind = "acknowledgements"
enabled = true
from = "Signalements <signalements@example.org>"
min_interval_hours = 0
smtp_url = "smtp://127.0.0.1:$VIGIE_SMTP_PORT"
TOML
export VIGIE_CONFIG="$work/conf/vigie.toml" VIGIE_NEWSLETTER_SECRET=bench-secret-0123456789abcdef
# The mailbox exists before serve and the raw client select it.
printf 'From: init@%s\r\nSubject: init\r\nAuto-Submitted: auto-generated\r\n\r\ninit\r\n' "$domain" > "$work/init.eml"
"$root/deploy/local/deliver.sh" "$user" INBOX "$work/init.eml" >/dev/null
"$root/deploy/local/deliver.sh" "$user-control" INBOX "$work/init.eml" >/dev/null
"$vigie" serve 2> "$work/serve.log" &
server=$!
for _ in $(seq 300); do grep -q "connected to" "$work/serve.log" 2>/dev/null && break; sleep 0.05; done

PYTHONPATH="$root/deploy/bench" python3 - "$n" "$user" "$domain" "$VIGIE_IMAP_PORT" "$VIGIE_SINK_DIR" "${VIGIE_DOVECOT_CONF}" "$build" <<'PY' || { echo "serve-latency: serve's log ends with:" >&2; tail -20 "$work/serve.log" >&2; exit 1; }
import os, statistics, subprocess, sys, time
from imap_idler import Idler

n, user, domain, port, sink, conf, build = int(sys.argv[1]), *sys.argv[2:4], int(sys.argv[4]), *sys.argv[5:8]

def sink_files():
    out = set()
    for d, _, files in os.walk(sink):
        for f in files:
            out.add(os.path.join(d, f))
    return out

def ack_for(addr, known):
    """Polls smtp-sink's dump folder (every 2 ms) for the file whose recipient is addr; returns its instant."""
    deadline = time.monotonic() + 30
    while True:
        if time.monotonic() > deadline:
            sys.exit("serve-latency: no acknowledgement for %s at smtp-sink after 30 s; see serve's log" % addr)
        for d, _, files in os.walk(sink):
            for f in files:
                p = os.path.join(d, f)
                if p in known:
                    continue
                try:
                    head = open(p, "rb").read(4096)
                except OSError:
                    continue
                if ("<%s>" % addr).encode() in head:
                    return time.monotonic()
                # A file still being written is read again; one for another recipient is done with.
                if b"Received:" in head:
                    known.add(p)
        time.sleep(0.002)

idler = Idler(port, user + "-control")
known = sink_files()
notify, ack = [], []
for i in range(n):
    addr = "citoyen%d@%s" % (i, domain)
    msg = ("From: Citoyen %d <%s>\r\nTo: signalements@example.org\r\nSubject: Signalement %d\r\n"
           "Message-ID: <bench-%d-%s@%s>\r\nDate: Sat, 21 Nov 2026 10:00:00 +0100\r\nMIME-Version: 1.0\r\n"
           "Content-Type: text/plain; charset=utf-8\r\n\r\nBonjour, je signale https://x.com/troll/status/1790000%07d\r\n"
           % (i, addr, i, i, os.getpid(), domain, i)).encode()
    # Dovecot's own delay: the same message delivered to the control mailbox, the raw client idling on it.
    notify.append(idler.exists_after(lambda: subprocess.run(
        ["doveadm", "-c", conf, "save", "-u", user + "-control", "-m", "INBOX"], input=msg, check=True)))
    # serve's: delivery to its INBOX → the acknowledgement's file at smtp-sink.
    t0 = time.monotonic()
    subprocess.run(["doveadm", "-c", conf, "save", "-u", user, "-m", "INBOX"], input=msg, check=True)
    ack.append(ack_for(addr, known) - t0)

ms = lambda xs: "median %4.0f ms, max %4.0f ms" % (statistics.median(xs) * 1000, max(xs) * 1000)
print("serve latency (%s build), %d reports, delivery = doveadm save (included in both):" % (build, n))
print("  Dovecot IDLE EXISTS (raw client):   " + ms(notify))
print("  acknowledgement at smtp-sink:       " + ms(ack))
gap = statistics.median(ack) - statistics.median(notify)
print("  serve's own share (median gap):     %4.0f ms  (goal ≤ 150 ms: %s)" % (gap * 1000, "yes" if gap <= 0.150 else "no"))
PY
