#!/bin/sh
# Makes the SSH user-CA public key and the KRL that baselines/dragoman.yaml's sso step trusts:
#   scripts/make-sso-keys.sh [OUT_DIR]      (default: baselines/keys)
#   OUT_DIR/dev-ca.pub    the CA's public key (ed25519)
#   OUT_DIR/revoked.krl   a binary KRL revoking serials 1-9 of that CA (leaked test certificates)
# The CA's private key is thrown away: hosts only ever hold the public key, and bootstrap's
# checks sign their test certificates with a throwaway CA of their own. An organisation runs
# this with its real CA's public key instead (OUT_DIR/dev-ca.pub from its CA).
set -eu
out=${1:-$(dirname "$0")/../baselines/keys}
mkdir -p "$out"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
ssh-keygen -q -t ed25519 -N '' -C 'dragoman dev user CA' -f "$work/ca"
cp "$work/ca.pub" "$out/dev-ca.pub"
printf 'serial: 1-9\n' > "$work/spec"
ssh-keygen -q -k -f "$out/revoked.krl" -s "$work/ca.pub" "$work/spec"
echo "wrote $out/dev-ca.pub and $out/revoked.krl (the CA's private key is gone)"
