#include "bootstrap/manifest.hpp"

#include <fmt/format.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <utility>

#include "bootstrap/digest.hpp"

namespace bootstrap {
namespace {

using Type = ManifestEntry::Type;

constexpr std::pair<Type, std::string_view> kTypeNames[] = {
    {Type::File, "file"},         {Type::Dir, "dir"},           {Type::Symlink, "symlink"},
    {Type::Whiteout, "whiteout"}, {Type::Fifo, "fifo"},         {Type::Socket, "socket"},
    {Type::CharDev, "chardev"},   {Type::BlockDev, "blockdev"},
};

Type type_from_string(std::string_view s) {
  for (auto [t, name] : kTypeNames) {
    if (name == s) return t;
  }
  throw std::invalid_argument("manifest: unknown entry type \"" + std::string(s) + "\"");
}

bool printable(std::string_view v) {
  if (v.starts_with("hex:")) return false;
  return std::all_of(v.begin(), v.end(), [](char c) { return c >= 0x20 && c < 0x7f; });
}

std::string to_hex(std::string_view v) {
  std::string out;
  out.reserve(v.size() * 2);
  for (unsigned char c : v) out += fmt::format("{:02x}", c);
  return out;
}

std::string from_hex(std::string_view h) {
  if (h.size() % 2 != 0) throw std::invalid_argument("manifest: odd-length hex xattr value");
  std::string out;
  for (std::size_t i = 0; i < h.size(); i += 2) {
    out += static_cast<char>(std::stoi(std::string(h.substr(i, 2)), nullptr, 16));
  }
  return out;
}

std::string encode_value(std::string_view v) {
  return printable(v) ? std::string(v) : "hex:" + to_hex(v);
}

std::string decode_value(std::string_view v) {
  return v.starts_with("hex:") ? from_hex(v.substr(4)) : std::string(v);
}

}  // namespace

std::string_view to_string(ManifestEntry::Type type) {
  for (auto [t, name] : kTypeNames) {
    if (t == type) return name;
  }
  return "unknown";
}

std::string short_digest(std::string_view digest) {
  // "xxh3-128:" + 12 hex digits is plenty to tell two contents apart in a message.
  auto colon = digest.find(':');
  std::size_t keep = (colon == std::string_view::npos ? 0 : colon + 1) + 12;
  if (digest.size() <= keep) return std::string(digest);
  return std::string(digest.substr(0, keep)) + "\u2026";
}

std::string describe(const ManifestEntry& e) {
  switch (e.type) {
    case Type::Whiteout:
      return "removed";
    case Type::Symlink:
      return "symlink -> " + e.link_target;
    case Type::File:
      return fmt::format("file {:04o} {}:{} {} bytes {}", e.mode, e.uid, e.gid, e.size,
                         short_digest(e.digest));
    case Type::Dir:
      return fmt::format("dir {:04o} {}:{}{}", e.mode, e.uid, e.gid, e.opaque ? " opaque" : "");
    case Type::CharDev:
    case Type::BlockDev:
      return fmt::format("{} {}:{} {:04o} {}:{}", to_string(e.type), major(e.rdev), minor(e.rdev),
                         e.mode, e.uid, e.gid);
    default:
      return fmt::format("{} {:04o} {}:{}", to_string(e.type), e.mode, e.uid, e.gid);
  }
}

Manifest::Manifest(std::vector<ManifestEntry> entries) : entries_(std::move(entries)) {
  auto not_increasing = [](const ManifestEntry& a, const ManifestEntry& b) {
    return !(a.path < b.path);
  };
  // Entries that come sorted (build_manifest sorts them as it collects them) are only checked.
  if (std::adjacent_find(entries_.begin(), entries_.end(), not_increasing) == entries_.end())
    return;
  std::sort(entries_.begin(), entries_.end(),
            [](const ManifestEntry& a, const ManifestEntry& b) { return a.path < b.path; });
  auto dup = std::adjacent_find(entries_.begin(), entries_.end(),
                                [](const auto& a, const auto& b) { return a.path == b.path; });
  if (dup != entries_.end()) throw std::invalid_argument("manifest: duplicate path " + dup->path);
}

const ManifestEntry* Manifest::find(std::string_view path) const {
  auto it = std::lower_bound(entries_.begin(), entries_.end(), path,
                             [](const ManifestEntry& e, std::string_view p) { return e.path < p; });
  return it != entries_.end() && it->path == path ? &*it : nullptr;
}

std::string Manifest::digest(bool include_mtime) const {
  Hasher h;
  h.update_field("bootstrap-manifest-v1");
  h.update_u64(entries_.size());
  constexpr std::size_t kAhead = 4;  // the strings' bytes are elsewhere on the heap: fetch early
  for (std::size_t i = 0; i < entries_.size(); ++i) {
    if (i + kAhead < entries_.size()) {
      const ManifestEntry& next = entries_[i + kAhead];
      __builtin_prefetch(next.path.data());
      __builtin_prefetch(next.digest.data());
    }
    const ManifestEntry& e = entries_[i];
    h.update_field(e.path);
    h.update_field(to_string(e.type));
    h.update_u64(e.mode);
    h.update_u64(e.uid);
    h.update_u64(e.gid);
    h.update_u64(e.size);
    h.update_field(e.digest);
    h.update_field(e.link_target);
    h.update_u64(e.xattrs.size());
    for (const auto& [k, v] : e.xattrs) {
      h.update_field(k);
      h.update_field(v);
    }
    h.update_u64(e.opaque ? 1 : 0);
    h.update_u64(e.rdev);
    if (include_mtime) h.update_u64(static_cast<std::uint64_t>(e.mtime_ns));
  }
  return h.finish().text();
}

nlohmann::json entry_to_json(const ManifestEntry& e) {
  nlohmann::json j;
  j["path"] = e.path;
  j["type"] = to_string(e.type);
  if (e.type != Type::Whiteout) {
    j["mode"] = fmt::format("{:04o}", e.mode);
    j["uid"] = e.uid;
    j["gid"] = e.gid;
  }
  if (e.type == Type::File || e.type == Type::Symlink) j["size"] = e.size;
  if (!e.digest.empty()) j["digest"] = e.digest;
  if (e.type == Type::Symlink) j["target"] = e.link_target;
  if (!e.xattrs.empty()) {
    auto x = nlohmann::json::object();
    for (const auto& [k, v] : e.xattrs) x[k] = encode_value(v);
    j["xattrs"] = std::move(x);
  }
  if (e.opaque) j["opaque"] = true;
  if (e.type == Type::CharDev || e.type == Type::BlockDev) {
    j["rdev"] = {major(e.rdev), minor(e.rdev)};
  }
  if (e.mtime_ns != 0) j["mtime_ns"] = e.mtime_ns;
  return j;
}

namespace {

// An integer field that fits T, or `fallback` when absent. nlohmann's own conversion turns
// 4e44 into a uid by undefined behaviour; a manifest from a restored cache is refused instead.
template <typename T>
T integer_field(const nlohmann::json& x, const char* name, T fallback) {
  auto it = x.find(name);
  if (it == x.end()) return fallback;
  bool fits = it->is_number_unsigned()  ? std::in_range<T>(it->get<std::uint64_t>())
              : it->is_number_integer() ? std::in_range<T>(it->get<std::int64_t>())
                                        : false;
  if (!fits)
    throw std::invalid_argument(std::string("manifest: ") + name +
                                " is not an integer in range: " + it->dump());
  return it->is_number_unsigned() ? static_cast<T>(it->get<std::uint64_t>())
                                  : static_cast<T>(it->get<std::int64_t>());
}

unsigned mode_field(const nlohmann::json& x) {
  std::string text = x.value("mode", std::string("0"));
  std::size_t end = 0;
  unsigned long mode = std::stoul(text, &end, 8);
  if (end != text.size() || mode > 07777) throw std::invalid_argument("manifest: bad mode " + text);
  return static_cast<unsigned>(mode);
}

}  // namespace

ManifestEntry entry_from_json(const nlohmann::json& x) {
  ManifestEntry e;
  e.path = x.at("path").get<std::string>();
  if (!e.path.starts_with('/')) throw std::invalid_argument("manifest: relative path " + e.path);
  e.type = type_from_string(x.at("type").get<std::string>());
  e.mode = mode_field(x);
  e.uid = integer_field(x, "uid", uid_t{0});
  e.gid = integer_field(x, "gid", gid_t{0});
  e.size = integer_field(x, "size", std::uint64_t{0});
  e.digest = x.value("digest", std::string());
  e.link_target = x.value("target", std::string());
  if (auto it = x.find("xattrs"); it != x.end()) {
    for (const auto& [k, v] : it->items())
      e.xattrs.emplace_back(k, decode_value(v.get<std::string>()));
    std::sort(e.xattrs.begin(), e.xattrs.end());
  }
  e.opaque = x.value("opaque", false);
  if (auto it = x.find("rdev"); it != x.end()) {
    if (!it->is_array() || it->size() != 2)
      throw std::invalid_argument("manifest: rdev is not [major, minor]");
    nlohmann::json parts = {{"major", it->at(0)}, {"minor", it->at(1)}};
    e.rdev = makedev(integer_field(parts, "major", 0u), integer_field(parts, "minor", 0u));
  }
  e.mtime_ns = integer_field(x, "mtime_ns", std::int64_t{0});
  return e;
}

nlohmann::json Manifest::to_json() const {
  auto list = nlohmann::json::array();
  for (const auto& e : entries_) list.push_back(entry_to_json(e));
  return {{"schema_version", 1}, {"algorithm", kDigestAlgorithm}, {"entries", std::move(list)}};
}

Manifest Manifest::from_json(const nlohmann::json& j) {
  if (!j.is_object() || j.value("schema_version", nlohmann::json()) != 1) {
    throw std::invalid_argument("manifest: unsupported schema_version " +
                                j.value("schema_version", nlohmann::json()).dump());
  }
  if (j.value("algorithm", std::string()) != kDigestAlgorithm) {
    throw std::invalid_argument("manifest: unsupported digest algorithm " +
                                j.value("algorithm", nlohmann::json()).dump());
  }
  std::vector<ManifestEntry> entries;
  for (const auto& x : j.at("entries")) entries.push_back(entry_from_json(x));
  return Manifest(std::move(entries));
}

ManifestSummary summarize(const Manifest& manifest) {
  ManifestSummary s;
  for (const auto& e : manifest.entries()) {
    switch (e.type) {
      case Type::File:
        ++s.files;
        s.file_bytes += e.size;
        break;
      case Type::Dir:
        ++s.dirs;
        if (e.opaque) ++s.opaque_dirs;
        break;
      case Type::Symlink:
        ++s.symlinks;
        break;
      case Type::Whiteout:
        ++s.whiteouts;
        break;
      default:
        ++s.others;
        break;
    }
  }
  return s;
}

std::string_view to_string(PathChange::Kind kind) {
  switch (kind) {
    case PathChange::Kind::Created:
      return "created";
    case PathChange::Kind::Modified:
      return "modified";
    case PathChange::Kind::Removed:
      return "removed";
  }
  return "unknown";
}

std::vector<PathChange> list_changes(const Manifest& upper,
                                     const std::vector<std::filesystem::path>& lower_dirs) {
  std::vector<PathChange> out;
  for (const auto& e : upper.entries()) {
    if (e.type == Type::Whiteout) {
      out.push_back({PathChange::Kind::Removed, &e});
      continue;
    }
    // The topmost lower layer that has the path decides; a whiteout there means "absent".
    bool below = false;
    struct stat st {};
    for (const auto& lower : lower_dirs) {
      std::string p = lower.string() + e.path;
      if (::lstat(p.c_str(), &st) != 0) continue;
      below = !(S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0));
      break;
    }
    if (!below) {
      out.push_back({PathChange::Kind::Created, &e});
    } else if (e.type == Type::Dir && S_ISDIR(st.st_mode) && !e.opaque &&
               (st.st_mode & 07777) == e.mode && st.st_uid == e.uid && st.st_gid == e.gid) {
      continue;  // only a copied-up parent of something written below it
    } else {
      out.push_back({PathChange::Kind::Modified, &e});
    }
  }
  return out;
}

}  // namespace bootstrap
