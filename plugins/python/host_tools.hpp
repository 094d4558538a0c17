// What the python and setuptools plugins both need from a target: run commands and explain
// their failures, the release name, apt candidates, and an apt source written the way the
// engine's fetch phase writes it.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "bootstrap/plugin.hpp"

namespace pyplug {

// Quiet, repeatable Python and pip: no bytecode, no cache, no version check, no user site.
std::map<std::string, std::string> python_env();

// Runs argv in the target; throws "`argv` exited with status N: <output tail>" unless it succeeds.
bootstrap::CommandResult run_checked(bootstrap::Host& host, const std::vector<std::string>& argv,
                                     const std::map<std::string, std::string>& env = {});
std::string describe_failure(const std::vector<std::string>& argv,
                             const bootstrap::CommandResult& r);

// VERSION_CODENAME from the target's /etc/os-release ("bookworm"), or "this release".
std::string release_name(bootstrap::Host& host);

// Installed version of a Debian package in the target, or nullopt.
std::optional<std::string> installed_version(bootstrap::Host& host, const std::string& package);
// apt's candidate for a package ("3.11.2-1+b1"), or nullopt when apt knows none.
std::optional<std::string> apt_candidate(bootstrap::Host& host, const std::string& package);

// Installs those of `packages` the target lacks (without recommends), reporting each
// "package NAME" with the version installed.
void install_missing_packages(bootstrap::Host& host, const std::vector<std::string>& packages,
                              bootstrap::Outcome& out);

// True when the target has downloaded package lists (a prepared layer or an earlier update).
bool has_apt_lists(bootstrap::Host& host);
// `apt-get update` (only when there are no lists at all); fails offline with a clear message.
void ensure_apt_lists(bootstrap::Host& host);

// An organisation apt repository as the target gets it:
//   /etc/apt/keyrings/<name>.<asc|gpg>  the key, byte for byte
//   /etc/apt/sources.list.d/<name>.list deb_line + "\n", signed-by pointing at that key
struct AptRepo {
  std::string name;
  std::string
      deb_line;  // already rewritten: "deb [signed-by=/etc/apt/keyrings/<name>.asc] URI suite comp"
  std::string key_path;    // in the target
  std::string key_source;  // on the machine running bootstrap (absolute)
  std::string key;         // its content
  std::string list_path() const { return "/etc/apt/sources.list.d/" + name + ".list"; }
};
// Parses "deb [opts] URI suite [components...]"; throws ConfigError at `line`'s mark when bad.
AptRepo parse_apt_repo(const bootstrap::Value& line, const bootstrap::Value& key_value,
                       const bootstrap::StepConfig& step, const std::string& name);
// Writes key and list when they differ; true when anything changed. Then, if apt has no
// candidate for `package`, updates that one source only (works offline for file: URLs).
bool install_apt_repo(bootstrap::Host& host, const AptRepo& repo, bootstrap::Outcome& out);
void update_one_source(bootstrap::Host& host, const AptRepo& repo);

// The keys 'source', 'repository', 'key' and 'package' of a step that installs either from
// Debian ('source: distro', the default unless 'repository' is given: repo stays empty) or
// from the organisation's apt repository (repo and its package). `distro` says what the
// distro source brings, `package_role` what the package is, both for messages.
struct PackageSource {
  std::optional<AptRepo> repo;
  std::string package;
};
PackageSource parse_package_source(bootstrap::Fields& f, const bootstrap::Value& step_value,
                                   const bootstrap::StepConfig& step, const std::string& distro,
                                   const std::string& package_role);

}  // namespace pyplug
