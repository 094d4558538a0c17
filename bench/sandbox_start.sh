#!/bin/sh
# Times start + teardown of /bin/true, side by side in one run, for bootstrap and its peers on
# the same root tree (the debian:bookworm image), then "fresh writable root": bootstrap's
# overlay against a `cp -a` copy of the tree. Prints medians and ratios to bubblewrap.
#
#   bench/sandbox_start.sh [BOOTSTRAP] [RUNS]      (as root; needs hyperfine, bwrap, jq-free)
#
# With BOOTSTRAP_ROOTLESS_USER=NAME (a user with /etc/subuid ranges), also rootless: as that
# user, `bootstrap run` on the user's own bookworm image beside bwrap on the same tree.
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

# This VM's speed drifts from minute to minute, so the commands are not timed one block after
# the other: ROUNDS rounds each time every command RUNS/ROUNDS times (hyperfine), the order
# rotating from round to round, and the medians are taken over all rounds.
ROUNDS=${ROUNDS:-5}
echo "== start + teardown of /bin/true on $ROOT ($RUNS runs each, in $ROUNDS interleaved rounds)" >&2
set -- \
  "bootstrap run" "$BOOTSTRAP --cache-dir $CACHE run $IMAGE -- /bin/true" \
  "bwrap --unshare-all" "bwrap --unshare-all --ro-bind $ROOT / --proc /proc --dev /dev --tmpfs /tmp /bin/true" \
  "unshare + chroot" "unshare -m -p -n -u -i -f chroot $ROOT /bin/true" \
  "systemd-nspawn" "systemd-nspawn --register=no --keep-unit -q -D $ROOT /bin/true"
round=0
while [ "$round" -lt "$ROUNDS" ]; do
  args=""
  i=0
  while [ "$i" -lt 4 ]; do
    k=$(( (i + round) % 4 ))
    eval "name=\${$((2 * k + 1))}; cmd=\${$((2 * k + 2))}"
    args="$args -n '$name' '$cmd'"
    i=$((i + 1))
  done
  eval hyperfine -N --warmup 10 --runs "$((RUNS / ROUNDS))" --export-json "$OUT/start-$round.json" $args >/dev/null 2>&1
  round=$((round + 1))
done

# Fresh writable root: bootstrap's overlay (changes thrown away) against copying the tree.
COPY=$OUT/copy
echo "== fresh writable root ($((RUNS / 10)) runs each)" >&2
hyperfine -N --warmup 2 --runs "$((RUNS / 10))" --export-json "$OUT/writable.json" \
  -n "bootstrap run (overlay)" "$BOOTSTRAP --cache-dir $CACHE run $IMAGE -- sh -c 'echo x > /etc/motd'" \
  -n "cp -a + bwrap + rm -rf" "sh -c 'cp -a $ROOT $COPY && bwrap --unshare-all --bind $COPY / --proc /proc --dev /dev --tmpfs /tmp sh -c \"echo x > /etc/motd\" && rm -rf $COPY'" \
  >/dev/null 2>&1

# Rootless, as the same user: bootstrap enters the user's namespace (newuidmap + newgidmap),
# bwrap maps the user alone; both on the user's bookworm image.
if [ -n "${BOOTSTRAP_ROOTLESS_USER:-}" ]; then
  user=$BOOTSTRAP_ROOTLESS_USER
  home=$(getent passwd "$user" | cut -d: -f6)
  as_user() { (cd "$home" && setpriv --reuid="$user" --regid="$(id -g "$user")" --init-groups env -i PATH=/usr/bin:/bin HOME="$home" "$@"); }
  as_user "$(realpath "$BOOTSTRAP")" image build "$IMAGE" >/dev/null
  UROOT=$home/.cache/bootstrap/images/debian-bookworm/root
  chmod 777 "$OUT"
  echo "== rootless, as $user: start + teardown of /bin/true on $UROOT" >&2
  round=0
  while [ "$round" -lt "$ROUNDS" ]; do
    set -- -n "bootstrap run (rootless)" "$(realpath "$BOOTSTRAP") run $IMAGE -- /bin/true" \
      -n "bwrap rootless" "bwrap --unshare-all --ro-bind $UROOT / --proc /proc --dev /dev --tmpfs /tmp /bin/true"
    if [ $((round % 2)) = 1 ]; then
      set -- "$4" "$5" "$6" "$1" "$2" "$3"
    fi
    as_user hyperfine -N --warmup 10 --runs "$((RUNS / ROUNDS))" --export-json "$OUT/rootless-$round.json" "$@" >/dev/null 2>&1
    round=$((round + 1))
  done
fi

python3 - "$OUT" <<'PY'
import glob, json, statistics, sys
# CPU is hyperfine's mean user + system time of the command and the children it waited for:
# less sensitive to a busy machine than wall time, and it shows who waits instead of working.
def table(paths, ref):
    times, cpu = {}, {}
    for path in paths:
        for r in json.load(open(path))["results"]:
            times.setdefault(r["command"], []).extend(r["times"])
            cpu.setdefault(r["command"], []).append((r["user"] + r["system"]) * 1000)
    med = {name: statistics.median(t) * 1000 for name, t in times.items()}
    print(f"| {'command':<26} | median ms | ratio to {ref.split()[0]} | CPU ms |")
    print(f"| {'-'*26} | --------: | ------: | -----: |")
    for name in sorted(med, key=med.get):
        ratio = med[name] / med[ref]
        shown = f"{ratio:6.2f}x" if ratio >= 0.1 else f"{ratio:6.1e}x"  # overlay vs cp -a: ~1/2000
        print(f"| {name:<26} | {med[name]:9.2f} | {shown} | {statistics.mean(cpu[name]):6.2f} |")
    print()
table(sorted(glob.glob(sys.argv[1] + "/start-*.json")), "bwrap --unshare-all")
table([sys.argv[1] + "/writable.json"], "cp -a + bwrap + rm -rf")
rootless = sorted(glob.glob(sys.argv[1] + "/rootless-*.json"))
if rootless:
    table(rootless, "bwrap rootless")
PY
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
