#!/bin/sh
# Installs what building, testing and running bootstrap needs, from Debian's packages.
# Run as root on Debian 12 (bookworm). Safe to run again: apt-get skips what is installed.
set -eu

packages="
  g++ cmake ninja-build pkg-config git
  libboost-dev libyaml-cpp-dev libseccomp-dev libcli11-dev libfmt-dev nlohmann-json3-dev
  libxxhash-dev libgtest-dev libgmock-dev libbenchmark-dev
  mmdebstrap ca-certificates iproute2 xxhash libxml2-utils
  bubblewrap systemd-container hyperfine
  dpkg-dev gnupg python3 python3-setuptools python3-wheel python3-pip python3-venv
  attr golang-github-containers-common yamllint uidmap zsh umoci skopeo
  clang libclang-rt-14-dev help2man clang-format
"

if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: run as root (it calls apt-get install)" >&2
  exit 1
fi

missing=""
for p in $packages; do
  if ! dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null | grep -q '^ii'; then
    missing="$missing $p"
  fi
done

if [ -n "$missing" ]; then
  echo "install-deps: installing:$missing"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  # shellcheck disable=SC2086
  apt-get install -y -q --no-install-recommends $missing
else
  echo "install-deps: everything is installed"
fi
