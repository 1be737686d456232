#!/usr/bin/env bash
# readme_check.sh — run every shell command shown in README.md, as a reader would type it.
#
# Commands are the lines of ```sh (or ```bash / ```shell) blocks; a trailing "# comment" is
# stripped, blank and comment-only lines are skipped, and `make test` itself is left out (the
# caller runs it). Each command runs from the repository root; the first failure stops the check.
set -u
cd "$(dirname "$0")/.."
readme=${1:-README.md}
[ -f "$readme" ] || { echo "readme-check: $readme not found"; exit 1; }

mapfile -t commands < <(awk '
    /^```(sh|bash|shell)[[:space:]]*$/ { inside = 1; next }
    /^```/ { inside = 0; next }
    inside {
        line = $0
        sub(/[[:space:]]+#.*$/, "", line)   # trailing comment
        sub(/^[[:space:]]+/, "", line)
        sub(/[[:space:]]+$/, "", line)
        if (line != "" && line !~ /^#/) print line
    }' "$readme")

ran=0
for cmd in "${commands[@]}"; do
    [ "$cmd" = "make test" ] && continue
    echo "readme-check: \$ $cmd"
    bash -c "$cmd" > /tmp/readme-check.$$.log 2>&1
    status=$?
    if [ $status -ne 0 ]; then
        tail -n 20 /tmp/readme-check.$$.log
        rm -f /tmp/readme-check.$$.log
        echo "readme-check: FAILED (exit $status): $cmd"
        exit 1
    fi
    ran=$((ran + 1))
done
rm -f /tmp/readme-check.$$.log
echo "readme-check: all $ran commands of $readme worked"
