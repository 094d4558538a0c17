// bootstrap export: the tree a passing check proved, for new machines, as a directory, a tar
// archive or an OCI image.
//
//   1. run A of the check on that release, from the layer cache (a step whose layer is gone is
//      applied again); its result digest must be the record's (proven_tree.cpp);
//   2. its layers squashed into one root of hard links (nothing copied, nothing in the cache
//      written), apt's downloaded packages dropped;
//   3. the host's identity removed, and what recreates it at first boot added (identity.cpp);
//   4. one archive made by GNU tar: entries sorted by name, every time the record's check time,
//      numeric owners, xattrs, so two exports of one record are the same bytes (archive.cpp);
//      dir is that archive extracted, oci that archive as the one layer of an image made by umoci.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "bootstrap/apply.hpp"
#include "bootstrap/check.hpp"
#include "bootstrap/ignore_rules.hpp"

namespace bootstrap {

enum class ExportFormat { Dir, Tar, Oci };

struct ExportOptions {
  ExportFormat format = ExportFormat::Tar;
  std::filesystem::path out;   // missing (dir: or empty); written in place once complete
  std::string tag = "latest";  // oci: the image's tag in the layout
  std::filesystem::path cache_root;
  std::string record_file;    // the proving record
  std::string result_digest;  // the record's manifest digest: the tree must have it
  std::string checked_at;     // the record's time (ISO 8601): every entry's mtime
};

struct ExportResult {
  std::string result_digest;          // what the exported tree was proved as
  std::vector<std::string> identity;  // what was removed or reset, one line each
  std::uint64_t archive_bytes = 0;    // the tar archive (tar and oci: before compression)
  std::uint64_t files = 0;            // entries in the tree
};

// Why `out` cannot be written ("" when it can): it exists and is not an empty directory, or its
// folder does not exist.
std::string export_refusal(const std::filesystem::path& out);

// Throws ConfigError for a refusal the user can fix (no record, a tree that is not the record's),
// EnvironmentError when a tool is missing (umoci for oci), runtime_error for the rest.
ExportResult export_proven(ConfiguredBaseline& baseline, const std::string& release,
                           const ExportOptions& options, const CheckProgress& progress);

// Run A of `baseline` on `image` squashed into `into` (an empty directory on the cache's
// filesystem): hard links to the cached layers' files, whiteouts dropped. Throws when a step
// fails to apply.
struct SquashedRunA {
  std::string digest;    // run A's manifest digest, as a check's record has it
  IgnoreRules per_host;  // the paths the steps declare a host's own (per_host_paths)
};
SquashedRunA squash_run_a(ConfiguredBaseline& baseline, const std::string& image,
                          const CheckOptions& options, const CheckProgress& progress,
                          const std::filesystem::path& into);

// What makes a tree one host: machine-id emptied, SSH host keys removed with a unit that makes
// new ones at first boot, the paths the steps declare per host removed, the build machine's
// resolv.conf and hostname removed. Never writes into an existing file (its inode may be a
// cached layer's): removes and creates. Returns what it did, one line each.
std::vector<std::string> remove_host_identity(const std::filesystem::path& root,
                                              const IgnoreRules& per_host);

// The archive of `root`: sorted, every mtime `epoch`, numeric owners, xattrs but overlayfs's.
void write_tar(const std::filesystem::path& root, const std::filesystem::path& file,
               long long epoch);

// An OCI image layout at `layout` (missing) whose image `tag` has `tar` as its one layer, its
// created time `epoch`, and `labels`, made by umoci.
void write_oci(const std::filesystem::path& tar, const std::filesystem::path& layout,
               const std::string& tag, long long epoch,
               const std::vector<std::pair<std::string, std::string>>& labels);

}  // namespace bootstrap
