#include "converge.hpp"

#include <cstdio>
#include <stdexcept>

namespace pluginkit {
using bootstrap::ChangeKind;
using bootstrap::FileStat;
using bootstrap::FileType;
using bootstrap::Host;
using bootstrap::Outcome;

namespace {

std::string type_name(FileType t) {
  switch (t) {
    case FileType::Regular:
      return "a file";
    case FileType::Directory:
      return "a directory";
    case FileType::Symlink:
      return "a symlink";
    case FileType::Missing:
      return "missing";
    default:
      return "a special file";
  }
}

void converge_metadata(Host& host, const std::string& path, const FileStat& st, unsigned mode,
                       Owner owner, Outcome& out) {
  std::string diff;
  auto add = [&](const std::string& s) { diff += (diff.empty() ? "" : ", ") + s; };
  if (st.uid != owner.uid)
    add("owner " + std::to_string(st.uid) + " -> " + std::to_string(owner.uid));
  if (st.gid != owner.gid)
    add("group " + std::to_string(st.gid) + " -> " + std::to_string(owner.gid));
  if (st.mode != mode) add("mode " + octal(st.mode) + " -> " + octal(mode));
  if (diff.empty()) return;
  if (st.uid != owner.uid || st.gid != owner.gid) host.set_owner(path, owner.uid, owner.gid);
  host.set_mode(path, mode);  // after chown, which clears set-id bits
  out.push_back({ChangeKind::Modified, path, diff});
}

[[noreturn]] void wrong_type(const std::string& path, FileType found, const char* wanted) {
  throw std::runtime_error(
      path + " is " + type_name(found) + " in the target, not " + wanted +
      "; bootstrap will not replace it (remove it, or list it under fslayout's 'absent')");
}

}  // namespace

std::string octal(unsigned mode) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", mode);
  return buf;
}

void ensure_dir(Host& host, const std::string& path, unsigned mode, Owner owner, Outcome& out) {
  FileStat st = host.stat(path);
  if (st.type == FileType::Missing) {
    host.make_dir(path, mode, owner.uid, owner.gid);
    out.push_back({ChangeKind::Created, path, "directory " + octal(mode)});
    return;
  }
  if (st.type != FileType::Directory) wrong_type(path, st.type, "a directory");
  converge_metadata(host, path, st, mode, owner, out);
}

void ensure_file(Host& host, const std::string& path, const std::string& content, unsigned mode,
                 Owner owner, Outcome& out) {
  FileStat st = host.stat(path);
  if (st.type == FileType::Missing) {
    host.write_file(path, content, mode, owner.uid, owner.gid);
    out.push_back({ChangeKind::Created, path,
                   "file " + octal(mode) + ", " + std::to_string(content.size()) + " bytes"});
    return;
  }
  if (st.type != FileType::Regular) wrong_type(path, st.type, "a file");
  if (host.read_file(path) != content) {
    host.write_file(path, content, mode, owner.uid, owner.gid);
    out.push_back({ChangeKind::Modified, path, "content"});
    return;
  }
  converge_metadata(host, path, st, mode, owner, out);
}

void ensure_link(Host& host, const std::string& path, const std::string& target, Outcome& out) {
  FileStat st = host.stat(path);
  if (st.type == FileType::Missing) {
    host.make_symlink(path, target);
    out.push_back({ChangeKind::Created, path, "symlink -> " + target});
    return;
  }
  if (st.type != FileType::Symlink) wrong_type(path, st.type, "a symlink");
  if (std::string old = host.read_link(path); old != target) {
    host.remove(path);
    host.make_symlink(path, target);
    out.push_back({ChangeKind::Modified, path, "symlink " + old + " -> " + target});
  }
}

void ensure_absent(Host& host, const std::string& path, const std::string& why, Outcome& out) {
  if (host.stat(path).type == FileType::Missing) return;
  host.remove(path);
  out.push_back({ChangeKind::Removed, path, why});
}

}  // namespace pluginkit
