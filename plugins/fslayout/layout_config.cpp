#include "layout_config.hpp"

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

namespace fslayout {
using bootstrap::ConfigError;
using bootstrap::Fields;
using bootstrap::Value;

namespace {

constexpr std::size_t kMaxFileBytes = 16u << 20;

bool valid_account_name(const std::string& name) {
  if (name.empty() || name.size() > 32) return false;
  for (char c : name)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.'))
      return false;
  return name.front() != '-';
}

Ownership parse_ownership(Fields& f, unsigned default_mode, const Value& where) {
  Ownership own;
  own.mode = default_mode;
  own.mark = where.mark();
  if (const Value* v = f.optional("owner")) {
    own.owner = v->as_string("'owner'");
    if (!valid_account_name(own.owner))
      throw v->error("'owner' is not a valid user name: '" + own.owner + "'");
  }
  if (const Value* v = f.optional("group")) {
    own.group = v->as_string("'group'");
    if (!valid_account_name(own.group))
      throw v->error("'group' is not a valid group name: '" + own.group + "'");
  }
  if (const Value* v = f.optional("mode")) own.mode = bootstrap::parse_mode(*v, "'mode'");
  return own;
}

}  // namespace

LayoutConfig parse_layout(const bootstrap::StepConfig& step) {
  LayoutConfig out;
  const Value& root = step.config;
  if (root.is_null())
    throw root.error(
        "fslayout needs a mapping with directories, files, symlinks, absent or groups");
  Fields top(root, "fslayout");
  std::map<std::string, bootstrap::SourceMark> seen;
  auto claim = [&](const std::string& path, const Value& where) {
    auto [it, inserted] = seen.emplace(path, where.mark());
    if (!inserted)
      throw where.error("path '" + path + "' is already declared at " + it->second.str());
  };

  if (const Value* groups = top.optional("groups")) {
    for (const Value& g : groups->as_list("'groups'")) {
      Fields f(g, "a group");
      GroupSpec spec;
      spec.mark = g.mark();
      const Value& name = f.required("name");
      spec.name = name.as_string("'name'");
      if (!valid_account_name(spec.name))
        throw name.error("not a valid group name: '" + spec.name + "'");
      if (const Value* gid = f.optional("gid")) {
        auto n = gid->as_int("'gid'");
        if (n < 0 || n > 65533) throw gid->error("'gid' must be between 0 and 65533");
        spec.gid = static_cast<std::uint32_t>(n);
      }
      f.finish();
      out.groups.push_back(spec);
    }
  }
  if (const Value* dirs = top.optional("directories")) {
    for (const Value& d : dirs->as_list("'directories'")) {
      Fields f(d, "a directory");
      DirectorySpec spec;
      const Value& path = f.required("path");
      spec.path = bootstrap::parse_absolute_path(path, "'path'");
      if (spec.path == "/") throw path.error("'/' cannot be managed by fslayout");
      claim(spec.path, path);
      spec.own = parse_ownership(f, 0755, d);
      f.finish();
      out.directories.push_back(spec);
    }
  }
  if (const Value* files = top.optional("files")) {
    for (const Value& d : files->as_list("'files'")) {
      Fields f(d, "a file");
      FileSpec spec;
      const Value& path = f.required("path");
      spec.path = bootstrap::parse_absolute_path(path, "'path'");
      if (spec.path == "/") throw path.error("'/' is not a file");
      claim(spec.path, path);
      const Value* content = f.optional("content");
      const Value* source = f.optional("source");
      if ((content != nullptr) == (source != nullptr))
        throw d.error(
            "a file needs exactly one of 'content' (inline text) or 'source' (a file next to the "
            "baseline)");
      spec.content = content != nullptr
                         ? content->as_string("'content'")
                         : bootstrap::read_baseline_file(step, *source, "'source'", kMaxFileBytes);
      spec.own = parse_ownership(f, 0644, d);
      f.finish();
      out.files.push_back(spec);
    }
  }
  if (const Value* links = top.optional("symlinks")) {
    for (const Value& d : links->as_list("'symlinks'")) {
      Fields f(d, "a symlink");
      SymlinkSpec spec;
      spec.mark = d.mark();
      const Value& path = f.required("path");
      spec.path = bootstrap::parse_absolute_path(path, "'path'");
      if (spec.path == "/") throw path.error("'/' cannot be a symlink");
      claim(spec.path, path);
      const Value& target = f.required("target");
      spec.target = target.as_string("'target'");
      if (spec.target.empty()) throw target.error("'target' must not be empty");
      if (std::size_t at = bootstrap::first_control_character(spec.target); at != std::string::npos)
        throw target.error("'target' must not hold control characters (" +
                           bootstrap::describe_control_character(spec.target, at) + ")");
      f.finish();
      out.symlinks.push_back(spec);
    }
  }
  if (const Value* absent = top.optional("absent")) {
    for (const Value& a : absent->as_list("'absent'")) {
      AbsentSpec spec;
      spec.mark = a.mark();
      spec.path = bootstrap::parse_absolute_path(a, "an 'absent' path");
      if (spec.path == "/") throw a.error("'/' cannot be absent");
      claim(spec.path, a);
      out.absent.push_back(spec);
    }
  }
  top.finish();
  if (out.groups.empty() && out.directories.empty() && out.files.empty() && out.symlinks.empty() &&
      out.absent.empty())
    throw root.error(
        "fslayout declares nothing: give directories, files, symlinks, absent or groups");
  return out;
}

}  // namespace fslayout
