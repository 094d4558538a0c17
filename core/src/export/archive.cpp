// The archive of an exported tree, and the OCI image around it, made by Debian's own tools:
// GNU tar for the archive (its --sort, --mtime and pax options make it the same bytes from the
// same tree), umoci for the image layout (it writes the blobs, digests and index that podman,
// Docker, skopeo and Kubernetes read).
#include <fmt/format.h>
#include <unistd.h>

#include <ctime>

#include "bootstrap/export.hpp"
#include "bootstrap/root_host.hpp"
#include "bootstrap/system_error.hpp"

namespace bootstrap {
namespace fs = std::filesystem;

namespace {

constexpr double kToolSeconds = 3600;  // a tree of gigabytes on a slow disk still gets there

void run_tool(const std::vector<std::string>& argv) {
  RootHost host("/");
  Command c;
  c.argv = argv;
  c.timeout_seconds = kToolSeconds;
  CommandResult r = host.run(c);
  if (!r.ok()) throw_command_failed(c, r);
}

bool have(const char* program) {
  for (const char* dir : {"/usr/bin/", "/usr/local/bin/", "/bin/"})
    if (::access((std::string(dir) + program).c_str(), X_OK) == 0) return true;
  return false;
}

}  // namespace

void write_tar(const fs::path& root, const fs::path& file, long long epoch) {
  run_tool({"tar", "--create", "--file=" + file.string(), "--directory=" + root.string(),
            "--format=pax", "--sort=name", "--numeric-owner", fmt::format("--mtime=@{}", epoch),
            // No atime or ctime records, and extended header names without tar's pid in them.
            "--pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime", "--xattrs",
            "--xattrs-include=*",
            // overlayfs's own marks (an opaque directory) mean nothing in one squashed root.
            "--xattrs-exclude=trusted.overlay.*", "--xattrs-exclude=user.overlay.*",
            "--one-file-system", "."});
}

void write_oci(const fs::path& tar, const fs::path& layout, const std::string& tag, long long epoch,
               const std::vector<std::pair<std::string, std::string>>& labels) {
  if (!have("umoci"))
    throw EnvironmentError(
        "--format oci needs umoci (Debian package umoci): apt-get install umoci");
  std::string image = layout.string() + ":" + tag;
  std::time_t t = static_cast<std::time_t>(epoch);
  std::tm utc{};
  ::gmtime_r(&t, &utc);
  char created[32];
  std::strftime(created, sizeof created, "%Y-%m-%dT%H:%M:%SZ", &utc);
  run_tool({"umoci", "init", "--layout", layout.string()});
  run_tool({"umoci", "new", "--image", image});
  run_tool({"umoci", "raw", "add-layer", "--no-history", "--image", image, tar.string()});
  std::vector<std::string> config = {
      "umoci",
      "config",
      "--no-history",
      "--image",
      image,
      "--created",
      created,
      "--author",
      "bootstrap export",
      "--config.env",
      "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
      "--config.cmd",
      "/bin/bash"};
  for (const auto& [key, value] : labels) {
    config.push_back("--config.label");
    config.push_back(key + "=" + value);
  }
  run_tool(config);
  // Each step above left the blobs of the image before it: only the last one's are the image.
  run_tool({"umoci", "gc", "--layout", layout.string()});
}

}  // namespace bootstrap
