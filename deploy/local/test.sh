#!/usr/bin/env bash
# The whole test suite: installs what is missing (Debian packages), starts the local Dovecot and smtp-sink on
# loopback, builds, runs every test (unit, store, integration against the real servers), stops the servers.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
# Each target imports only what its layer may (docs: ARCHITECTURE table); seconds, before anything starts.
"$root/deploy/local/check-layers.sh"

# smtp-sink dumps every message it receives: the newsletter tests read the dumps back.
export VIGIE_SINK_DUMP=1
"$root/deploy/local/servers.sh" restart
trap '"$root/deploy/local/servers.sh" stop >/dev/null 2>&1 || true' EXIT
eval "$("$root/deploy/local/servers.sh" env)"

if [ -x "$root/deploy/dev/check-format.sh" ]; then "$root/deploy/dev/check-format.sh"; fi

swift build --build-tests
swift test --skip-build --parallel --num-workers 2 "$@"
