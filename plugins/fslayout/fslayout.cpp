// fslayout: directories, files, symlinks, absent paths and groups, with owner, group and mode.
// Owners and groups are the target's (its /etc/passwd and /etc/group), never this machine's.
#include <charconv>
#include <iomanip>
#include <sstream>

#include "bootstrap/plugin.hpp"
#include "layout_config.hpp"

namespace fslayout {
using namespace bootstrap;

namespace {

std::string octal(unsigned mode) {
  std::ostringstream s;
  s << std::setw(4) << std::setfill('0') << std::oct << mode;
  return s.str();
}

std::string type_name(FileType t) {
  switch (t) {
    case FileType::Missing:
      return "missing";
    case FileType::Regular:
      return "a file";
    case FileType::Directory:
      return "a directory";
    case FileType::Symlink:
      return "a symlink";
    case FileType::Other:
      return "a special file";
  }
  return "?";
}

std::optional<std::uint32_t> numeric(const std::string& s) {
  std::uint32_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec == std::errc() && end == s.data() + s.size()) return v;
  return std::nullopt;
}

struct Ids {
  uid_t uid;
  gid_t gid;
};

Ids resolve(Host& host, const Ownership& own, const std::string& path) {
  Ids ids{};
  if (auto n = numeric(own.owner)) {
    ids.uid = *n;
  } else if (auto u = host.user(own.owner)) {
    ids.uid = u->id;
  } else {
    throw std::runtime_error(own.mark.str() + ": " + path + ": owner '" + own.owner +
                             "' is not a user in the target's /etc/passwd");
  }
  if (auto n = numeric(own.group)) {
    ids.gid = *n;
  } else if (auto g = host.group(own.group)) {
    ids.gid = g->id;
  } else {
    throw std::runtime_error(own.mark.str() + ": " + path + ": group '" + own.group +
                             "' is not a group in the target's /etc/group");
  }
  return ids;
}

// Owner/group/mode differences between what is there and what is wanted, as "mode 0755 -> 2775".
std::string metadata_diff(const FileStat& st, const Ids& ids, unsigned mode) {
  std::string d;
  auto add = [&](const std::string& s) { d += (d.empty() ? "" : ", ") + s; };
  if (st.uid != ids.uid) add("owner " + std::to_string(st.uid) + " -> " + std::to_string(ids.uid));
  if (st.gid != ids.gid) add("group " + std::to_string(st.gid) + " -> " + std::to_string(ids.gid));
  if (st.mode != mode) add("mode " + octal(st.mode) + " -> " + octal(mode));
  return d;
}

void converge_metadata(Host& host, const std::string& path, const FileStat& st, const Ids& ids,
                       unsigned mode, Outcome& out) {
  std::string diff = metadata_diff(st, ids, mode);
  if (diff.empty()) return;
  if (st.uid != ids.uid || st.gid != ids.gid) host.set_owner(path, ids.uid, ids.gid);
  host.set_mode(path, mode);  // after chown, which clears set-id bits
  out.push_back({ChangeKind::Modified, path, diff});
}

std::string parent_of(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == 0 ? "/" : path.substr(0, slash);
}

class Fslayout final : public Plugin {
 public:
  void configure(const StepConfig& step) override { config_ = parse_layout(step); }

  void apply(Host& host, Outcome& out) override {
    for (const GroupSpec& g : config_.groups) ensure_group(host, g, out);
    for (const AbsentSpec& a : config_.absent) {
      if (host.stat(a.path).type == FileType::Missing) continue;
      host.remove(a.path);
      out.push_back({ChangeKind::Removed, a.path, ""});
    }
    for (const DirectorySpec& d : config_.directories) {
      Ids ids = resolve(host, d.own, d.path);
      ensure_parents(host, d.path, out);
      FileStat st = host.stat(d.path);
      if (st.type == FileType::Missing) {
        host.make_dir(d.path, d.own.mode, ids.uid, ids.gid);
        out.push_back({ChangeKind::Created, d.path,
                       "directory " + octal(d.own.mode) + " " + d.own.owner + ":" + d.own.group});
      } else if (st.type != FileType::Directory) {
        throw std::runtime_error(
            d.own.mark.str() + ": " + d.path + " is " + type_name(st.type) +
            " in the target, not a directory; list it under 'absent' to replace it");
      } else {
        converge_metadata(host, d.path, st, ids, d.own.mode, out);
      }
    }
    for (const FileSpec& f : config_.files) {
      Ids ids = resolve(host, f.own, f.path);
      ensure_parents(host, f.path, out);
      FileStat st = host.stat(f.path);
      if (st.type == FileType::Missing) {
        host.write_file(f.path, f.content, f.own.mode, ids.uid, ids.gid);
        out.push_back({ChangeKind::Created, f.path,
                       "file " + octal(f.own.mode) + " " + f.own.owner + ":" + f.own.group + ", " +
                           std::to_string(f.content.size()) + " bytes"});
      } else if (st.type != FileType::Regular) {
        throw std::runtime_error(
            f.own.mark.str() + ": " + f.path + " is " + type_name(st.type) +
            " in the target, not a file; list it under 'absent' to replace it");
      } else if (host.read_file(f.path) != f.content) {
        host.write_file(f.path, f.content, f.own.mode, ids.uid, ids.gid);
        out.push_back({ChangeKind::Modified, f.path, "content"});
      } else {
        converge_metadata(host, f.path, st, ids, f.own.mode, out);
      }
    }
    for (const SymlinkSpec& l : config_.symlinks) {
      ensure_parents(host, l.path, out);
      FileStat st = host.stat(l.path);
      if (st.type == FileType::Missing) {
        host.make_symlink(l.path, l.target);
        out.push_back({ChangeKind::Created, l.path, "symlink -> " + l.target});
      } else if (st.type != FileType::Symlink) {
        throw std::runtime_error(
            l.mark.str() + ": " + l.path + " is " + type_name(st.type) +
            " in the target, not a symlink; list it under 'absent' to replace it");
      } else if (std::string old = host.read_link(l.path); old != l.target) {
        host.remove(l.path);
        host.make_symlink(l.path, l.target);
        out.push_back({ChangeKind::Modified, l.path, "symlink " + old + " -> " + l.target});
      }
    }
  }

