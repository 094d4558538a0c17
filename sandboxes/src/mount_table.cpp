#include "bootstrap/sandbox/mount_table.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

namespace bootstrap::sandbox {
namespace fs = std::filesystem;

namespace {

// Filesystems that are the kernel's or a runtime's, never a host's files.
const std::set<std::string> kNotFiles = {
    "proc",     "sysfs",    "cgroup",     "cgroup2",    "devpts",      "devtmpfs",
    "mqueue",   "debugfs",  "tracefs",    "securityfs", "pstore",      "bpf",
    "configfs", "fusectl",  "hugetlbfs",  "autofs",     "binfmt_misc", "nsfs",
    "overlay",  "efivarfs", "rpc_pipefs", "nfsd",       "selinuxfs"};

// What every sandbox mounts itself.
const char* const kOwnMounts[] = {"/proc", "/sys", "/dev", "/run", "/tmp"};

std::string unescape(const std::string& s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 3 < s.size()) {
      std::string oct = s.substr(i + 1, 3);
      if (oct.size() == 3 &&
          std::all_of(oct.begin(), oct.end(), [](char c) { return c >= '0' && c <= '7'; })) {
        out += static_cast<char>(std::stoi(oct, nullptr, 8));
        i += 3;
        continue;
      }
    }
    out += s[i];
  }
  return out;
}

bool at_or_under(const std::string& path, const std::string& dir) {
  if (dir == "/") return true;
  return path == dir || path.starts_with(dir + "/");
}

// `mount_point` relative to `root` as "/x/y", or "" when it is not strictly inside it.
std::string inside_root(const std::string& mount_point, const std::string& root) {
  if (root == "/") return mount_point == "/" ? "" : mount_point;
  if (!mount_point.starts_with(root + "/")) return "";
  return mount_point.substr(root.size());
}

bool is_directory(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

}  // namespace

std::string MountPoint::describe() const { return path + " (" + fstype + " from " + source + ")"; }

MountInfoLine parse_mountinfo_line(const std::string& line) {
  // id parent major:minor root mount-point options [optional...] - fstype source super-options
  std::istringstream in(line);
  std::vector<std::string> fields;
  for (std::string f; in >> f;) fields.push_back(f);
  auto dash = std::find(fields.begin(), fields.end(), "-");
  if (fields.size() < 5 || std::distance(dash, fields.end()) < 3) return {};
  return {unescape(fields[4]), *(dash + 1), unescape(*(dash + 2))};
}

std::vector<MountPoint> mounts_under(const fs::path& root_dir, const std::vector<fs::path>& skip) {
  std::string root = root_dir.lexically_normal().string();
  if (root.size() > 1 && root.back() == '/') root.pop_back();
  std::ifstream in("/proc/self/mountinfo");
  std::vector<MountPoint> found;  // in mount order: a later one at the same path is on top
  for (std::string line; std::getline(in, line);) {
    MountInfoLine m = parse_mountinfo_line(line);
    std::string path = inside_root(m.mount_point, root);
    if (path.empty() || kNotFiles.count(m.fstype)) continue;
    bool own = std::any_of(std::begin(kOwnMounts), std::end(kOwnMounts),
                           [&](const char* d) { return at_or_under(path, d); });
    bool skipped = std::any_of(skip.begin(), skip.end(), [&](const fs::path& s) {
      return at_or_under(m.mount_point, s.lexically_normal().string());
    });
    if (own || skipped || !is_directory(m.mount_point)) continue;
    std::erase_if(found, [&](const MountPoint& p) { return at_or_under(p.path, path); });
    found.push_back({path, m.fstype, m.source});
  }
  std::sort(found.begin(), found.end(),
            [](const MountPoint& a, const MountPoint& b) { return a.path < b.path; });
  return found;
}

}  // namespace bootstrap::sandbox
