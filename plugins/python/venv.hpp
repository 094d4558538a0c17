// Virtual environments filled offline from a find-links folder next to the baseline: what the
// setuptools step's venvs and the eggmonster agent's venv share (compiled in, not linked).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "bootstrap/plugin.hpp"

namespace pyplug {

// One requirement: a distribution name and, optionally, its exact version.
struct Requirement {
  std::string name;     // as written ("dragoman-hello")
  std::string version;  // "" when any version will do
  std::string text() const { return version.empty() ? name : name + "==" + version; }
};
// "name" or "name==version"; throws ConfigError at v's mark otherwise.
Requirement parse_requirement(const bootstrap::Value& v);

struct Distribution {
  std::string file;  // base name ("dragoman_node-1.1-py3-none-any.whl")
  std::string content;
};
// The wheels and sdists of a folder (relative paths are read next to the baseline), sorted by
// name, at most 64 MiB in all; throws ConfigError at v's mark when missing or empty.
std::vector<Distribution> read_find_links(const bootstrap::Value& v,
                                          const bootstrap::StepConfig& step);

struct Venv {
  std::string path;
  std::string python = "/usr/bin/python3";
  std::vector<Requirement> packages;
  std::vector<Distribution> find_links;  // empty: pip's configured index
  std::string find_links_dir;            // as written, for messages
  std::string index_url;                 // "" : pip's own configuration (/etc/pip.conf)
};

// Lines "name value..." as name -> "value..." (what the venv's helper scripts print).
std::map<std::string, std::string> parse_name_values(const std::string& output);

// The venv's interpreter exists and is a venv's (sys.prefix != sys.base_prefix).
bool venv_works(bootstrap::Host& host, const Venv& v);
// name -> installed version in the venv ("-" when not installed).
std::map<std::string, std::string> installed_versions(bootstrap::Host& host, const Venv& v,
                                                      const std::vector<std::string>& names);
// Makes the venv when it does not work and installs the requirements it lacks, reporting each.
void apply_venv(bootstrap::Host& host, const Venv& v, bootstrap::Outcome& out);

}  // namespace pyplug
