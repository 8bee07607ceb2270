#!/usr/bin/env bash
# Formatting check: `swift format lint --strict` with the root .swift-format over Sources, Tests and Package.swift.
# Any finding fails the check (exit 1); fix with `deploy/dev/check-format.sh --fix` (runs `swift format -i`) and
# review the diff. Needs only the toolchain, no build: CI runs it first, in seconds.
#
#   deploy/dev/check-format.sh               lint the whole tree
#   deploy/dev/check-format.sh --changed REF lint only the Swift files changed since REF (e.g. origin/main)
#   deploy/dev/check-format.sh --fix [PATH…] format in place (the whole tree, or the paths given)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"

if ! swift format --version >/dev/null 2>&1; then
    echo "check-format: 'swift format' is missing; install a Swift 6 toolchain (it ships swift-format)" >&2
    exit 2
fi

config=(--configuration "$root/.swift-format")
case "${1:-}" in
--fix)
    shift
    if [ $# -eq 0 ]; then set -- Sources Tests Package.swift; fi
    exec swift format format --in-place --recursive --parallel "${config[@]}" "$@"
    ;;
--changed)
    base=${2:?"usage: $0 --changed REF (a git ref, e.g. origin/main)"}
    mapfile -t files < <(git diff --name-only --diff-filter=d "$base" -- 'Sources/*.swift' 'Tests/*.swift' \
        'Package.swift')
    if [ ${#files[@]} -eq 0 ]; then exit 0; fi
    set -- "${files[@]}"
    ;;
"")
    set -- Sources Tests Package.swift
    ;;
*)
    echo "usage: $0 [--changed REF | --fix [PATH…]]" >&2
    exit 2
    ;;
esac

if ! swift format lint --strict --recursive --parallel "${config[@]}" "$@"; then
    echo "check-format: the files above are not formatted; run deploy/dev/check-format.sh --fix and review the diff" >&2
    exit 1
fi
