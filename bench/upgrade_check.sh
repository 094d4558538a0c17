#!/bin/sh
# An upgrade check's time against a plain fresh check of the release it upgrades to, side by side.
#   bench/upgrade_check.sh [BASELINE] [FROM..TO]   (default: baselines/dragoman.yaml bookworm..trixie)
# Runs, in order: a warm-up check on FROM (so run A's layers are cached, as for a baseline that
# was checked before), `check --os TO --no-cache` (a fresh check from scratch), then
# `check --upgrade FROM..TO` (run A on FROM from the cache, the upgrade, the re-apply and
# checks, the comparison with a fresh TO host, whose run A is cached by the check before).
# Needs root (or a user with subordinate ids).
set -eu
cd "$(dirname "$0")/.."
BOOTSTRAP=${BOOTSTRAP:-build/dev/bin/bootstrap}
baseline=${1:-baselines/dragoman.yaml}
pair=${2:-bookworm..trixie}
from=${pair%%..*}
to=${pair##*..}

seconds() {  # seconds COMMAND...: wall time of the command, its output discarded
  start=$(date +%s.%N)
  "$@" >/dev/null 2>&1 || true
  end=$(date +%s.%N)
  awk "BEGIN { print $end - $start }"
}

"$BOOTSTRAP" check "$baseline" --os "$from" --no-record >/dev/null 2>&1 || true
fresh=$(seconds "$BOOTSTRAP" check "$baseline" --os "$to" --no-cache --no-record)
upgrade=$(seconds "$BOOTSTRAP" check "$baseline" --upgrade "$pair")
printf '%-44s %8.2f s  1.00x\n' "check --os $to --no-cache (fresh)" "$fresh"
printf '%-44s %8.2f s  %.2fx\n' "check --upgrade $pair" "$upgrade" "$(awk "BEGIN { print $upgrade / $fresh }")"
