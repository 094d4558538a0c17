#!/bin/sh
# Times start + teardown of /bin/true, side by side in one run, for bootstrap and its peers on
# the same root tree (the debian:bookworm image), then "fresh writable root": bootstrap's
# overlay against a `cp -a` copy of the tree. Prints medians and ratios to bubblewrap.
#
#   bench/sandbox_start.sh [BOOTSTRAP] [RUNS]      (as root; needs hyperfine, bwrap, jq-free)
set -eu

BOOTSTRAP=${1:-build/dev/bin/bootstrap}
RUNS=${2:-200}
CACHE=${BOOTSTRAP_CACHE:-/var/cache/bootstrap}
IMAGE=debian:bookworm

[ "$(id -u)" = 0 ] || { echo "run as root: the sandboxes need CAP_SYS_ADMIN" >&2; exit 3; }
for tool in hyperfine bwrap unshare systemd-nspawn python3; do
  command -v "$tool" >/dev/null || { echo "missing: $tool" >&2; exit 3; }
done

"$BOOTSTRAP" --cache-dir "$CACHE" image build "$IMAGE" >/dev/null
ROOT=$CACHE/images/debian-bookworm/root
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT

echo "== start + teardown of /bin/true on $ROOT ($RUNS runs each)" >&2
hyperfine -N --warmup 20 --runs "$RUNS" --export-json "$OUT/start.json" \
  -n "bootstrap run" "$BOOTSTRAP --cache-dir $CACHE run $IMAGE -- /bin/true" \
  -n "bwrap --unshare-all" "bwrap --unshare-all --ro-bind $ROOT / --proc /proc --dev /dev --tmpfs /tmp /bin/true" \
  -n "unshare + chroot" "unshare -m -p -n -u -i -f chroot $ROOT /bin/true" \
  -n "systemd-nspawn" "systemd-nspawn --register=no --keep-unit -q -D $ROOT /bin/true" \
  >/dev/null 2>&1

# Fresh writable root: bootstrap's overlay (changes thrown away) against copying the tree.
COPY=$OUT/copy
echo "== fresh writable root ($((RUNS / 10)) runs each)" >&2
hyperfine -N --warmup 2 --runs "$((RUNS / 10))" --export-json "$OUT/writable.json" \
  -n "bootstrap run (overlay)" "$BOOTSTRAP --cache-dir $CACHE run $IMAGE -- sh -c 'echo x > /etc/motd'" \
  -n "cp -a + bwrap + rm -rf" "sh -c 'cp -a $ROOT $COPY && bwrap --unshare-all --bind $COPY / --proc /proc --dev /dev --tmpfs /tmp sh -c \"echo x > /etc/motd\" && rm -rf $COPY'" \
  >/dev/null 2>&1

python3 - "$OUT/start.json" "$OUT/writable.json" <<'PY'
import json, statistics, sys
# CPU is hyperfine's mean user + system time of the command and the children it waited for:
# less sensitive to a busy machine than wall time, and it shows who waits instead of working.
for path, ref in ((sys.argv[1], "bwrap --unshare-all"), (sys.argv[2], "cp -a + bwrap + rm -rf")):
    results = json.load(open(path))["results"]
    med = {r["command"]: statistics.median(r["times"]) * 1000 for r in results}
    cpu = {r["command"]: (r["user"] + r["system"]) * 1000 for r in results}
    print(f"| {'command':<26} | median ms | ratio to {ref.split()[0]} | CPU ms |")
    print(f"| {'-'*26} | --------: | ------: | -----: |")
    for name, m in med.items():
        print(f"| {name:<26} | {m:9.2f} | {m / med[ref]:6.2f}x | {cpu[name]:6.2f} |")
    print()
PY
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
