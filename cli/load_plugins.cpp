#include "commands.hpp"

namespace bootstrap::cli {

PluginHost load_plugins(const GlobalOptions& global) {
  PluginHost host(PluginHost::search_path(global.plugin_dirs));
  host.load_all();
  return host;
}

}  // namespace bootstrap::cli
