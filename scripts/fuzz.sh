#!/bin/sh
# Builds the libFuzzer targets (the 'fuzz' preset: clang, ASan + UBSan) and runs each for
# SECONDS (default 60), seeded from the baselines in tests/data and baselines/ and from
# fuzz/corpus. A crash, a leak, a hang (10 s on one input) or, for baselines, any error that is
# not a ConfigError fails the run; the input that did it is kept in build/fuzz/findings/.
#   scripts/fuzz.sh [SECONDS]
set -eu
cd "$(dirname "$0")/.."
seconds=${1:-60}

cmake --preset fuzz >/dev/null
cmake --build --preset fuzz

work=$(mktemp -d /tmp/bootstrap-fuzz-XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/baseline" "$work/manifest" build/fuzz/findings
cp tests/data/bad/*.yaml baselines/*.yaml "$work/baseline/"
cp fuzz/corpus/manifest/* "$work/manifest/"

status=0
for target in baseline manifest; do
  dict=""
  [ -f "fuzz/$target.dict" ] && dict="-dict=fuzz/$target.dict"
  echo "==> fuzz_$target for ${seconds}s"
  # shellcheck disable=SC2086
  if ! build/fuzz/bin/fuzz_$target -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
      -print_final_stats=1 -artifact_prefix=build/fuzz/findings/$target- $dict "$work/$target" \
      >"$work/$target.log" 2>&1; then
    status=1
    tail -n 40 "$work/$target.log"
    echo "fuzz_$target FAILED; the input is in build/fuzz/findings/" >&2
  fi
  grep -E '^stat::number_of_executed_units|^stat::peak_rss_mb' "$work/$target.log" | sed "s/^/  fuzz_$target /"
done
exit $status
