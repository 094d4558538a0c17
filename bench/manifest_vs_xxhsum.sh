#!/usr/bin/env bash
# Side by side on the same tree: our manifest (every entry stat'ed, xattrs read, files hashed
# with XXH3-128 in parallel) against `find DIR -type f -print0 | xargs -0 xxhsum -H2`.
# Goal: ours at or below 0.5x. Page caches are warm for both (the first round is dropped).
#
# usage: bench/manifest_vs_xxhsum.sh [ROOTFS]
#   ROOTFS defaults to /var/cache/bootstrap/images/debian-bookworm/root (if it exists), else a
#   minbase bookworm made once with mmdebstrap under /var/tmp/bootstrap-bench (mirror read from
#   this machine's apt sources), else a copy of /usr/bin + /usr/sbin + /usr/share/doc.
# env: BOOTSTRAP_MANIFEST_BENCH (the tool; default build/dev/bin/bootstrap-manifest-bench),
#      ROUNDS (default 7), THREADS (default: all cores)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
tool=${BOOTSTRAP_MANIFEST_BENCH:-$here/../build/dev/bin/bootstrap-manifest-bench}
rounds=${ROUNDS:-7}
threads=${THREADS:-0}
[[ -x $tool ]] || { echo "build it first: cmake --build --preset dev --target bootstrap_manifest_tool ($tool)" >&2; exit 2; }
command -v xxhsum >/dev/null || { echo "xxhsum is not installed (apt install xxhash)" >&2; exit 2; }

# The mirror this machine uses for Debian (deb822 .sources first, then sources.list).
debian_mirror() {
  local f
  for f in /etc/apt/sources.list.d/*.sources; do
    [[ -e $f ]] || continue
    awk '/^URIs:/ {print $2}' "$f" | grep -v -- '-security' | head -n1 && return 0
  done
  awk '$1 == "deb" && $2 !~ /security/ {print $2; exit}' /etc/apt/sources.list 2>/dev/null
}

root=${1:-}
what="given on the command line"
if [[ -z $root ]]; then
  image=/var/cache/bootstrap/images/debian-bookworm
  made=/var/tmp/bootstrap-bench/bookworm-minbase
  if [[ -d $image/root/usr ]]; then
    root=$image/root; what="the bootstrap image cache"
  elif [[ -d $image/rootfs ]]; then
    root=$image/rootfs; what="the bootstrap image cache"
  elif [[ -d $image/usr ]]; then
    root=$image; what="the bootstrap image cache"
  elif [[ -d $made/usr ]]; then
    root=$made; what="mmdebstrap --variant=minbase bookworm (made earlier)"
  elif command -v mmdebstrap >/dev/null && [[ $(id -u) == 0 ]] && mirror=$(debian_mirror) && [[ -n $mirror ]]; then
    mkdir -p "$(dirname "$made")"
    echo "making $made with mmdebstrap from $mirror ..." >&2
    mmdebstrap --quiet --variant=minbase --mode=root bookworm "$made.tmp" "deb $mirror bookworm main" >&2
    mv "$made.tmp" "$made"
    root=$made; what="mmdebstrap --variant=minbase bookworm from $mirror"
  else
    root=/var/tmp/bootstrap-bench/usr-copy
    if [[ ! -d $root ]]; then
      mkdir -p "$root/usr/share"
      cp -a /usr/bin /usr/sbin "$root/usr/"
      cp -a /usr/share/doc "$root/usr/share/"
    fi
    what="a copy of this machine's /usr/bin, /usr/sbin, /usr/share/doc (no mmdebstrap)"
  fi
fi

entries=$(find "$root" -xdev | wc -l)
files=$(find "$root" -xdev -type f | wc -l)
size=$(du -sh --apparent-size "$root" | cut -f1)
echo "tree: $root ($what): $entries entries, $files files, $size"
echo "ours: $("$tool" "$root" --threads "$threads")"

ours_run() { "$tool" "$root" --threads "$threads"; }
# (xxhsum draws a progress line on stderr; errors would show as a wrong file count above)
theirs_run() { find "$root" -type f -print0 | xargs -0 xxhsum -H2; }
# "wall user+sys" in seconds; bash's `time` counts every process of the command.
timed() {
  local TIMEFORMAT='%R %U %S' t
  t=$({ time "$@" >/dev/null 2>&1; } 2>&1)
  awk '{printf "%s %.3f\n", $1, $2 + $3}' <<<"$t"
}
ours=() theirs=() ours_cpu=() theirs_cpu=()
for ((i = 0; i <= rounds; i++)); do
  read -r w c < <(timed ours_run)
  read -r w2 c2 < <(timed theirs_run)
  ((i == 0)) && continue  # warm-up round: fills the page and dentry caches for both
  ours+=("$w") ours_cpu+=("$c") theirs+=("$w2") theirs_cpu+=("$c2")
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
m_ours=$(median "${ours[@]}")
m_theirs=$(median "${theirs[@]}")
printf '%-52s %10s %10s\n' "command ($rounds rounds, median, warm cache)" "seconds" "CPU s"
printf '%-52s %10.3f %10.3f\n' "bootstrap-manifest-bench (threads=${threads/#0/all $(nproc)})" "$m_ours" "$(median "${ours_cpu[@]}")"
printf '%-52s %10.3f %10.3f\n' "find -type f -print0 | xargs -0 xxhsum -H2" "$m_theirs" "$(median "${theirs_cpu[@]}")"
awk -v a="$m_ours" -v b="$m_theirs" \
  'BEGIN {r = a / b; printf "ratio ours/xxhsum: %.2fx (goal <= 0.50x: %s)\n", r, (r <= 0.5 ? "met" : "NOT met")}'
echo "load average while measuring: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
