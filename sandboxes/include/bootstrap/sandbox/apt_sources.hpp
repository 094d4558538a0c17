// The machine's configured apt sources, read the way apt reads them (one-line .list files and
// deb822 .sources files), to pick the mirrors an image is built from: never a hard-coded URL.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace bootstrap::sandbox {

struct AptSource {
  std::vector<std::string> types;  // "deb", "deb-src"
  std::vector<std::string> uris;
  std::vector<std::string> suites;
  std::vector<std::string> components;
  std::string signed_by;  // a keyring path, "" when none (or an inline key)
  std::filesystem::path file;
};

struct DebianMirrors {
  std::string archive;  // serves the main Debian archive, e.g. http://deb.debian.org/debian
  std::string archive_signed_by;
  std::string security;  // serves <release>-security, "" when not configured
  std::string security_signed_by;
};

// All enabled entries of sources.list, sources.list.d/*.list and sources.list.d/*.sources
// under `apt_dir` (normally /etc/apt).
std::vector<AptSource> read_apt_sources(const std::filesystem::path& apt_dir = "/etc/apt");

// The entry serving Debian's main archive (a Debian release as suite, "main" among the
// components, not a security or third-party repository) and the security one.
// Throws EnvironmentError when the machine has none.
DebianMirrors find_debian_mirrors(const std::vector<AptSource>& sources);

}  // namespace bootstrap::sandbox
