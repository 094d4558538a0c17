// The packages two hosts have, from their dpkg status files, and how they differ.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <sstream>
#include <stdexcept>

#include "bootstrap/baseline.hpp"
#include "bootstrap/upgrade.hpp"

namespace bootstrap {

UpgradePair parse_upgrade_pair(const std::string& text) {
  auto dots = text.find("..");
  if (dots == std::string::npos)
    throw std::invalid_argument("'" + text + "' is not FROM..TO (e.g. bookworm..trixie)");
  UpgradePair p{text.substr(0, dots), text.substr(dots + 2)};
  const auto& known = known_releases();
  auto at = [&](const std::string& r) -> std::ptrdiff_t {
    auto it = std::find(known.begin(), known.end(), r);
    if (it == known.end())
      throw std::invalid_argument(
          "'" + text + "': unknown release '" + r +
          "' (known, oldest first: " + fmt::format("{}", fmt::join(known, ", ")) + ")");
    return it - known.begin();
  };
  if (at(p.from) >= at(p.to))
    throw std::invalid_argument("'" + text +
                                "': an upgrade goes from an older release to a newer "
                                "one (" +
                                p.to + " is not newer than " + p.from + ")");
  return p;
}

std::map<std::string, std::string> installed_packages(const std::string& status) {
  std::map<std::string, std::string> out;
  std::istringstream in(status);
  std::string line, name, arch, version, state;
  auto flush = [&] {
    if (!name.empty()) {
      std::string key = arch.empty() || arch == "all" || arch == "amd64" ? name : name + ":" + arch;
      if (state.find(" installed") != std::string::npos)
        out[key] = version;
      else if (state.find(" config-files") != std::string::npos)
        out[key] = version + " (config files only)";
    }
    name.clear();
    arch.clear();
    version.clear();
    state.clear();
  };
  while (std::getline(in, line)) {
    if (line.empty()) flush();
    auto field = [&](const char* key) {
      std::size_t n = std::char_traits<char>::length(key);
      return line.compare(0, n, key) == 0 ? line.substr(n) : std::string();
    };
    if (line.rfind("Package: ", 0) == 0) name = field("Package: ");
    if (line.rfind("Architecture: ", 0) == 0) arch = field("Architecture: ");
    if (line.rfind("Version: ", 0) == 0) version = field("Version: ");
    if (line.rfind("Status: ", 0) == 0) state = field("Status: ");
  }
  flush();
  return out;
}

std::vector<PackageDifference> package_differences(
    const std::map<std::string, std::string>& upgraded,
    const std::map<std::string, std::string>& fresh) {
  std::vector<PackageDifference> out;
  for (const auto& [name, version] : upgraded) {
    auto f = fresh.find(name);
    if (f == fresh.end())
      out.push_back({name, fmt::format("package {} {}: on the upgraded host only", name, version)});
    else if (f->second != version)
      out.push_back({name, fmt::format("package {}: {} on the upgraded host, {} on a fresh one",
                                       name, version, f->second)});
  }
  for (const auto& [name, version] : fresh)
    if (!upgraded.count(name))
      out.push_back({name, fmt::format("package {} {}: on a fresh host only", name, version)});
  std::sort(out.begin(), out.end(),
            [](const auto& a, const auto& b) { return a.package < b.package; });
  return out;
}

}  // namespace bootstrap
