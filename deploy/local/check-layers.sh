#!/usr/bin/env bash
# The layers of docs' ARCHITECTURE table, checked: each target imports only what it may. SwiftPM lets a target import
# any module built before it, and MemberImportVisibility hides a module's members only until someone imports it; this
# refuses that import (e.g. the command line importing VigieStore instead of calling a use case of VigieApp).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)

# The toolchain's own modules every target may use: Foundation, and Synchronization for state kept in a Mutex.
std="Foundation Synchronization"
declare -A allowed=(
    [VigieCore]="$std"
    [VigieMail]="$std CEtpan CCurl VigieCore Logging"
    [VigieStore]="$std VigieCore GRDB"
    [VigieApp]="$std Glibc VigieCore VigieMail VigieStore Logging Crypto Mustache"
    [VigieWeb]="$std Dispatch VigieApp VigieCore Hummingbird HummingbirdBcrypt HTTPTypes NIOCore ServiceLifecycle Logging Metrics CoreMetrics Prometheus"
    [vigie]="$std Dispatch VigieApp VigieWeb VigieCore ArgumentParser Logging"
)

status=0
# A new Swift target is checked too: it must have a row here first.
for dir in "$root"/Sources/*/; do
    target=$(basename "$dir")
    if [[ -z "${allowed[$target]+x}" ]] && [[ -n $(find "$dir" -name '*.swift' -print -quit) ]]; then
        echo "Sources/$target: no row in deploy/local/check-layers.sh; add what it may import" >&2
        status=1
    fi
done
for target in "${!allowed[@]}"; do
    [[ -d "$root/Sources/$target" ]] || continue
    while IFS=: read -r file line text; do
        module=$(awk '{print $NF}' <<<"$text")
        if [[ " ${allowed[$target]} " != *" $module "* ]]; then
            echo "$file:$line: $target may not import $module (may import: ${allowed[$target]})" >&2
            status=1
        fi
    done < <(grep -rnE '^[[:space:]]*(@[A-Za-z_]+ )*((public|package|internal|fileprivate|private) )?import ' \
        --include='*.swift' "$root/Sources/$target" || true)
done
exit $status
