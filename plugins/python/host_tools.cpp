#include "host_tools.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "bootstrap/apt_update.hpp"

namespace pyplug {
using namespace bootstrap;

std::map<std::string, std::string> python_env() {
  return {{"PYTHONDONTWRITEBYTECODE", "1"},
          {"PYTHONNOUSERSITE", "1"},
          {"PIP_NO_CACHE_DIR", "1"},
          {"PIP_DISABLE_PIP_VERSION_CHECK", "1"},
          {"PIP_NO_INPUT", "1"},
          {"PIP_ROOT_USER_ACTION", "ignore"},
          {"SOURCE_DATE_EPOCH", "315532800"},
          {"LC_ALL", "C.UTF-8"},
          {"DEBIAN_FRONTEND", "noninteractive"}};
}

std::string describe_failure(const std::vector<std::string>& argv, const CommandResult& r) {
  std::string cmd;
  for (const auto& a : argv) cmd += (cmd.empty() ? "" : " ") + a;
  std::string tail = r.output;
  while (!tail.empty() && (tail.back() == '\n' || tail.back() == ' ')) tail.pop_back();
  // The last 15 lines say why; the rest is progress.
  std::size_t pos = tail.size();
  for (int lines = 0; pos != std::string::npos && pos > 0 && lines < 15; ++lines)
    pos = tail.rfind('\n', pos - 1);
  if (pos != std::string::npos && pos > 0) tail = "..." + tail.substr(pos);
  return "`" + cmd + "` exited with status " + std::to_string(r.exit_status) +
         (tail.empty() ? "" : ":\n" + tail);
}

CommandResult run_checked(Host& host, const std::vector<std::string>& argv,
                          const std::map<std::string, std::string>& env) {
  Command c;
  c.argv = argv;
  c.env = env;
  CommandResult r = host.run(c);
  if (!r.ok()) throw std::runtime_error(describe_failure(argv, r));
  return r;
}

std::string release_name(Host& host) {
  auto text = host.read_file("/etc/os-release");
  if (!text) return "this release";
  std::istringstream in(*text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VERSION_CODENAME=", 0) != 0) continue;
    std::string v = line.substr(17);
    if (v.size() >= 2 && (v.front() == '"' || v.front() == '\'')) v = v.substr(1, v.size() - 2);
    if (!v.empty()) return v;
  }
  return "this release";
}

std::optional<std::string> installed_version(Host& host, const std::string& package) {
  Command c;
  c.argv = {"dpkg-query", "-W", "-f=${db:Status-Abbrev}\t${Version}", package};
  CommandResult r = host.run(c);
  if (!r.ok() || r.output.rfind("ii", 0) != 0) return std::nullopt;
  auto tab = r.output.find('\t');
  return r.output.substr(tab + 1);
}

std::optional<std::string> apt_candidate(Host& host, const std::string& package) {
  Command c;
  c.argv = {"apt-cache", "policy", package};
  c.env = {{"LC_ALL", "C"}};
  CommandResult r = host.run(c);
  if (!r.ok()) return std::nullopt;
  std::istringstream in(r.output);
  std::string line;
  while (std::getline(in, line)) {
    auto p = line.find("Candidate:");
    if (p == std::string::npos) continue;
    std::string v = line.substr(p + 10);
    v.erase(0, v.find_first_not_of(' '));
    if (v.empty() || v == "(none)") return std::nullopt;
    return v;
  }
  return std::nullopt;
}

bool has_apt_lists(Host& host) {
  if (host.stat("/var/lib/apt/lists").type != FileType::Directory) return false;
  for (const auto& name : host.list_dir("/var/lib/apt/lists"))
    if (name.size() > 9 && name.find("_Packages") != std::string::npos) return true;
  return false;
}

void ensure_apt_lists(Host& host) {
  if (has_apt_lists(host)) return;
  std::vector<std::string> argv = {"apt-get", "update", "-q"};
  Command c;
  c.argv = argv;
  CommandResult r = host.run(c);
  std::string failed = describe_apt_fetch_failures(apt_fetch_failures(r.output), {});
  if (!r.ok() || !failed.empty())
    throw std::runtime_error(
        "the target has no apt package lists and `apt-get update` failed (no network during "
        "apply? the fetch phase should have prepared them): " +
        (failed.empty() ? describe_failure(argv, r) : failed));
}

AptRepo parse_apt_repo(const Value& line, const Value& key_value, const bootstrap::StepConfig& step,
                       const std::string& name) {
  AptRepo repo;
  repo.name = name;
  std::string text = line.as_string("'repository'");
  std::istringstream in(text);
  std::string word;
  in >> word;
  if (word != "deb")
    throw line.error(
        "'repository' must be a one-line apt source: \"deb [options] URI suite [components]\"");
  std::string options;
  std::string rest;
  std::getline(in, rest);
  rest.erase(0, rest.find_first_not_of(' '));
  if (!rest.empty() && rest.front() == '[') {
    auto close = rest.find(']');
    if (close == std::string::npos)
      throw line.error("'repository' has an unclosed '[' in its options");
    std::istringstream opts(rest.substr(1, close - 1));
    std::string opt;
    while (opts >> opt)
      if (opt.rfind("signed-by=", 0) != 0) options += " " + opt;  // the key is ours to place
    rest = rest.substr(close + 1);
  }
  std::istringstream fields(rest);
  std::vector<std::string> parts;
  while (fields >> word) parts.push_back(word);
  if (parts.size() < 2)
    throw line.error(
        "'repository' needs a URI and a suite after 'deb': \"deb URI suite [components]\"");
  if (parts[0].find(':') == std::string::npos)
    throw line.error("'repository' URI '" + parts[0] + "' has no scheme (http:, https:, file:)");
  if (parts[1].back() != '/' && parts.size() < 3)
    throw line.error(
        "'repository' needs a component after the suite (or a flat suite ending in '/')");

  repo.key_source = bootstrap::baseline_file(step, key_value, "'key'");
  repo.key = bootstrap::read_baseline_file(step, key_value, "'key'", 1 << 20);
  bool armored = repo.key.rfind("-----BEGIN PGP PUBLIC KEY BLOCK-----", 0) == 0;
  if (!armored && (repo.key.empty() || !(static_cast<unsigned char>(repo.key[0]) & 0x80)))
    throw key_value.error(
        "'key' is neither an ASCII-armored (.asc) nor a binary (.gpg) OpenPGP public key");
  repo.key_path = "/etc/apt/keyrings/" + name + (armored ? ".asc" : ".gpg");
  repo.deb_line = "deb [signed-by=" + repo.key_path + options + "]";
  for (const auto& p : parts) repo.deb_line += " " + p;
  return repo;
}

bool install_apt_repo(Host& host, const AptRepo& repo, Outcome& out) {
  bool changed = false;
  if (host.stat("/etc/apt/keyrings").type == FileType::Missing) {
    host.make_dir("/etc/apt/keyrings", 0755, 0, 0);
    out.push_back({ChangeKind::Created, "/etc/apt/keyrings", "directory 0755"});
  }
  auto put = [&](const std::string& path, const std::string& content, const char* what) {
    auto old = host.read_file(path);
    if (old == content && host.stat(path).mode == 0644) return;
    host.write_file(path, content, 0644, 0, 0);
    out.push_back({old ? ChangeKind::Modified : ChangeKind::Created, path, what});
    changed = true;
  };
  put(repo.key_path, repo.key, "apt signing key");
  put(repo.list_path(), repo.deb_line + "\n", "apt source");
  return changed;
}

void update_one_source(Host& host, const AptRepo& repo) {
  std::vector<std::string> argv = {"apt-get",
                                   "update",
                                   "-q",
                                   "-o",
                                   "Dir::Etc::sourcelist=" + repo.list_path(),
                                   "-o",
                                   "Dir::Etc::sourceparts=-",
                                   "-o",
                                   "APT::Get::List-Cleanup=0"};
  Command c;
  c.argv = argv;
  CommandResult r = host.run(c);
  std::string failed =
      describe_apt_fetch_failures(apt_fetch_failures(r.output), {{repo.name, repo.deb_line}});
  if (!failed.empty())
    throw std::runtime_error("cannot read the package list of " + repo.name + ": " + failed);
  if (!r.ok())
    throw std::runtime_error("cannot read the package list of " + repo.name + " (" + repo.deb_line +
                             "): " + describe_failure(argv, r));
}

PackageSource parse_package_source(bootstrap::Fields& f, const bootstrap::Value& root,
                                   const bootstrap::StepConfig& step, const std::string& distro,
                                   const std::string& package_role) {
  const bootstrap::Value* source = f.optional("source");
  const bootstrap::Value* repository = f.optional("repository");
  const bootstrap::Value* key = f.optional("key");
  const bootstrap::Value* package = f.optional("package");
  std::string src = source ? source->as_string("'source'") : (repository ? "repository" : "distro");
  if (src != "distro" && src != "repository")
    throw source->error("'source' must be 'distro' (" + distro +
                        ") or 'repository' (the organisation's apt "
                        "repository), not '" +
                        src + "'");
  PackageSource out;
  if (src == "distro") {
    for (const bootstrap::Value* v : {repository, key, package})
      if (v) throw v->error("only 'source: repository' takes 'repository', 'key' and 'package'");
    return out;
  }
  if (!repository)
    throw(source ? *source : root).error("'source: repository' needs 'repository', a deb line");
  if (!key)
    throw repository->error(
        "'repository' needs 'key': its signing key, a file next to the baseline");
  if (!package) throw repository->error("'repository' needs 'package': " + package_role);
  out.package = package->as_string("'package'");
  if (out.package.empty() || out.package.find_first_of(" \t/=") != std::string::npos)
    throw package->error("'package' is not a Debian package name: '" + out.package + "'");
  out.repo = parse_apt_repo(*repository, *key, step, "bootstrap-" + out.package);
  return out;
}

void install_missing_packages(bootstrap::Host& host, const std::vector<std::string>& packages,
                              bootstrap::Outcome& out) {
  std::vector<std::string> missing = host.missing_packages(packages);
  if (missing.empty()) return;
  ensure_apt_lists(host);
  host.install_packages(missing, false);
  for (const auto& p : missing)
    out.push_back(
        {bootstrap::ChangeKind::Created, "package " + p, installed_version(host, p).value_or("")});
}

}  // namespace pyplug
