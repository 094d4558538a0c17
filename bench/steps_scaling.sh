#!/bin/sh
# How a check's time grows with the number of steps: baselines of N fslayout steps that each
# make one directory, checked on the host image with --no-cache, side by side in one run.
#   bench/steps_scaling.sh [N...]        (default: 10 100 300 1000)
# Prints wall time per step for each N, and each N's time per step against the smallest N's.
# Goal: every N passes, and time per step at 1,000 steps <= 2x the time per step at 10.
# Needs root.
set -eu
cd "$(dirname "$0")/.."
BOOTSTRAP=${BOOTSTRAP:-build/dev/bin/bootstrap}
[ $# -gt 0 ] || set -- 10 100 300 1000
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

baseline() {  # N: a baseline of N one-directory steps
  echo "baseline: steps-$1"
  echo "os: [bookworm]"
  echo "steps:"
  i=1
  while [ "$i" -le "$1" ]; do
    echo "  - fslayout: {directories: [{path: /srv/scale/d$i}]}"
    i=$((i + 1))
  done
}

printf '%8s %10s %12s %8s  %s\n' steps seconds "per step" ratio result
first=""
for n in "$@"; do
  baseline "$n" > "$work/s$n.yaml"
  start=$(date +%s.%N)
  if "$BOOTSTRAP" -q check "$work/s$n.yaml" --image host --no-cache --no-record \
      > "$work/out$n" 2>&1; then result=passed; else result="FAILED ($(tail -1 "$work/out$n"))"; fi
  end=$(date +%s.%N)
  per=$(echo "$end $start $n" | awk '{printf "%.5f", ($1-$2)/$3}')
  [ -n "$first" ] || first=$per
  printf '%8d %10.2f %10.1fms %7.2fx  %s\n' "$n" "$(echo "$end $start" | awk '{print $1-$2}')" \
    "$(echo "$per" | awk '{print $1*1000}')" "$(echo "$per $first" | awk '{print $1/$2}')" "$result"
done
