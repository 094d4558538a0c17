// setuptools: setuptools and pip pointed at the organisation's package server (/etc/pip.conf),
// and virtual environments filled offline from find-links folders that stand next to the baseline.
#include <algorithm>
#include <sstream>

#include "bootstrap/plugin.hpp"
#include "host_tools.hpp"
#include "venv.hpp"
#include "version_constraint.hpp"

namespace pyplug {
using namespace bootstrap;

namespace {

struct PipConfig {
  std::string index_url;
  std::vector<std::string> extra_index_urls;
  std::vector<std::string> trusted_hosts;
};

bool valid_url(const std::string& u) {
  for (const char* scheme : {"http://", "https://", "file://"})
    if (u.rfind(scheme, 0) == 0 && u.size() > std::string(scheme).size())
      return u.find_first_of(" \t\n") == std::string::npos;
  return false;
}

std::string url_of(const Value& v, std::string_view what) {
  std::string u = v.as_string(what);
  if (!valid_url(u))
    throw v.error(std::string(what) + " must be an http://, https:// or file:// URL, not '" + u +
                  "'");
  return u;
}

// Imports each distribution through its top-level modules; prints "name ok version" or the error.
const char* kImports =
    "import importlib, sys\n"
    "import importlib.metadata as md\n"
    "for n in sys.argv[1:]:\n"
    "    try:\n"
    "        d = md.distribution(n)\n"
    "        tops = (d.read_text('top_level.txt') or '').split() or [n.replace('-', '_').lower()]\n"
    "        for t in tops:\n"
    "            importlib.import_module(t)\n"
    "        print(n, 'ok', d.version)\n"
    "    except BaseException as e:\n"
    "        print(n, 'error', type(e).__name__ + ': ' + str(e).replace('\\n', ' '))\n";

class Setuptools final : public Plugin {
 public:
  void configure(const StepConfig& step) override {
    const Value& root = step.config;
    if (root.is_null()) return;
    Fields f(root, "setuptools");
    if (const Value* v = f.optional("setuptools"))
      constraint_ = Constraint::parse(*v, "'setuptools'");
    if (const Value* v = f.optional("pip")) {
      Fields p(*v, "'pip'");
      PipConfig pc;
      if (const Value* u = p.optional("index_url")) pc.index_url = url_of(*u, "'index_url'");
      if (const Value* u = p.optional("extra_index_urls"))
        for (const Value& item : u->as_list("'extra_index_urls'"))
          pc.extra_index_urls.push_back(url_of(item, "an extra index URL"));
      if (const Value* u = p.optional("trusted_hosts"))
        for (const Value& item : u->as_list("'trusted_hosts'")) {
          std::string h = item.as_string("a trusted host");
          if (h.empty() || h.find_first_of(" /\t") != std::string::npos)
            throw item.error(
                "a trusted host is a host name (\"pypi.example.org\" or \"host:port\"), not '" + h +
                "'");
          pc.trusted_hosts.push_back(h);
        }
      p.finish();
      pip_ = pc;
    }
    if (const Value* v = f.optional("venvs")) {
      for (const Value& item : v->as_list("'venvs'")) {
        Fields vf(item, "a venv");
        Venv venv;
        venv.path = parse_absolute_path(vf.required("path"), "'path'");
        if (venv.path == "/") throw vf.required("path").error("a venv cannot be '/'");
        for (const Venv& other : venvs_)
          if (other.path == venv.path)
            throw vf.required("path").error("venv '" + venv.path + "' is declared twice");
        if (const Value* py = vf.optional("python"))
          venv.python = parse_absolute_path(*py, "'python'");
        if (const Value* pk = vf.optional("packages"))
          for (const Value& r : pk->as_list("'packages'"))
            venv.packages.push_back(parse_requirement(r));
        if (const Value* fl = vf.optional("find_links")) {
          venv.find_links_dir = fl->as_string("'find_links'");
          venv.find_links = read_find_links(*fl, step);
        } else if (!venv.packages.empty() && !(pip_ && !pip_->index_url.empty())) {
          throw item.error("venv '" + venv.path +
                           "' lists packages but has no 'find_links' folder and no 'pip: "
                           "index_url' to get them from");
        }
        vf.finish();
        venvs_.push_back(std::move(venv));
      }
    }
    f.finish();
  }

  Fetch fetch() const override {
    Fetch f;
    f.packages = packages();
    return f;
  }

  void apply(Host& host, Outcome& out) override {
    std::vector<std::string> missing = host.missing_packages(packages());
    if (!missing.empty()) {
      ensure_apt_lists(host);
      host.install_packages(missing, false);
      for (const auto& p : missing)
        out.push_back(
            {ChangeKind::Created, "package " + p, installed_version(host, p).value_or("")});
    }
    if (auto found = setuptools_version(host); !found) {
      throw std::runtime_error("/usr/bin/python3 cannot import setuptools: " + setuptools_error_);
    } else if (!constraint_.matches(*found)) {
      throw std::runtime_error(mismatch(host, *found));
    }
    if (pip_) {
      std::string content = pip_conf();
      auto old = host.read_file("/etc/pip.conf");
      if (old != content || host.stat("/etc/pip.conf").mode != 0644) {
        host.write_file("/etc/pip.conf", content, 0644, 0, 0);
        out.push_back({old ? ChangeKind::Modified : ChangeKind::Created, "/etc/pip.conf",
                       "index " + pip_->index_url});
      }
    }
    for (const Venv& v : venvs_) apply_venv(host, v, out);
  }

