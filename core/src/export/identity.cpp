// What makes a tree one particular host, removed before the tree becomes an image for many:
// each new machine must make its own machine-id and SSH host keys, and nothing of the machine
// that built the image (its name, its resolver) may be left. Every change removes a file or
// writes a new one (RootHost writes a temporary and renames it): a file of the tree may be a
// hard link into the layer cache, which must never change.
#include <fmt/format.h>

#include "bootstrap/export.hpp"
#include "bootstrap/root_host.hpp"

namespace bootstrap {
namespace fs = std::filesystem;

namespace {

constexpr const char* kKeysUnit = "bootstrap-ssh-host-keys.service";

// Made by export when it removed the image's SSH host keys: ssh.service wants it, and it runs
// first, once, on a host that has none.
constexpr const char* kKeysUnitText =
    "# Written by 'bootstrap export': the image's SSH host keys were removed, so that no two\n"
    "# hosts made from it share them. This makes the host's own before sshd first starts.\n"
    "[Unit]\n"
    "Description=Make this host's SSH host keys\n"
    "Before=ssh.service\n"
    "ConditionPathExistsGlob=!/etc/ssh/ssh_host_*_key\n"
    "\n"
    "[Service]\n"
    "Type=oneshot\n"
    "ExecStart=/usr/bin/ssh-keygen -A\n"
    "\n"
    "[Install]\n"
    "WantedBy=ssh.service\n";

bool is(RootHost& host, const std::string& path, FileType type) {
  return host.stat(path).type == type;
}

void ensure_dir(RootHost& host, const std::string& path) {
  if (host.stat(path).type == FileType::Missing) host.make_dir(path, 0755, 0, 0);
}

// The host keys sshd would use, /etc/ssh/ssh_host_*: removed.
std::vector<std::string> remove_ssh_host_keys(RootHost& host) {
  std::vector<std::string> removed;
  if (!is(host, "/etc/ssh", FileType::Directory)) return removed;
  for (const auto& name : host.list_dir("/etc/ssh")) {
    if (name.rfind("ssh_host_", 0) != 0) continue;
    host.remove("/etc/ssh/" + name);
    removed.push_back("/etc/ssh/" + name);
  }
  return removed;
}

// Every path under `root` that `per_host` matches (a matched directory goes whole).
std::vector<std::string> per_host_paths(const fs::path& root, const IgnoreRules& per_host) {
  std::vector<std::string> found;
  for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator();
       ++it) {
    std::string path = "/" + it->path().lexically_relative(root).string();
    if (!per_host.matches(path)) continue;
    found.push_back(path);
    it.disable_recursion_pending();
  }
  return found;
}

}  // namespace

std::vector<std::string> remove_host_identity(const fs::path& root, const IgnoreRules& per_host) {
  RootHost host(root);
  std::vector<std::string> done;
  // systemd makes a machine-id at boot when the file is empty (machine-id(5)); without systemd
  // there is none to make.
  if (!is(host, "/etc/machine-id", FileType::Missing) ||
      !is(host, "/lib/systemd/systemd", FileType::Missing)) {
    if (!is(host, "/etc/machine-id", FileType::Missing)) host.remove("/etc/machine-id");
    host.write_file("/etc/machine-id", "", 0444, 0, 0);
    done.push_back("/etc/machine-id emptied: systemd makes the host's own at first boot");
  }
  if (is(host, "/var/lib/dbus/machine-id", FileType::Regular)) {
    host.remove("/var/lib/dbus/machine-id");
    done.push_back("/var/lib/dbus/machine-id removed: dbus makes the host's own when it starts");
  }
  std::vector<std::string> keys = remove_ssh_host_keys(host);
  if (!keys.empty()) {
    std::string line = fmt::format("{} SSH host key file(s) removed", keys.size());
    if (is(host, "/usr/bin/ssh-keygen", FileType::Regular)) {
      ensure_dir(host, "/etc/systemd");
      ensure_dir(host, "/etc/systemd/system");
      ensure_dir(host, "/etc/systemd/system/ssh.service.wants");
      host.write_file(std::string("/etc/systemd/system/") + kKeysUnit, kKeysUnitText, 0644, 0, 0);
      std::string wants = std::string("/etc/systemd/system/ssh.service.wants/") + kKeysUnit;
      if (!is(host, wants, FileType::Missing)) host.remove(wants);
      host.make_symlink(wants, std::string("../") + kKeysUnit);
      line += std::string(": ") + kKeysUnit + " makes the host's own before sshd starts";
    }
    done.push_back(line);
  }
  std::vector<std::string> declared = per_host_paths(root, per_host);
  for (const auto& p : declared) host.remove(p);
  if (!declared.empty())
    done.push_back(
        fmt::format("{} path(s) the steps declare a host's own removed", declared.size()));
  for (const char* p : {"/etc/hostname", "/etc/resolv.conf"}) {
    if (is(host, p, FileType::Missing)) continue;
    host.remove(p);
    done.push_back(std::string(p) +
                   " removed (the build machine's): the host or its runtime "
                   "provides its own");
  }
  return done;
}

}  // namespace bootstrap
