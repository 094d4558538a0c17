// The target of apply --for-real as a tree of paths: reading one path's state the way
// build_manifest reads an upper layer's, and the calls the commit and rollback are made of.
// Parents are opened inside the root without following any symlink (RESOLVE_IN_ROOT |
// RESOLVE_NO_SYMLINKS), so a symlink in the target never leads a write elsewhere; mounts inside
// the root are crossed (a host's /srv or /var on a filesystem of its own is written where it is).
#pragma once

#include <sys/stat.h>

#include <filesystem>
#include <optional>
#include <string>
#include <utility>

#include "bootstrap/manifest.hpp"
#include "bootstrap/unique_fd.hpp"

namespace bootstrap {

class TargetTree {
 public:
  explicit TargetTree(std::filesystem::path root);

  const std::filesystem::path& root() const { return root_; }
  int root_fd() const { return root_fd_.get(); }

  // The state of `path` ("/etc/x"): type, mode, owner, size, content digest, link target,
  // xattrs; nullopt when nothing is there. Without `digest`, files are not read (digest "").
  std::optional<ManifestEntry> read(const std::string& path, bool digest = true) const;
  // lstat of `path`; nullopt when missing.
  std::optional<struct stat> lstat(const std::string& path) const;
  // The directory holding `path` (opened O_PATH inside the root) and the last component.
  // The last directory opened is remembered (paths come in order, siblings together): call
  // forget() after moving or removing a directory.
  std::pair<UniqueFd, std::string> parent(const std::string& path) const;
  void forget() const;
  // A directory of the target, opened O_RDONLY (a mount point: the filesystem mounted there).
  UniqueFd open_dir(const std::string& path) const;
  // Names in a directory of the target, sorted.
  std::vector<std::string> list(const std::string& path) const;

  // "DIR/etc/x" for messages.
  std::string shown(const std::string& path) const;

 private:
  // The directory of `path`, or an empty fd with errno set.
  UniqueFd open_parent(const std::string& path, std::string& name) const;

  std::filesystem::path root_;
  UniqueFd root_fd_;
  mutable std::string last_dir_;
  mutable UniqueFd last_fd_;
};

// Copies the tree `from` to `to` (which must not exist): owners, modes, xattrs (overlay's
// whiteouts and opaque markers included), links and devices as they are.
void copy_tree(const std::filesystem::path& from, const std::filesystem::path& to);

// Two states of one path are the same for the plan (mtimes and opaqueness aside).
bool same_state(const ManifestEntry& a, const ManifestEntry& b);
// The same, but for the content digests (a path read without them).
bool same_shape(const ManifestEntry& a, const ManifestEntry& b);

}  // namespace bootstrap