  std::vector<Check> verify(Host& host) override {
    std::vector<Check> checks;
    Check st{"setuptools " + (constraint_.any() ? std::string("imports") : constraint_.text()),
             false, ""};
    if (auto found = setuptools_version(host)) {
      st.passed = constraint_.matches(*found);
      st.detail = st.passed ? "setuptools " + found->str() : mismatch(host, *found);
    } else {
      st.detail = setuptools_error_;
    }
    checks.push_back(st);
    if (pip_) verify_pip(host, checks);
    for (const Venv& v : venvs_) verify_venv(host, v, checks);
    return checks;
  }

 private:
  std::vector<std::string> packages() const {
    std::vector<std::string> p = {"python3-setuptools"};
    if (pip_ || !venvs_.empty()) p.push_back("python3-pip");
    if (!venvs_.empty()) p.push_back("python3-venv");
    return p;
  }

  std::string pip_conf() const {
    std::string s =
        "# Managed by bootstrap (setuptools plugin); local edits are overwritten.\n[global]\n";
    if (!pip_->index_url.empty()) s += "index-url = " + pip_->index_url + "\n";
    auto multi = [&](const char* key, const std::vector<std::string>& items) {
      if (items.empty()) return;
      s += std::string(key) + " =";
      for (const auto& i : items) s += "\n    " + i;
      s += "\n";
    };
    multi("extra-index-url", pip_->extra_index_urls);
    multi("trusted-host", pip_->trusted_hosts);
    return s;
  }

  std::optional<Version> setuptools_version(Host& host) {
    Command c;
    c.argv = {"/usr/bin/python3", "-c", "import setuptools; print(setuptools.__version__)"};
    c.env = python_env();
    CommandResult r = host.run(c);
    if (!r.ok()) {
      setuptools_error_ = describe_failure(c.argv, r);
      return std::nullopt;
    }
    return parse_version(r.output);
  }

  std::string mismatch(Host& host, const Version& found) const {
    return release_name(host) + " has setuptools " + found.str() + ", the baseline wants " +
           constraint_.text();
  }

  void verify_pip(Host& host, std::vector<Check>& checks) {
    Command c;
    c.argv = {"/usr/bin/python3", "-m", "pip", "config", "list"};
    c.env = python_env();
    CommandResult r = host.run(c);
    std::map<std::string, std::string> seen;
    std::istringstream in(r.output);
    std::string line;
    while (std::getline(in, line)) {
      auto eq = line.find('=');
      if (eq == std::string::npos) continue;
      std::string value = line.substr(eq + 1);
      if (value.size() >= 2 && value.front() == '\'') value = value.substr(1, value.size() - 2);
      seen[line.substr(0, eq)] = value;
    }
    auto expect = [&](const std::string& key, const std::string& want, const std::string& label) {
      Check k{"pip's effective " + label + " is " + want, false, ""};
      if (!r.ok()) {
        k.detail = describe_failure(c.argv, r);
      } else {
        auto it = seen.find("global." + key);
        std::string got = it == seen.end() ? "" : it->second;
        // pip prints a multi-line value with literal "\n" between items.
        std::string norm;
        for (std::size_t i = 0; i < got.size(); ++i) {
          if (got.compare(i, 2, "\\n") == 0) {
            norm += ' ';
            ++i;
          } else if (got[i] == '\n') {
            norm += ' ';
          } else {
            norm += got[i];
          }
        }
        norm.erase(0, norm.find_first_not_of(' '));
        k.passed = norm == want;
        k.detail = k.passed ? ""
                            : "pip config list has " +
                                  (it == seen.end() ? "no " + key : key + "='" + got + "'");
      }
      checks.push_back(k);
    };
    auto join = [](const std::vector<std::string>& v) {
      std::string s;
      for (const auto& i : v) s += (s.empty() ? "" : " ") + i;
      return s;
    };
    if (!pip_->index_url.empty()) expect("index-url", pip_->index_url, "index-url");
    if (!pip_->extra_index_urls.empty())
      expect("extra-index-url", join(pip_->extra_index_urls), "extra-index-url");
    if (!pip_->trusted_hosts.empty())
      expect("trusted-host", join(pip_->trusted_hosts), "trusted-host");
  }

  void verify_venv(Host& host, const Venv& v, std::vector<Check>& checks) {
    Check exists{"venv " + v.path + " runs its own interpreter", venv_works(host, v), ""};
    if (!exists.passed) exists.detail = v.path + "/bin/python is missing or not a venv interpreter";
    checks.push_back(exists);
    if (!exists.passed || v.packages.empty()) return;
    Command c;
    c.argv = {v.path + "/bin/python", "-c", kImports};
    for (const auto& r : v.packages) c.argv.push_back(r.name);
    c.env = python_env();
    CommandResult r = host.run(c);
    auto got = parse_name_values(r.output);
    for (const auto& q : v.packages) {
      Check k{v.path + " imports " + q.text(), false, ""};
      const std::string& res = got[q.name];
      if (res.rfind("ok ", 0) == 0) {
        std::string version = res.substr(3);
        k.passed = q.version.empty() || version == q.version;
        k.detail = k.passed ? q.name + " " + version : "installed version is " + version;
      } else {
        k.detail = res.empty() ? describe_failure({v.path + "/bin/python", "-c", "<imports>"}, r)
                               : res.substr(res.find(' ') + 1);
      }
      checks.push_back(k);
    }
  }

  Constraint constraint_;
  std::optional<PipConfig> pip_;
  std::vector<Venv> venvs_;
  std::string setuptools_error_;
};

}  // namespace
}  // namespace pyplug

BOOTSTRAP_PLUGIN(pyplug::Setuptools, "setuptools", "1.0.0",
                 "setuptools and pip pointed at the organisation's index, and offline-filled "
                 "virtual environments")
