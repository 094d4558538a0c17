// An independent walk of a tree (find, sha256sum, getfattr), so that bootstrap's own manifest
// code does not judge itself: type, mode, owner, size (not for directories, whose size ext4
// never shrinks), link target; each file's SHA-256; every xattr. Two trees with equal walks hold
// the same bytes with the same metadata (times aside).
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "support/run.hpp"

namespace bootstrap::testing {

// `pruned`: a path under the tree, "./var/lib/bootstrap", left out ("" for none).
inline std::string walk_tree(const std::filesystem::path& tree, const std::string& pruned = "") {
  std::string prune = pruned.empty() ? "" : "-path '" + pruned + "' -prune -o ";
  std::string script =
      "cd \"$1\" && find . " + prune +
      "\\( -type d -printf '%p d %m %U %G\\n' \\) -o -printf '%p %y %m %U %G %s %l\\n' | "
      "LC_ALL=C sort && find . " +
      prune +
      "-type f -print0 | LC_ALL=C sort -z | xargs -0 -r sha256sum && "
      "find . -print0 | LC_ALL=C sort -z | xargs -0 getfattr -P -h -d -m - --absolute-names";
  auto r = run({"/bin/sh", "-c", script, "walk", tree.string()});
  EXPECT_EQ(r.status, 0) << r.err << r.out.substr(r.out.size() > 2000 ? r.out.size() - 2000 : 0);
  return r.out;
}

}  // namespace bootstrap::testing
