#!/bin/sh
# A check's wall time against one plain apply of the same baseline, side by side in one run.
#   bench/check_vs_apply.sh [BASELINE] [IMAGE] [ROUNDS]
# "plain apply" is `bootstrap apply --image IMAGE` (fetch + every step + checks, once, in one
# sandbox); "check" is `bootstrap check --image IMAGE` (fetch, run A and run B in parallel,
# re-apply, checks on both), measured unchanged (a passing result of the same inputs is reused)
# and with --no-cache.
# Goal (issue 16): check --no-cache at or below 1.2x one plain apply. Needs root.
set -eu
cd "$(dirname "$0")/.."
BOOTSTRAP=${BOOTSTRAP:-build/dev/bin/bootstrap}
BASELINE=${1:-baselines/dragoman.yaml}
IMAGE=${2:-debian:bookworm}
ROUNDS=${3:-7}

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
seconds() {  # runs "$@" quietly, prints its wall time in seconds
  start=$(date +%s.%N); "$@" >/dev/null 2>&1 || true; end=$(date +%s.%N)
  echo "$end $start" | awk '{printf "%.4f\n", $1-$2}'
}

"$BOOTSTRAP" image build "$IMAGE" >/dev/null 2>&1 || true
# Warm up everything once (image, fetch layer, step layers).
"$BOOTSTRAP" check "$BASELINE" --image "$IMAGE" --no-record >/dev/null 2>&1 || true

apply=""; cached=""; fresh=""
i=0
while [ "$i" -lt "$ROUNDS" ]; do
  apply="$apply $(seconds "$BOOTSTRAP" -q apply "$BASELINE" --image "$IMAGE")"
  cached="$cached $(seconds "$BOOTSTRAP" -q check "$BASELINE" --image "$IMAGE" --no-record)"
  fresh="$fresh $(seconds "$BOOTSTRAP" -q check "$BASELINE" --image "$IMAGE" --no-record --no-cache)"
  i=$((i + 1))
done
a=$(echo "$apply" | tr ' ' '\n' | grep . | median)
c=$(echo "$cached" | tr ' ' '\n' | grep . | median)
f=$(echo "$fresh" | tr ' ' '\n' | grep . | median)
echo "baseline $BASELINE on $IMAGE, median of $ROUNDS rounds (load: $(cut -d' ' -f1-3 /proc/loadavg))"
printf '%-44s %8s %8s\n' "command" "seconds" "ratio"
printf '%-44s %8.3f %8s\n' "bootstrap apply --image (one plain apply)" "$a" "1.00x"
printf '%-44s %8.3f %7.2fx\n' "bootstrap check, unchanged (result reused)" "$c" "$(echo "$c $a" | awk '{print $1/$2}')"
printf '%-44s %8.3f %7.2fx\n' "bootstrap check --no-cache" "$f" "$(echo "$f $a" | awk '{print $1/$2}')"
echo "every round, in order (this VM's speed drifts; a round's three runs are back to back):"
echo "  apply:            $apply"
echo "  check:            $cached"
echo "  check --no-cache: $fresh"
echo "goal: check --no-cache at or below 1.20x one plain apply"
