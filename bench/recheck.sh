#!/bin/sh
# A re-check against a check from scratch, side by side in one run: the dragoman baseline (a
# copy, with the files next to it) on one image, checked with --no-cache; re-checked unchanged
# (the passing result is reused); re-checked after an edit of its last step only (runs A and B
# each re-run that step; every check runs again).
#   bench/recheck.sh [IMAGE] [ROUNDS]
# Goals: unchanged <= 0.05x of --no-cache; last step edited <= that step's apply time + 1 s.
# Needs root.
set -eu
cd "$(dirname "$0")/.."
BOOTSTRAP=${BOOTSTRAP:-build/dev/bin/bootstrap}
IMAGE=${1:-debian:bookworm}
ROUNDS=${2:-3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -a baselines "$work/b"
base="$work/b/dragoman.yaml"
edited="$work/b/dragoman-edited.yaml"
# The last step (sso) with one more command in bob's sudo rule.
sed 's|commands: \[/usr/bin/svstat, /usr/bin/svc\]|commands: [/usr/bin/svstat, /usr/bin/svc, /usr/bin/svok]|' \
  "$base" > "$edited"
cmp -s "$base" "$edited" && { echo "could not edit the last step of $base" >&2; exit 1; }

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
seconds() {
  start=$(date +%s.%N); "$@" > "$work/last" 2>&1 || { cat "$work/last" >&2; exit 1; }
  end=$(date +%s.%N); echo "$end $start" | awk '{printf "%.3f\n", $1-$2}'
}
"$BOOTSTRAP" -q check "$base" --image "$IMAGE" --no-record >/dev/null 2>&1 || true  # warm
fresh=""; same=""; last=""; step=""
i=0
while [ "$i" -lt "$ROUNDS" ]; do
  fresh="$fresh $(seconds "$BOOTSTRAP" -q check "$base" --image "$IMAGE" --no-record --no-cache)"
  same="$same $(seconds "$BOOTSTRAP" -q check "$base" --image "$IMAGE" --no-record)"
  last="$last $(seconds "$BOOTSTRAP" -q check "$edited" --image "$IMAGE" --no-record --json "$work/r.json")"
  step="$step $(python3 -c 'import json,sys; s=json.load(open(sys.argv[1]))["releases"][0]["steps"][-1]; print(max(s["seconds_a"], s["seconds_b"]))' "$work/r.json")"
  "$BOOTSTRAP" -q check "$base" --image "$IMAGE" --no-record >/dev/null 2>&1  # back to the original
  i=$((i + 1))
done
f=$(echo "$fresh" | tr ' ' '\n' | grep . | median)
s=$(echo "$same" | tr ' ' '\n' | grep . | median)
l=$(echo "$last" | tr ' ' '\n' | grep . | median)
t=$(echo "$step" | tr ' ' '\n' | grep . | median)
echo "dragoman on $IMAGE, median of $ROUNDS rounds"
printf '%-40s %8.3f s\n' "check --no-cache" "$f"
printf '%-40s %8.3f s  %.3fx of --no-cache (goal <= 0.05x)\n' "re-check, unchanged" "$s" "$(echo "$s $f" | awk '{print $1/$2}')"
printf '%-40s %8.3f s  the step applies in %.2f s: +%.2f s (goal <= +1 s)\n' "re-check, last step edited" "$l" "$t" "$(echo "$l $t" | awk '{print $1-$2}')"
