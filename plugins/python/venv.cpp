#include "venv.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "host_tools.hpp"
#include "version_constraint.hpp"

namespace pyplug {
using namespace bootstrap;

namespace {

constexpr std::size_t kMaxFindLinksBytes = 64u << 20;
// Where a venv's distributions are copied for pip during apply, then removed. A fixed path
// (on /tmp, which sandboxes keep out of the result) so nothing pip records can differ.
constexpr const char* kStaging = "/tmp/bootstrap-find-links";

// Reports each requirement's installed version in a venv ("name version" or "name -").
const char* kVersions =
    "import sys\n"
    "try:\n"
    "    import importlib.metadata as md\n"
    "except ImportError:\n"
    "    import importlib_metadata as md\n"
    "for n in sys.argv[1:]:\n"
    "    try:\n"
    "        print(n, md.version(n))\n"
    "    except Exception:\n"
    "        print(n, '-')\n";

bool good_name(const std::string& s) {
  if (s.empty() || !std::isalnum(static_cast<unsigned char>(s.front()))) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
  });
}

void stage_find_links(Host& host, const Venv& v) {
  if (host.stat(kStaging).type != FileType::Missing) host.remove(kStaging);
  host.make_dir(kStaging, 0755, 0, 0);
  for (const auto& d : v.find_links)
    host.write_file(std::string(kStaging) + "/" + d.file, d.content, 0644, 0, 0);
}

void pip_install(Host& host, const Venv& v, const std::vector<const Requirement*>& todo) {
  std::vector<std::string> argv = {
      v.path + "/bin/python",       "-m", "pip", "install", "--no-compile", "--no-cache-dir",
      "--disable-pip-version-check"};
  if (!v.find_links.empty())
    argv.insert(argv.end(), {"--no-index", "--find-links", kStaging});
  else if (!v.index_url.empty())
    argv.insert(argv.end(), {"--index-url", v.index_url});
  for (const Requirement* r : todo) argv.push_back(r->text());
  if (v.find_links.empty()) {
    run_checked(host, argv, python_env());
    return;
  }
  stage_find_links(host, v);
  try {
    run_checked(host, argv, python_env());
  } catch (...) {
    host.remove(kStaging);
    throw;
  }
  host.remove(kStaging);
}

}  // namespace

std::map<std::string, std::string> parse_name_values(const std::string& output) {
  std::map<std::string, std::string> m;
  std::istringstream in(output);
  std::string line;
  while (std::getline(in, line)) {
    auto sp = line.find(' ');
    if (sp != std::string::npos) m[line.substr(0, sp)] = line.substr(sp + 1);
  }
  return m;
}

Requirement parse_requirement(const Value& v) {
  std::string text = v.as_string("a package");
  Requirement r;
  auto eq = text.find("==");
  r.name = text.substr(0, eq);
  if (eq != std::string::npos) r.version = text.substr(eq + 2);
  if (!good_name(r.name) || (eq != std::string::npos && !parse_version(r.version)))
    throw v.error("'" + text +
                  "' is not a package: write a name (\"dragoman-hello\") or name==version");
  return r;
}

std::vector<Distribution> read_find_links(const Value& v, const bootstrap::StepConfig& step) {
  namespace fs = std::filesystem;
  fs::path dir = bootstrap::baseline_file(step, v, "'find_links'", true);
  std::vector<Distribution> out;
  std::size_t total = 0;
  for (const auto& e : fs::directory_iterator(dir)) {
    std::string name = e.path().filename().string();
    bool dist = name.ends_with(".whl") || name.ends_with(".tar.gz") || name.ends_with(".zip");
    if (!dist || !e.is_regular_file()) continue;
    total += e.file_size();
    if (total > kMaxFindLinksBytes)
      throw v.error("'find_links' folder holds more than 64 MiB of distributions");
    std::ifstream in(e.path(), std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    out.push_back({name, ss.str()});
  }
  if (out.empty())
    throw v.error("'find_links' folder '" + v.text() +
                  "' holds no wheels or sdists (*.whl, *.tar.gz, *.zip)");
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.file < b.file; });
  return out;
}

// A venv whose interpreter is still the one it was made with: after a release upgrade
// (bookworm's 3.11 to trixie's 3.13) bin/python runs the new one, whose site-packages the venv
// does not have.
bool venv_works(Host& host, const Venv& v) {
  if (host.stat(v.path + "/bin/python").type == FileType::Missing) return false;
  Command c;
  c.argv = {v.path + "/bin/python", "-c",
            "import os, sys, sysconfig\n"
            "sys.exit(0 if sys.prefix != sys.base_prefix and "
            "os.path.isdir(sysconfig.get_paths()['purelib']) else 1)"};
  c.env = python_env();
  return host.run(c).ok();
}

namespace {

// What `python -m venv` makes in a folder (the folder's other files are not the venv's).
void remove_venv_parts(Host& host, const Venv& v) {
  for (const char* part : {"bin", "lib", "lib64", "include", "pyvenv.cfg"})
    if (host.stat(v.path + "/" + part).type != FileType::Missing) host.remove(v.path + "/" + part);
}

}  // namespace

std::map<std::string, std::string> installed_versions(Host& host, const Venv& v,
                                                      const std::vector<std::string>& names) {
  std::vector<std::string> argv = {v.path + "/bin/python", "-c", kVersions};
  argv.insert(argv.end(), names.begin(), names.end());
  return parse_name_values(run_checked(host, argv, python_env()).output);
}

void apply_venv(Host& host, const Venv& v, Outcome& out) {
  if (!venv_works(host, v)) {
    bool stale = host.stat(v.path + "/pyvenv.cfg").type != FileType::Missing;
    if (stale) remove_venv_parts(host, v);  // made by another interpreter: made again
    run_checked(host, {v.python, "-m", "venv", v.path}, python_env());
    out.push_back({stale ? ChangeKind::Modified : ChangeKind::Created, v.path,
                   stale ? "venv made again for " + v.python + " (its interpreter changed)"
                         : "venv (" + v.python + ")"});
  }
  if (v.packages.empty()) return;
  std::vector<std::string> names;
  for (const auto& r : v.packages) names.push_back(r.name);
  auto have = installed_versions(host, v, names);
  std::vector<const Requirement*> todo;
  for (const auto& r : v.packages) {
    const std::string& got = have[r.name];
    if (got.empty() || got == "-" || (!r.version.empty() && got != r.version)) todo.push_back(&r);
  }
  if (todo.empty()) return;
  pip_install(host, v, todo);
  names.clear();
  for (const Requirement* q : todo) names.push_back(q->name);
  auto now = installed_versions(host, v, names);
  for (const Requirement* q : todo)
    out.push_back({ChangeKind::Created, v.path + ": " + q->name, now[q->name]});
}

}  // namespace pyplug
