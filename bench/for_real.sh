#!/bin/sh
# apply --for-real against one plain `apply --image` of the same baseline, side by side, on
# copies of debian:bookworm standing for a host (--root), and its commit and rollback times.
#   bench/for_real.sh [BASELINE] [ROUNDS]
# Each round: a fresh copy of the image; `apply --image debian:bookworm` (prepare and checks in
# sandboxes, nothing kept); `apply --for-real --root COPY` (prepare over the copy, plan, journaled
# commit, checks again on the copy); `rollback --root COPY`. Medians; the fetch layer is warm.
# Goals: for-real <= 1.3x the plain apply; the commit (+ journal) of dragoman's change set
# <= 0.5 s per 1,700 paths; rollback <= the commit's time. Needs root.
set -eu
cd "$(dirname "$0")/.."
BOOTSTRAP=${BOOTSTRAP:-build/dev/bin/bootstrap}
BASELINE=${1:-baselines/dragoman.yaml}
ROUNDS=${2:-5}
IMAGE_ROOT=/var/cache/bootstrap/images/debian-bookworm/root
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
now() { date +%s.%N; }
"$BOOTSTRAP" -q image build debian:bookworm >/dev/null
"$BOOTSTRAP" -q apply "$BASELINE" --image debian:bookworm >/dev/null 2>&1  # warm the fetch layer

plain=""; real=""; commit=""; rollback=""; paths=0
i=0
while [ "$i" -lt "$ROUNDS" ]; do
  rm -rf "$work/host" && cp -a "$IMAGE_ROOT" "$work/host" && sync
  t0=$(now)
  "$BOOTSTRAP" -q apply "$BASELINE" --image debian:bookworm >/dev/null 2>&1
  t1=$(now)
  "$BOOTSTRAP" apply "$BASELINE" --for-real --root "$work/host" --skip-record >"$work/out" 2>&1
  t2=$(now)
  line=$(grep '^committed ' "$work/out")
  paths=$(echo "$line" | awk '{print $2}')
  commit="$commit $(echo "$line" | sed 's/.* in \([0-9.]*\)s.*/\1/')"
  rollback="$rollback $("$BOOTSTRAP" rollback --root "$work/host" 2>&1 | sed -n 's/^rolled back in \([0-9.]*\)s.*/\1/p')"
  plain="$plain $(awk "BEGIN {print $t1 - $t0}")"
  real="$real $(awk "BEGIN {print $t2 - $t1}")"
  i=$((i + 1))
done
m() { echo "$1" | tr ' ' '\n' | grep . | median; }
p=$(m "$plain"); r=$(m "$real"); c=$(m "$commit"); b=$(m "$rollback")
echo "baseline $BASELINE on copies of debian:bookworm, $ROUNDS rounds (medians), $paths paths committed"
printf '%-34s %8.2f s\n' "apply --image debian:bookworm" "$p"
printf '%-34s %8.2f s   %.2fx the plain apply (goal <= 1.3x)\n' "apply --for-real --root COPY" "$r" "$(awk "BEGIN {print $r / $p}")"
printf '%-34s %8.3f s   %.3f s per 1,700 paths (goal <= 0.5 s)\n' "  of which the commit + journal" "$c" "$(awk "BEGIN {print $c * 1700 / $paths}")"
printf '%-34s %8.3f s   %.2fx the commit (goal <= 1x)\n' "rollback --root COPY" "$b" "$(awk "BEGIN {print $b / $c}")"
