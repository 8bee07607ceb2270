#!/usr/bin/env bash
# Newsletter benchmark (not a test): N subscribers imported, a realistic edition sent to Postfix's smtp-sink with
# rate_per_second = 0 and 4 connections, against `smtp-source` sending the same count of messages of the same size
# over 4 reused sessions (-d); then a paced send at R/s to check the achieved rate.
#
#   deploy/bench/newsletter.sh [N] [R]        (defaults 33000 and 50; VIGIE_BIN=path to use a built binary)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
n=${1:-33000}
rate=${2:-50}
connections=4

"$root/deploy/local/servers.sh" start >/dev/null   # installs postfix (smtp-sink, smtp-source) when missing
if [[ -z "${VIGIE_BIN:-}" ]]; then
    swift build -c release --product vigie >/dev/null
    VIGIE_BIN="$root/.build/release/vigie"
fi
vigie=$VIGIE_BIN
work=$(mktemp -d /tmp/vigie-bench-newsletter.XXXXXX)
chmod 755 "$work"

# A sink of our own on a free port, without dumps: the reference and vigie hit the same fast server.
port=$(python3 -c "import socket; s=socket.socket(); s.bind(('127.0.0.1',0)); print(s.getsockname()[1])")
sink_user=(); [ "$(id -u)" -eq 0 ] && sink_user=(-u nobody)
/usr/sbin/smtp-sink "${sink_user[@]}" "127.0.0.1:$port" 1024 >/dev/null 2>&1 &
sink=$!
trap 'kill -9 $sink 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 50); do (echo >/dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.1; done

"$vigie" init "$work/conf" >/dev/null
export VIGIE_CONFIG="$work/conf/vigie.toml" VIGIE_NEWSLETTER_SECRET="bench-secret-0123456789abcdef"
queue="$work/conf/queues/newsletter.toml"
sed -i "s/^rate_per_second = .*/rate_per_second = 0/; s/^connections = .*/connections = $connections/" "$queue"
echo "smtp_url = \"smtp://127.0.0.1:$port\"" >>"$queue"

python3 - "$n" "$work/subs.csv" <<'PY'
import sys
n, path = int(sys.argv[1]), sys.argv[2]
with open(path, "w", encoding="utf-8") as f:
    f.write("email,name,language\r\n")
    for i in range(n):
        f.write(f"abonne{i}@exemple{i % 97}.fr,\"Abonné·e n° {i}\",fr\r\n")
PY
echo "== import of $n subscribers"
/usr/bin/time -f "%e s, peak %M KB" "$vigie" subscribers import "$work/subs.csv"

edition="$root/deploy/local/samples/edition.toml"
size=$("$vigie" newsletter preview "$edition" --raw | wc -c)
echo "== send: $n messages of about $size bytes, $connections connections, rate unlimited"
/usr/bin/time -f "%e %M" -o "$work/t.vigie" "$vigie" newsletter send --quiet "$edition" >"$work/send.out" 2>"$work/send.err" ||
    { cat "$work/send.err"; exit 1; }
cat "$work/send.out"
read -r vigie_s vigie_kb <"$work/t.vigie"

echo "== smtp-source: $n messages of $size bytes, $connections sessions reusing connections (-d)"
/usr/bin/time -f "%e" -o "$work/t.source" /usr/sbin/smtp-source -d -s "$connections" -m "$n" -l "$size" \
    -f bounces@example.org -t lecteur@exemple.fr "127.0.0.1:$port"
read -r source_s <"$work/t.source"

echo "vigie: ${vigie_s} s ($(python3 -c "print(round($n/$vigie_s))") msg/s), peak memory $((vigie_kb / 1024)) MB"
echo "smtp-source: ${source_s} s ($(python3 -c "print(round($n/$source_s))") msg/s)"
echo "ratio vigie/smtp-source: $(python3 -c "print(round($vigie_s/$source_s, 2))")x (goal <= 1.25x, memory < 150 MB)"

echo "== paced send: $((rate * 20)) messages at rate_per_second = $rate"
sed -i "s/^rate_per_second = .*/rate_per_second = $rate/" "$queue"
paced_edition="$work/paced.toml"
sed 's/^id = .*/id = "bench-paced"/' "$edition" >"$paced_edition"
sqlite3 "$work/conf/var/vigie.sqlite" \
    "UPDATE subscribers SET status = 'unsubscribed' WHERE id > $((rate * 20))" >/dev/null
"$vigie" newsletter send --quiet "$paced_edition" >/dev/null 2>&1
sqlite3 "$work/conf/var/vigie.sqlite" "SELECT count(*), min(sent_at), max(sent_at) FROM deliveries
    WHERE edition_id = 'bench-paced' AND state = 'sent'" | python3 -c "
import sys
n, a, b = sys.stdin.read().strip().split('|')
n, a, b = int(n), float(a), float(b)
achieved = (n - 1) / (b - a)
print(f'paced: {n} sent, achieved {achieved:.2f}/s for {$rate}/s configured = {achieved / $rate:.3f} R (goal >= 0.98 R)')"
