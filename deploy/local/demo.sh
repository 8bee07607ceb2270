#!/usr/bin/env bash
# The main job end to end on the embedded defaults (SQLite, local Dovecot and smtp-sink):
#   local servers up → the sample citizen reports delivered → `vigie poll --once` → reports and clusters printed →
#   the top cluster qualified and its platform notice printed → a sample edition sent to sample subscribers.
# Everything lives under var/demo (made anew each run).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"

"$root/deploy/local/servers.sh" start
eval "$("$root/deploy/local/servers.sh" env)"

echo "== building vigie (release)"
swift build -c release --product vigie
vigie="$root/.build/release/vigie"

demo="$root/var/demo"
rm -rf "$demo"
"$vigie" init "$demo" >/dev/null
export VIGIE_CONFIG="$demo/vigie.toml"
export VIGIE_IMAP_PASSWORD=secret
export VIGIE_NEWSLETTER_SECRET="demo-secret-$(hostname)-0123456789"
sed -i "s/127.0.0.1:10143/127.0.0.1:${VIGIE_IMAP_PORT}/" "$demo/queues/reports.toml"
sed -i "s/127.0.0.1:10025/127.0.0.1:${VIGIE_SMTP_PORT}/" "$demo/vigie.toml"
"$vigie" config check

echo "== delivering the sample reports to the 'reports' mailbox"
for box in INBOX Archive; do
    doveadm -c "$VIGIE_DOVECOT_CONF" expunge -u reports mailbox "$box" all 2>/dev/null || true
done
"$root/deploy/local/deliver.sh" reports INBOX "$root"/deploy/local/samples/*.eml

echo "== vigie poll --once"
"$vigie" poll --once
echo
echo "== vigie reports list"
"$vigie" reports list
echo
echo "== vigie clusters list"
"$vigie" clusters list
echo
echo "== vigie accounts list"
"$vigie" accounts list

top=$("$vigie" clusters list --json --limit 1 | python3 -c "import json,sys; print(json.load(sys.stdin)[0]['id'])")
echo
echo "== vigie clusters qualify $top provocation-haine-raciale, then its notice"
"$vigie" clusters qualify "$top" provocation-haine-raciale --by demo \
    --note "Appel à la haine visant un groupe en raison de sa religion."
"$vigie" clusters notice "$top"

echo
echo "== newsletter: sample subscribers and edition, sent to smtp-sink"
"$vigie" subscribers import "$root/deploy/local/samples/subscribers.csv"
"$vigie" newsletter check --offline "$root/deploy/local/samples/edition.toml"
"$vigie" newsletter send "$root/deploy/local/samples/edition.toml"
"$vigie" newsletter status "$(sed -n 's/^id = "\(.*\)"/\1/p' "$root/deploy/local/samples/edition.toml")"
