// python: a Python interpreter from Debian or from the organisation's own apt repository,
// at a version the baseline accepts, with the standard modules applications rely on.
#include <algorithm>
#include <sstream>

#include "bootstrap/plugin.hpp"
#include "host_tools.hpp"
#include "stdlib_modules.hpp"
#include "version_constraint.hpp"

namespace pyplug {
using namespace bootstrap;

namespace {

// Debian packages a stdlib module needs beyond python3 itself.
std::string package_for_module(const std::string& module) {
  if (module == "venv" || module == "ensurepip") return "python3-venv";
  if (module == "tkinter" || module == "turtle" || module == "idlelib" || module == "turtledemo")
    return "python3-tk";
  if (module == "distutils") return "python3-distutils";
  if (module == "lib2to3") return "python3-lib2to3";
  return "";
}

// One interpreter run for everything verify needs: the version, then "module ok|error".
const char* kProbe =
    "import importlib, sys\n"
    "print('%d.%d.%d' % sys.version_info[:3])\n"
    "for m in sys.argv[1:]:\n"
    "    try:\n"
    "        importlib.import_module(m)\n"
    "        print(m, 'ok')\n"
    "    except BaseException as e:\n"
    "        print(m, type(e).__name__ + ': ' + str(e).replace('\\n', ' '))\n";

struct Probe {
  std::optional<Version> version;
  std::vector<std::pair<std::string, std::string>> modules;  // name, "ok" or the error
  std::string error;                                         // the interpreter did not run
};

class Python final : public Plugin {
 public:
  void configure(const StepConfig& step) override {
    const Value& root = step.config;
    if (root.is_null()) return;  // "- python:" alone: Debian's python3, any version
    Fields f(root, "python");
    if (const Value* v = f.optional("version")) constraint_ = Constraint::parse(*v, "'version'");
    if (const Value* v = f.optional("interpreter"))
      interpreter_ = parse_absolute_path(*v, "'interpreter'");
    if (const Value* v = f.optional("recommends")) recommends_ = v->as_bool("'recommends'");
    if (const Value* v = f.optional("modules")) {
      modules_.clear();
      for (const Value& m : v->as_list("'modules'")) {
        std::string name = m.as_string("a module");
        std::string top = name.substr(0, name.find('.'));
        const auto& known = stdlib_modules();
        if (std::find(known.begin(), known.end(), top) == known.end()) {
          std::string hint = nearest(top, known);
          throw m.error("'" + name + "' is not a module of Python's standard library" +
                        (hint.empty() ? "" : "; did you mean '" + hint + "'?"));
        }
        modules_.push_back(name);
      }
    }

    PackageSource source =
        parse_package_source(f, root, step, "Debian's python3", "the interpreter's package name");
    f.finish();
    if (!source.repo) {
      packages_ = {"python3"};
      for (const auto& m : modules_)
        if (auto p = package_for_module(m.substr(0, m.find('.')));
            !p.empty() && std::find(packages_.begin(), packages_.end(), p) == packages_.end())
          packages_.push_back(p);
      return;
    }
    repo_ = source.repo;
    packages_ = {source.package};
  }

  Fetch fetch() const override {
    Fetch f;
    f.packages = packages_;
    if (repo_) f.apt_sources.push_back({repo_->deb_line, repo_->key_source, repo_->name});
    return f;
  }

  void apply(Host& host, Outcome& out) override {
    if (repo_) {
      install_apt_repo(host, *repo_, out);
      if (!host.missing_packages(packages_).empty() && !apt_candidate(host, packages_.front()))
        update_one_source(host, *repo_);
    }
    std::vector<std::string> missing = host.missing_packages(packages_);
    if (!missing.empty()) {
      ensure_apt_lists(host);
      if (!repo_ && !constraint_.any() && !installed_version(host, "python3")) {
        // Fail before installing anything when the release cannot meet the constraint.
        if (auto cand = apt_candidate(host, "python3"))
          if (auto v = parse_version(*cand); v && !constraint_.matches(*v))
            throw std::runtime_error(mismatch(host, *v));
      }
      host.install_packages(missing, recommends_);
      for (const auto& p : missing)
        out.push_back(
            {ChangeKind::Created, "package " + p, installed_version(host, p).value_or("")});
    }
    Probe probe = run_probe(host, {});
    if (!probe.version) throw std::runtime_error(probe.error);
    if (!constraint_.matches(*probe.version))
      throw std::runtime_error(mismatch(host, *probe.version));
  }

  std::vector<Check> verify(Host& host) override {
    std::vector<Check> checks;
    Probe probe = run_probe(host, modules_);
    Check version{
        interpreter_ + " is Python " + (constraint_.any() ? "(any version)" : constraint_.text()),
        false, ""};
    if (!probe.version) {
      version.detail = probe.error;
      checks.push_back(version);
      return checks;
    }
    version.passed = constraint_.matches(*probe.version);
    version.detail =
        version.passed ? "Python " + probe.version->str() : mismatch(host, *probe.version);
    version.headline = true;
    checks.push_back(version);
    for (const auto& [name, result] : probe.modules)
      checks.push_back(
          {interpreter_ + " imports " + name, result == "ok", result == "ok" ? "" : result});
    return checks;
  }

 private:
  std::string mismatch(Host& host, const Version& found) const {
    return release_name(host) + " has Python " + found.str() + ", the baseline wants " +
           constraint_.text();
  }

  Probe run_probe(Host& host, const std::vector<std::string>& modules) const {
    Probe p;
    Command c;
    c.argv = {interpreter_, "-c", kProbe};
    c.argv.insert(c.argv.end(), modules.begin(), modules.end());
    c.env = python_env();
    if (host.stat(interpreter_).type == FileType::Missing) {
      p.error = interpreter_ + " does not exist in the target";
      return p;
    }
    CommandResult r = host.run(c);
    if (!r.ok()) {
      p.error = describe_failure({interpreter_, "-c", "<probe>"}, r);
      return p;
    }
    std::istringstream in(r.output);
    std::string line;
    std::getline(in, line);
    p.version = parse_version(line);
    if (!p.version) p.error = interpreter_ + " printed no version: '" + line + "'";
    while (std::getline(in, line)) {
      auto sp = line.find(' ');
      if (sp != std::string::npos) p.modules.emplace_back(line.substr(0, sp), line.substr(sp + 1));
    }
    return p;
  }

  Constraint constraint_;
  std::string interpreter_ = "/usr/bin/python3";
  std::vector<std::string> modules_ = {"ssl", "sqlite3", "venv", "ctypes"};
  std::vector<std::string> packages_ = {"python3", "python3-venv"};
  std::optional<AptRepo> repo_;
  bool recommends_ = false;
};

}  // namespace
}  // namespace pyplug

BOOTSTRAP_PLUGIN(
    pyplug::Python, "python", "1.0.0",
    "a Python interpreter (Debian's or the organisation's) at a wanted version, with its modules")
