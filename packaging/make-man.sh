#!/bin/sh
# Writes bootstrap's man pages from its own --help, so they cannot drift from it: bootstrap(1)
# from `bootstrap --help`, and bootstrap-COMMAND(1) from `bootstrap COMMAND --help` for every
# command the main help lists (report's own subcommand too). Run by the build (help2man).
#   packaging/make-man.sh BOOTSTRAP OUTDIR
set -eu
bootstrap=$1
out=$2
mkdir -p "$out"
version=$("$bootstrap" --version | sed 's/^bootstrap //')

page() {  # page NAME "HELP ARGS" "one-line description"
  help2man --no-info --no-discard-stderr --section=1 --source="bootstrap $version" \
    --version-string="$version" --help-option="$2" --name="$3" "$bootstrap" \
    | sed -e "s/^\.TH BOOTSTRAP /.TH $(echo "$1" | tr a-z A-Z) /" -e "s/^bootstrap \\\\- /$1 \\\\- /" >"$out/$1.1.tmp"
  mv "$out/$1.1.tmp" "$out/$1.1"
}

page bootstrap "--help" "make a host's baseline repeatable"
# The commands: the names under "Subcommands:" in the main help, up to the next blank line.
commands=$("$bootstrap" --help | awk '/^Subcommands:/ {on = 1; next} on && /^$/ {exit} on && /^  [a-z]/ {print $1}')
for c in $commands; do
  summary=$("$bootstrap" "$c" --help | sed -n '1p' | sed 's/[:.(].*//; s/[ ,]*$//')
  page "bootstrap-$c" "$c --help" "$summary"
done
page bootstrap-report-merge "report merge --help" "merge the reports of a CI matrix into one verdict"
