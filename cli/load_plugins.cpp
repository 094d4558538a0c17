#include "bootstrap/layer_cache.hpp"
#include "bootstrap/sandbox/images.hpp"
#include "bootstrap/sandbox/sandbox.hpp"
#include "bootstrap/sandbox/scratch.hpp"
#include "bootstrap/sandbox/user_namespace.hpp"
#include "bootstrap/system_error.hpp"
#include "commands.hpp"

namespace bootstrap::cli {

PluginHost load_plugins(const GlobalOptions& global) {
  PluginHost host(PluginHost::search_path(global.plugin_dirs));
  host.load_all();
  return host;
}

ConfiguredBaseline load_configured(const GlobalOptions& global, const std::string& file) {
  Baseline baseline = load_baseline(file);
  PluginHost plugins = load_plugins(global);
  return configure_baseline(baseline, plugins);  // instances keep their libraries loaded
}

std::filesystem::path sandbox_cache(const GlobalOptions& global) {
  sandbox::enter_user_namespace(sandbox::Mapping::Full);  // not root: see user_namespace.hpp
  if (std::string why = sandbox::why_sandboxes_cannot_run(); !why.empty())
    throw EnvironmentError("cannot run sandboxes: " + why);
  std::filesystem::path cache = global.cache_dir.empty() ? sandbox::default_cache_root()
                                                         : std::filesystem::path(global.cache_dir);
  std::filesystem::create_directories(cache);
  sandbox::collect_garbage(cache);
  prune_layers(cache, std::chrono::seconds(static_cast<long long>(kLayerDaysKept * 86400)));
  return cache;
}

}  // namespace bootstrap::cli
