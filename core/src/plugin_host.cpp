#include "bootstrap/plugin_host.hpp"

#include <fcntl.h>

#include <algorithm>
#include <boost/dll/runtime_symbol_info.hpp>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <stdexcept>

#include "bootstrap/digest.hpp"
#include "bootstrap/system_error.hpp"
#include "bootstrap/unique_fd.hpp"

namespace bootstrap {
namespace fs = std::filesystem;

std::string LoadedPlugin::digest() const {
  if (!digest_.empty()) return digest_;
  UniqueFd fd(open(file.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) throw SystemError("open(\"" + file.string() + "\")", errno);
  digest_ = digest_fd(fd.get()).text();
  return digest_;
}

std::vector<fs::path> PluginHost::search_path(const std::vector<std::string>& cli_dirs) {
  std::vector<fs::path> dirs(cli_dirs.begin(), cli_dirs.end());
  if (const char* env = std::getenv("BOOTSTRAP_PLUGIN_PATH")) {
    std::string_view rest(env);
    while (!rest.empty()) {
      auto colon = rest.find(':');
      auto part = rest.substr(0, colon);
      if (!part.empty()) dirs.emplace_back(part);
      if (colon == std::string_view::npos) break;
      rest.remove_prefix(colon + 1);
    }
  }
  std::error_code ec;
  fs::path exe = boost::dll::program_location(ec);
  if (!ec) {
    dirs.push_back(exe.parent_path() / "plugins");  // the build tree
    // Installed under any prefix: PREFIX/libexec/bootstrap/bootstrap-engine,
    // PREFIX/lib/bootstrap/plugins.
    dirs.push_back((exe.parent_path() / "../../lib/bootstrap/plugins").lexically_normal());
  }
  if (std::find(dirs.begin(), dirs.end(), fs::path(BOOTSTRAP_INSTALL_PLUGIN_DIR)) == dirs.end())
    dirs.emplace_back(BOOTSTRAP_INSTALL_PLUGIN_DIR);
  return dirs;
}

PluginHost::PluginHost(std::vector<fs::path> dirs) : dirs_(std::move(dirs)) {}

std::shared_ptr<const LoadedPlugin> PluginHost::load_file(const fs::path& file) {
  auto plugin = std::make_shared<LoadedPlugin>();
  plugin->file = file;
  try {
    plugin->library.load(file, boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local);
  } catch (const std::exception& e) {
    throw std::runtime_error(file.string() + ": cannot load: " + e.what());
  }
  if (!plugin->library.has("bootstrap_plugin_info") ||
      !plugin->library.has("bootstrap_plugin_create"))
    throw std::runtime_error(file.string() +
                             ": not a bootstrap plugin (it exports no bootstrap_plugin_info; "
                             "plugins are built with BOOTSTRAP_PLUGIN(...))");
  const auto& info = plugin->library.get_alias<const PluginInfo>("bootstrap_plugin_info");
  plugin->abi = info.abi;
  // Check the ABI before touching anything else the library exports.
  if (info.abi != kPluginAbi)
    throw std::runtime_error(file.string() + ": plugin ABI " + std::to_string(info.abi) +
                             ", but this bootstrap speaks ABI " + std::to_string(kPluginAbi) +
                             "; rebuild the plugin against this bootstrap's plugin.hpp");
  std::string toolchain = info.toolchain != nullptr ? info.toolchain : "";
  if (toolchain != kToolchainTag)
    throw std::runtime_error(
        file.string() + ": plugin built with " + toolchain + ", but this bootstrap with " +
        kToolchainTag +
        "; rebuild the plugin with the same standard library (g++, or clang++ "
        "without -stdlib=libc++, no _GLIBCXX_DEBUG): find_package(bootstrap) sets that up");
  plugin->name = info.name != nullptr ? info.name : "";
  plugin->version = info.version != nullptr ? info.version : "";
  plugin->summary = info.summary != nullptr ? info.summary : "";
  if (plugin->name.empty()) throw std::runtime_error(file.string() + ": plugin has no name");
  plugin->factory = &plugin->library.get_alias<PluginFactory>("bootstrap_plugin_create");
  return plugin;
}

void PluginHost::load_all() {
  for (const fs::path& dir : dirs_) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) continue;
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(dir, ec))
      if (entry.path().extension() == ".so") files.push_back(entry.path());
    std::sort(files.begin(), files.end());
    std::map<std::string, fs::path> in_this_dir;
    for (const fs::path& file : files) {
      std::shared_ptr<const LoadedPlugin> plugin;
      try {
        plugin = load_file(file);
      } catch (const std::exception& e) {
        broken_.push_back({file, e.what()});
        continue;
      }
      auto [it, inserted] = in_this_dir.emplace(plugin->name, file);
      if (!inserted) {
        duplicate_[plugin->name] = "two plugins named '" + plugin->name +
                                   "': " + it->second.string() + " and " + file.string() +
                                   "; remove one of them";
        continue;
      }
      by_name_.emplace(plugin->name, plugin);  // an earlier folder's plugin wins
    }
  }
}

bool PluginHost::has(const std::string& name) const {
  return by_name_.count(name) != 0 && duplicate_.count(name) == 0;
}

const LoadedPlugin& PluginHost::get(const std::string& name) const {
  if (auto d = duplicate_.find(name); d != duplicate_.end()) throw std::runtime_error(d->second);
  auto it = by_name_.find(name);
  if (it != by_name_.end()) return *it->second;
  std::string msg = "unknown plugin '" + name + "'";
  std::string hint = nearest(name, names());
  if (!hint.empty()) msg += "; did you mean '" + hint + "'?";
  msg += " (known:";
  for (const auto& n : names()) msg += " " + n;
  if (by_name_.empty()) msg += " none";
  msg += "; looked in:";
  for (const auto& d : dirs_) msg += " " + d.string();
  msg += ")";
  for (const auto& b : broken_) msg += "\n  unusable: " + b.reason;
  throw std::runtime_error(msg);
}

PluginInstance PluginHost::create(const std::string& name) const {
  get(name);
  const auto& plugin = by_name_.at(name);
  PluginPort* port = (*plugin->factory)();
  if (port == nullptr)
    throw std::runtime_error("plugin '" + name + "' (" + plugin->file.string() +
                             ") failed to create its object");
  return PluginInstance(plugin, std::unique_ptr<PluginPort>(port));
}

std::vector<std::shared_ptr<const LoadedPlugin>> PluginHost::plugins() const {
  std::vector<std::shared_ptr<const LoadedPlugin>> out;
  for (const auto& [name, p] : by_name_) out.push_back(p);
  return out;
}

std::vector<std::string> PluginHost::names() const {
  std::vector<std::string> out;
  for (const auto& [name, p] : by_name_) out.push_back(name);
  return out;
}

}  // namespace bootstrap
