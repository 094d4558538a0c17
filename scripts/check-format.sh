#!/bin/sh
# Fails when a C++ file in the repository is not as clang-format (.clang-format) writes it,
# listing each place. CI runs it as a test (ctest -R format); fix with:
#   git ls-files '*.cpp' '*.hpp' | xargs clang-format -i
set -eu
cd "$(dirname "$0")/.."
if [ -d .git ] || git rev-parse --git-dir >/dev/null 2>&1; then
  files=$(git ls-files '*.cpp' '*.hpp' '*.h')
else
  files=$(find core sandboxes plugins cli tests bench fuzz -name '*.cpp' -o -name '*.hpp' -o -name '*.h')
fi
# shellcheck disable=SC2086
clang-format --dry-run -Werror $files
