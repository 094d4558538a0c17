#include <fmt/format.h>
#include <sys/sysmacros.h>

#include <algorithm>

#include "bootstrap/manifest.hpp"

namespace bootstrap {
namespace {

using Type = ManifestEntry::Type;

struct Collector {
  Difference d;
  std::vector<std::string> a_vals, b_vals;

  void add(std::string field, std::string a, std::string b) {
    d.fields.push_back(std::move(field));
    a_vals.push_back(std::move(a));
    b_vals.push_back(std::move(b));
  }
};

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) {
    if (!out.empty()) out += ", ";
    out += s;
  }
  return out;
}

std::string shown_value(const std::string* v) {
  if (v == nullptr) return "absent";
  bool text = std::all_of(v->begin(), v->end(), [](char c) { return c >= 0x20 && c < 0x7f; });
  if (text && v->size() <= 40) return "\"" + *v + "\"";
  return fmt::format("{} bytes", v->size());
}

const std::string* xattr(const ManifestEntry& e, const std::string& name) {
  for (const auto& [k, v] : e.xattrs) {
    if (k == name) return &v;
  }
  return nullptr;
}

void compare_entries(const ManifestEntry& a, const ManifestEntry& b, bool strict, Collector& c) {
  if (a.type != b.type) {
    c.add("type", describe(a), describe(b));
    return;  // the other fields mean different things
  }
  if (a.digest != b.digest) c.add("content", short_digest(a.digest), short_digest(b.digest));
  if (a.size != b.size && a.type == Type::File) {
    c.add("size", fmt::format("{} bytes", a.size), fmt::format("{} bytes", b.size));
  }
  if (a.link_target != b.link_target) c.add("link_target", a.link_target, b.link_target);
  if (a.mode != b.mode) c.add("mode", fmt::format("{:04o}", a.mode), fmt::format("{:04o}", b.mode));
  if (a.uid != b.uid) c.add("uid", fmt::format("uid {}", a.uid), fmt::format("uid {}", b.uid));
  if (a.gid != b.gid) c.add("gid", fmt::format("gid {}", a.gid), fmt::format("gid {}", b.gid));
  if (a.xattrs != b.xattrs) {
    // Merge the two sorted lists, naming each xattr that differs.
    std::size_t i = 0, j = 0;
    while (i < a.xattrs.size() || j < b.xattrs.size()) {
      std::string name;
      if (j == b.xattrs.size() || (i < a.xattrs.size() && a.xattrs[i].first < b.xattrs[j].first)) {
        name = a.xattrs[i++].first;
      } else if (i == a.xattrs.size() || b.xattrs[j].first < a.xattrs[i].first) {
        name = b.xattrs[j++].first;
      } else {
        bool same = a.xattrs[i].second == b.xattrs[j].second;
        name = a.xattrs[i].first;
        ++i;
        ++j;
        if (same) continue;
      }
      c.add("xattr " + name, shown_value(xattr(a, name)), shown_value(xattr(b, name)));
    }
  }
  if (a.opaque != b.opaque) {
    c.add("opaque", a.opaque ? "opaque" : "not opaque", b.opaque ? "opaque" : "not opaque");
  }
  if (a.rdev != b.rdev) {
    c.add("rdev", fmt::format("{}:{}", major(a.rdev), minor(a.rdev)),
          fmt::format("{}:{}", major(b.rdev), minor(b.rdev)));
  }
  if (strict && a.mtime_ns != b.mtime_ns) {
    c.add("mtime", fmt::format("mtime {}", a.mtime_ns), fmt::format("mtime {}", b.mtime_ns));
  }
}

}  // namespace

std::vector<Difference> compare(const Manifest& a, const Manifest& b, const IgnoreRules& ignore,
                                bool strict_times) {
  std::vector<Difference> out;
  const auto& ea = a.entries();
  const auto& eb = b.entries();
  std::size_t i = 0, j = 0;
  while (i < ea.size() || j < eb.size()) {
    Difference d;
    if (j == eb.size() || (i < ea.size() && ea[i].path < eb[j].path)) {
      const auto& e = ea[i++];
      if (ignore.matches(e.path)) continue;
      d.path = e.path;
      d.kind = Difference::Kind::OnlyInA;
      d.a_summary = describe(e);
    } else if (i == ea.size() || eb[j].path < ea[i].path) {
      const auto& e = eb[j++];
      if (ignore.matches(e.path)) continue;
      d.path = e.path;
      d.kind = Difference::Kind::OnlyInB;
      d.b_summary = describe(e);
    } else {
      const auto& x = ea[i++];
      const auto& y = eb[j++];
      if (x == y || ignore.matches(x.path)) continue;
      Collector c;
      compare_entries(x, y, strict_times, c);
      if (c.d.fields.empty()) continue;  // only mtimes differ, and they are not compared
      d = std::move(c.d);
      d.path = x.path;
      d.kind = Difference::Kind::Differs;
      d.a_summary = join(c.a_vals);
      d.b_summary = join(c.b_vals);
    }
    out.push_back(std::move(d));
  }
  return out;
}

std::string Difference::to_string(std::string_view a_name, std::string_view b_name) const {
  switch (kind) {
    case Kind::OnlyInA:
      return fmt::format("{}: only in {} ({})", path, a_name, a_summary);
    case Kind::OnlyInB:
      return fmt::format("{}: only in {} ({})", path, b_name, b_summary);
    case Kind::Differs:
      break;
  }
  return fmt::format("{}: {} differ{} ({} vs {})", path, join(fields),
                     fields.size() == 1 ? "s" : "", a_summary, b_summary);
}

}  // namespace bootstrap
