// Images: read-only root trees a sandbox starts from.
//   host            this machine's live root, read-only
//   debian:<rel>    bullseye, bookworm, trixie, built by mmdebstrap from the machine's apt sources
//   dir:PATH        a root tree of the user's (an export, an unpacked OCI image), read-only
#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "bootstrap/sandbox/mount_table.hpp"
#include "bootstrap/sandbox/sandbox.hpp"

namespace bootstrap::sandbox {

struct Image {
  std::string name;              // "debian:trixie", "host"
  std::string release;           // "trixie"; for host, read from /etc/os-release
  std::filesystem::path root;    // the tree to use as the lowest layer
  std::string digest;            // identifies the content (changes when rebuilt)
  std::uint64_t size_bytes = 0;  // 0 for host
  std::string built_at;          // ISO 8601, "" for host
  // Filesystems of their own under root (a host's /srv, /var): each its own lower.
  std::vector<MountPoint> submounts;
};

// The image's submounts for a sandbox whose changes to them vanish with it (run, shell, checks).
std::vector<Submount> submounts_of(const Image& image);

using Progress = std::function<void(const std::string& line)>;

class ImageStore {
 public:
  explicit ImageStore(std::filesystem::path cache_root);
  // Returns the image, building debian:<release> first when it is not cached (under a file
  // lock, so concurrent callers build it once). Throws with a clear message for an unknown name.
  Image get(const std::string& name, const Progress& progress = {});
  Image build(const std::string& name, bool rebuild, const Progress& progress = {});
  std::vector<Image> list() const;
  bool remove(const std::string& name);
  const std::filesystem::path& cache_root() const { return root_; }

 private:
  std::filesystem::path root_;
};

// A directory tree standing for a host (apply --for-real --root DIR; "/" is `host`) as an
// image: its release from its os-release, a digest of its os-release and dpkg status, the
// filesystems mounted under it.
Image root_image(const std::filesystem::path& root, const std::string& name);

// The default cache root: /var/cache/bootstrap as root, $XDG_CACHE_HOME/bootstrap otherwise.
std::filesystem::path default_cache_root();

}  // namespace bootstrap::sandbox
