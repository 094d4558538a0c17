// Finds plugin libraries, loads them with Boost.DLL, checks them, and makes instances.
#pragma once

#include <boost/dll/shared_library.hpp>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "bootstrap/plugin.hpp"

namespace bootstrap {

// One loaded library. The library member comes first so that it is destroyed last.
struct LoadedPlugin {
  boost::dll::shared_library library;
  std::string name;
  std::string version;
  std::string summary;
  int abi = 0;
  std::filesystem::path file;
  PluginFactory* factory = nullptr;
  std::string digest() const;  // of the library file, computed on first use
 private:
  mutable std::string digest_;
};

// A plugin object together with what keeps its code mapped: the port goes first.
class PluginInstance {
 public:
  PluginInstance(std::shared_ptr<const LoadedPlugin> plugin, std::unique_ptr<PluginPort> port)
      : plugin_(std::move(plugin)), port_(std::move(port)) {}
  PluginInstance(PluginInstance&&) noexcept = default;
  PluginInstance& operator=(PluginInstance&&) noexcept = default;
  ~PluginInstance() { port_.reset(); }
  PluginPort& port() { return *port_; }
  const LoadedPlugin& plugin() const { return *plugin_; }

 private:
  std::shared_ptr<const LoadedPlugin> plugin_;  // declared first: destroyed after port_
  std::unique_ptr<PluginPort> port_;
};

// A plugin file that could not be used, and why.
struct BrokenPlugin {
  std::filesystem::path file;
  std::string reason;
};

class PluginHost {
 public:
  // The search path: `cli_dirs` (--plugin-dir), then BOOTSTRAP_PLUGIN_PATH (colon separated),
  // then "plugins/" next to the executable, then the installed plugin folder.
  static std::vector<std::filesystem::path> search_path(const std::vector<std::string>& cli_dirs);

  explicit PluginHost(std::vector<std::filesystem::path> dirs);

  // Loads every *.so in the search path. A name found in an earlier folder shadows later
  // ones; two libraries with one name in the same folder are an error for that name.
  void load_all();
  // Loads one library file directly (tests, --plugin FILE). Throws with a clear reason.
  std::shared_ptr<const LoadedPlugin> load_file(const std::filesystem::path& file);

  // Throws ConfigError-free std::runtime_error listing where it looked and what exists.
  const LoadedPlugin& get(const std::string& name) const;
  bool has(const std::string& name) const;
  PluginInstance create(const std::string& name) const;

  std::vector<std::shared_ptr<const LoadedPlugin>> plugins() const;  // sorted by name
  const std::vector<BrokenPlugin>& broken() const { return broken_; }
  const std::vector<std::filesystem::path>& dirs() const { return dirs_; }
  std::vector<std::string> names() const;

 private:
  std::vector<std::filesystem::path> dirs_;
  std::map<std::string, std::shared_ptr<const LoadedPlugin>> by_name_;
  std::map<std::string, std::string> duplicate_;  // name -> message
  std::vector<BrokenPlugin> broken_;
};

}  // namespace bootstrap
