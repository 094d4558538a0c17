#!/bin/sh
# Rootless, end to end: as an unprivileged user with subordinate ids, the README's check of
# baselines/dragoman.yaml on bookworm, the escape and leak suites, and gc; then nothing of the
# user's is left running or mounted, gc left no layer behind, and root's cache is untouched.
#
# Usage (as root): rootless_test.sh BOOTSTRAP SECURITY_TESTS LEAK_TESTS SOURCE_DIR
# The user: $BOOTSTRAP_ROOTLESS_USER (it must have /etc/subuid and /etc/subgid ranges), or, in
# CI (BOOTSTRAP_TESTS_MUST_RUN=1), bootstrap-rootless, made here with a range of its own.
# Exit 77 is a skip (ctest's SKIP_RETURN_CODE).
set -eu
bootstrap=$1 security_tests=$2 leak_tests=$3 source_dir=$4

skip() {
  if [ "${BOOTSTRAP_TESTS_MUST_RUN:-}" = 1 ]; then
    echo "cannot run (BOOTSTRAP_TESTS_MUST_RUN=1 forbids skipping): $1" >&2
    exit 1
  fi
  echo "skipped: $1"
  exit 77
}
fail() {
  echo "FAILED: $1" >&2
  exit 1
}

[ "$(id -u)" -eq 0 ] || skip "needs root, to act as an unprivileged user"
user=${BOOTSTRAP_ROOTLESS_USER:-}
if [ -z "$user" ]; then
  [ "${BOOTSTRAP_TESTS_MUST_RUN:-}" = 1 ] ||
    skip "set BOOTSTRAP_ROOTLESS_USER to a user with /etc/subuid ranges (CI makes one)"
  user=bootstrap-rootless
  if ! id "$user" >/dev/null 2>&1; then
    useradd --create-home --shell /bin/sh "$user"
  fi
  if ! grep -q "^$user:" /etc/subuid || ! grep -q "^$user:" /etc/subgid; then
    # The next free block after every range given out.
    first=$(cat /etc/subuid /etc/subgid | awk -F: 'BEGIN { n = 100000 }
      { if ($2 + $3 > n) n = $2 + $3 } END { print n }')
    usermod --add-subuids "$first-$((first + 65535))" --add-subgids "$first-$((first + 65535))" "$user"
  fi
fi
id "$user" >/dev/null 2>&1 || fail "no user $user"
home=$(getent passwd "$user" | cut -d: -f6)
as_user() {
  # The user's own environment: no root cache, no root HOME; the CI variable stays.
  (cd "$home" && setpriv --reuid="$user" --regid="$(id -g "$user")" --init-groups \
    env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME="$home" USER="$user" LOGNAME="$user" \
    BOOTSTRAP_TESTS_MUST_RUN="${BOOTSTRAP_TESTS_MUST_RUN:-}" BOOTSTRAP_ROOTLESS_FOREIGN_DIR="$foreign" "$@")
}

# Files of root and of nobody, in a folder of root's, for the escape suite to try to change.
foreign=$(mktemp -d /tmp/bootstrap-rootless-foreign-XXXXXX)
trap 'rm -rf "$foreign"' EXIT
chmod 0755 "$foreign"
echo root >"$foreign/root-file"
echo nobody >"$foreign/nobody-file"
mkdir "$foreign/nobody-dir"
chown 65534:65534 "$foreign/nobody-file" "$foreign/nobody-dir"
chmod 0644 "$foreign/root-file" "$foreign/nobody-file"
foreign_before=$(find "$foreign" -printf '%p %U %G %m %s %T@\n' | sort)

root_cache=/var/cache/bootstrap
snapshot() { find "$root_cache" -maxdepth 2 -printf '%p %T@ %s\n' 2>/dev/null | sort; }
before_cache=$(snapshot)
before_mounts=$(cut -d' ' -f5 /proc/self/mountinfo | sort)

echo "== as $user: bootstrap check baselines/dragoman.yaml --os bookworm"
as_user "$bootstrap" check "$source_dir/baselines/dragoman.yaml" --os bookworm ||
  fail "the rootless check did not pass"
echo "== as $user: the escape suite"
as_user "$security_tests" --gtest_brief=1 || fail "the escape suite, rootless"
echo "== as $user: the leak suite"
as_user "$leak_tests" --gtest_brief=1 || fail "the leak suite, rootless"
echo "== as $user: bootstrap gc --all-layers"
as_user "$bootstrap" gc --all-layers >/dev/null || fail "gc, rootless"

cache=$home/.cache/bootstrap
[ -d "$cache/images/debian-bookworm/root" ] || fail "the bookworm image is not under $cache"
left=$(find "$cache/layers" "$cache/tmp" -mindepth 1 -maxdepth 1 ! -name '*.lock' ! -name '*.use' | head -5)
[ -z "$left" ] || fail "gc left these behind: $left"
# A sandbox's pid 1 left to finish in the background is reaped by init a moment later.
for _ in 1 2 3 4 5 6 7 8 9 10; do pgrep -u "$user" >/dev/null || break; sleep 0.5; done
if pgrep -u "$user" >/dev/null; then fail "processes of $user are still running: $(pgrep -a -u "$user")"; fi
[ "$(cut -d' ' -f5 /proc/self/mountinfo | sort)" = "$before_mounts" ] || fail "the mount table changed"
[ "$(snapshot)" = "$before_cache" ] || fail "root's cache $root_cache changed"
[ "$(find "$foreign" -printf '%p %U %G %m %s %T@\n' | sort)" = "$foreign_before" ] ||
  fail "files of root and nobody in $foreign changed"
owner=$(stat -c %U "$cache/images/debian-bookworm/root/etc/passwd")
[ "$owner" = "$user" ] || fail "the image's root-owned files should be $user's outside, not $owner's"
echo "rootless: passed (check, escape suite, leak suite, gc as $user)"
