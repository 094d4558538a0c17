// Manifests: the sorted list of everything a run changed, read from an overlayfs upper layer.
// Each path's type, mode, owner, size, content digest, link target, xattrs, whiteouts
// (removals) and opaque directories. The manifest's digest names the result.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "bootstrap/ignore_rules.hpp"

namespace bootstrap {

struct ManifestEntry {
  enum class Type { File, Dir, Symlink, Whiteout, Fifo, Socket, CharDev, BlockDev };

  std::string path;  // absolute in the target: "/etc/x"
  Type type = Type::File;
  unsigned mode = 0;  // permission bits and suid/sgid/sticky (07777)
  uid_t uid = 0;
  gid_t gid = 0;
  std::uint64_t size = 0;   // files: bytes; symlinks: target length; others 0
  std::string digest;       // files only: "xxh3-128:<hex>"
  std::string link_target;  // symlinks only
  // Sorted by name. Overlay's own (trusted.overlay.*, user.overlay.*) and security.selinux
  // (the host's policy labels, not the baseline's doing) are left out; security.capability stays.
  std::vector<std::pair<std::string, std::string>> xattrs;
  bool opaque = false;  // dir that hides the lower layer's contents (overlay.opaque = "y")
  dev_t rdev = 0;       // char/block devices only
  std::int64_t mtime_ns = 0;

  friend bool operator==(const ManifestEntry&, const ManifestEntry&) = default;
};

// "file", "dir", "symlink", "whiteout", "fifo", "socket", "chardev", "blockdev"
std::string_view to_string(ManifestEntry::Type type);
// One line: "file 0644 0:0 12 bytes xxh3-128:ab12cd34ef56…", "symlink -> /x", "removed".
std::string describe(const ManifestEntry& entry);
// One entry as in a manifest's JSON, and back (throws std::invalid_argument on bad input).
nlohmann::json entry_to_json(const ManifestEntry& entry);
ManifestEntry entry_from_json(const nlohmann::json& j);
// "xxh3-128:ab12cd34ef56…": enough digits to tell two contents apart in a message.
std::string short_digest(std::string_view digest);

class Manifest {
 public:
  Manifest() = default;
  // Sorts by path (bytewise); throws std::invalid_argument on a duplicate path.
  explicit Manifest(std::vector<ManifestEntry> entries);

  const std::vector<ManifestEntry>& entries() const { return entries_; }
  std::size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }
  const ManifestEntry* find(std::string_view path) const;  // nullptr when absent

  // "xxh3-128:<hex>" over every compared field of every entry, in order; mtimes only when
  // `include_mtime` (--strict-times). Two manifests that compare equal have equal digests.
  std::string digest(bool include_mtime = false) const;

  // {"schema_version": 1, "algorithm": "xxh3-128", "entries": [...]}; binary xattr values are
  // written "hex:<hex>". from_json throws std::invalid_argument (or nlohmann's errors) on bad
  // input.
  nlohmann::json to_json() const;
  static Manifest from_json(const nlohmann::json& j);

  friend bool operator==(const Manifest&, const Manifest&) = default;

 private:
  std::vector<ManifestEntry> entries_;
};

struct ManifestOptions {
  int threads = 0;            // hashing threads; 0: std::thread::hardware_concurrency()
  bool strict_times = false;  // record mtimes (otherwise mtime_ns is 0)
  // Ignored paths are dropped while walking: not stat'ed, not hashed, not descended into.
  // "/var/log/**" keeps /var/log itself and drops everything under it.
  const IgnoreRules* ignore = nullptr;
};

// Walks an overlayfs upper directory (never following symlinks, staying on its filesystem, all
// calls relative to directory fds) and returns its manifest. The upper directory itself is not
// an entry. Whiteouts (char device 0:0) become Type::Whiteout with every other field zero.
// Throws SystemError when a call fails.
Manifest build_manifest(const std::filesystem::path& upper_dir,
                        const ManifestOptions& options = {});

struct Difference {
  enum class Kind { OnlyInA, OnlyInB, Differs };
  std::string path;
  Kind kind = Kind::Differs;
  // "type", "content", "size", "mode", "uid", "gid", "link_target", "xattr <name>", "opaque",
  // "rdev", "mtime"
  std::vector<std::string> fields;
  std::string a_summary;  // the differing values in A ("xxh3-128:ab12cd34ef56…, 0644"), or the
  std::string b_summary;  // entry's description for OnlyInA / OnlyInB

  // "/etc/foo: content differs (xxh3-128:ab12… vs xxh3-128:cd34…)", "/var/x: only in run A (…)"
  std::string to_string(std::string_view a_name = "run A", std::string_view b_name = "run B") const;
};

// Differences between two manifests, sorted by path; paths the rules ignore are skipped.
std::vector<Difference> compare(const Manifest& a, const Manifest& b, const IgnoreRules& ignore,
                                bool strict_times = false);

struct ManifestSummary {
  std::size_t files = 0, dirs = 0, symlinks = 0, others = 0;  // written (created or modified)
  std::size_t whiteouts = 0;                                  // removed
  std::size_t opaque_dirs = 0;                                // replaced wholesale
  std::uint64_t file_bytes = 0;
  std::size_t written() const { return files + dirs + symlinks + others; }
};
ManifestSummary summarize(const Manifest& manifest);

// What a run does to a host, path by path, for --show-changes. Needs the lower layers (topmost
// first) to tell created from modified; a directory that exists below with the same mode and
// owner is only a copied-up parent and is left out.
struct PathChange {
  enum class Kind { Created, Modified, Removed };
  Kind kind;
  const ManifestEntry* entry;
};
std::vector<PathChange> list_changes(const Manifest& upper,
                                     const std::vector<std::filesystem::path>& lower_dirs);
std::string_view to_string(PathChange::Kind kind);  // "created", "modified", "removed"

}  // namespace bootstrap