  std::vector<Check> verify(Host& host) override {
    std::vector<Check> checks;
    for (const GroupSpec& g : config_.groups) {
      auto found = host.group(g.name);
      bool ok = found && (!g.gid || found->id == *g.gid);
      checks.push_back({"group " + g.name + " exists", ok,
                        found ? "gid " + std::to_string(found->id) : "not in /etc/group"});
    }
    for (const AbsentSpec& a : config_.absent) {
      FileStat st = host.stat(a.path);
      checks.push_back({a.path + " is absent", st.type == FileType::Missing,
                        st.type == FileType::Missing ? "" : "it is " + type_name(st.type)});
    }
    for (const DirectorySpec& d : config_.directories)
      checks.push_back(check_node(host, d.path, FileType::Directory, d.own, nullptr));
    for (const FileSpec& f : config_.files)
      checks.push_back(check_node(host, f.path, FileType::Regular, f.own, &f.content));
    for (const SymlinkSpec& l : config_.symlinks) {
      FileStat st = host.stat(l.path);
      std::string target = st.type == FileType::Symlink ? host.read_link(l.path) : "";
      bool ok = st.type == FileType::Symlink && target == l.target;
      checks.push_back({l.path + " -> " + l.target, ok,
                        ok                             ? ""
                        : st.type == FileType::Symlink ? "points to " + target
                                                       : "it is " + type_name(st.type)});
    }
    return checks;
  }

 private:
  Check check_node(Host& host, const std::string& path, FileType type, const Ownership& own,
                   const std::string* content) {
    Check c{
        path + " is " + type_name(type) + " " + octal(own.mode) + " " + own.owner + ":" + own.group,
        false, ""};
    FileStat st = host.stat(path);
    if (st.type != type) {
      c.detail = "it is " + type_name(st.type);
      return c;
    }
    Ids ids = resolve(host, own, path);
    std::string diff = metadata_diff(st, ids, own.mode);
    if (!diff.empty()) {
      c.detail = "would need " + diff;
      return c;
    }
    if (content != nullptr && host.read_file(path) != *content) {
      c.detail = "content differs";
      return c;
    }
    c.passed = true;
    return c;
  }

  void ensure_group(Host& host, const GroupSpec& g, Outcome& out) {
    auto text = host.read_file("/etc/group").value_or("");
    if (auto existing = host.group(g.name)) {
      if (g.gid && existing->id != *g.gid)
        throw std::runtime_error(g.mark.str() + ": group '" + g.name + "' exists with gid " +
                                 std::to_string(existing->id) + ", the baseline wants " +
                                 std::to_string(*g.gid));
      return;
    }
    std::vector<Account> groups = bootstrap::parse_group(text);
    Account a;
    a.name = g.name;
    if (g.gid) {
      for (const auto& other : groups)
        if (other.id == *g.gid)
          throw std::runtime_error(g.mark.str() + ": gid " + std::to_string(*g.gid) +
                                   " is taken by group '" + other.name + "'");
      a.id = *g.gid;
    } else {
      a.id = first_free(groups);
    }
    ensure_parents(host, "/etc/group", out);
    FileStat st = host.stat("/etc/group");
    unsigned mode = st.type == FileType::Regular ? st.mode : 0644;
    host.write_file("/etc/group", add_line(text, g.name + ":x:" + std::to_string(a.id) + ":"), mode,
                    st.uid, st.gid);
    if (auto shadow = host.read_file("/etc/gshadow")) {
      FileStat sst = host.stat("/etc/gshadow");
      host.write_file("/etc/gshadow", add_line(*shadow, g.name + ":!::"), sst.mode, sst.uid,
                      sst.gid);
    }
    out.push_back({ChangeKind::Created, "group " + g.name, "gid " + std::to_string(a.id)});
  }

  // Like groupadd: the lowest free gid from 1000 (SYS_GID_MAX + 1 on Debian).
  static std::uint32_t first_free(const std::vector<Account>& groups) {
    if (auto id = free_id(groups, 1000, 59999)) return *id;
    throw std::runtime_error("no free gid between 1000 and 59999");
  }

  static std::string add_line(std::string text, const std::string& line) {
    if (!text.empty() && text.back() != '\n') text += '\n';
    return text + line + '\n';
  }

  void ensure_parents(Host& host, const std::string& path, Outcome& out) {
    std::string parent = parent_of(path);
    if (parent == "/") return;
    FileStat st = host.stat(parent);
    if (st.type == FileType::Directory) return;
    if (st.type == FileType::Symlink) return;  // resolved inside the root when used
    if (st.type != FileType::Missing)
      throw std::runtime_error(parent + " is " + type_name(st.type) +
                               " in the target, not a directory");
    ensure_parents(host, parent, out);
    host.make_dir(parent, 0755, 0, 0);
    out.push_back({ChangeKind::Created, parent, "directory 0755 root:root (parent)"});
  }

  LayoutConfig config_;
};

}  // namespace
}  // namespace fslayout

BOOTSTRAP_PLUGIN(
    fslayout::Fslayout, "fslayout", "1.0.0",
    "directories, files, symlinks, absent paths and groups, with owner, group and mode")
