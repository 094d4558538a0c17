// What both executables (bootstrap and bootstrap-engine) share: the global options, and how an
// action's exceptions become exit statuses.
#include <algorithm>
#include <exception>
#include <string_view>

#include "bootstrap/baseline.hpp"
#include "bootstrap/exit_codes.hpp"
#include "bootstrap/sandbox/interrupt.hpp"
#include "bootstrap/system_error.hpp"
#include "commands.hpp"

namespace bootstrap::cli {

Console GlobalOptions::console() const {
  ColorMode mode = color == "always"  ? ColorMode::Always
                   : color == "never" ? ColorMode::Never
                                      : ColorMode::Auto;
  return Console(mode, quiet ? -1 : verbose);
}

void describe_bootstrap(CLI::App& app) {
  app.description(
      "bootstrap makes a host's baseline repeatable: it applies a YAML baseline in disposable\n"
      "sandboxes, proves it repeatable, idempotent and verified, then applies it for real.");
  app.footer(
      "Exit status: 0 passed, 1 a check or apply failed, 2 bad usage or baseline,\n"
      "3 this machine cannot run sandboxes. Run 'bootstrap COMMAND --help' for a command.");
}

void add_global_options(CLI::App& app, GlobalOptions& global) {
  app.add_option("--color", global.color, "Colour output: auto (honours NO_COLOR), always, never")
      ->check(CLI::IsMember({"auto", "always", "never"}))
      ->envname("BOOTSTRAP_COLOR");
  app.add_flag("-v,--verbose", global.verbose, "More detail on stderr (repeatable)");
  app.add_flag("-q,--quiet", global.quiet, "Only results and errors");
  app.add_option("--plugin-dir", global.plugin_dirs,
                 "Look for plugins here first (repeatable; also BOOTSTRAP_PLUGIN_PATH)");
  app.add_option("--cache-dir", global.cache_dir,
                 "Images, layers and package caches (default /var/cache/bootstrap as root, "
                 "$XDG_CACHE_HOME/bootstrap otherwise)");
}

std::vector<std::string> parse_os_list(const std::string& text) {
  std::vector<std::string> releases;
  std::string_view rest = text;
  while (!rest.empty()) {
    auto comma = rest.find(',');
    std::string r(rest.substr(0, comma));
    const auto& known = known_releases();
    if (std::find(known.begin(), known.end(), r) == known.end())
      throw CLI::ValidationError("--os",
                                 "unknown release '" + r + "' (known: bullseye, bookworm, trixie)");
    releases.push_back(r);
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  return releases;
}

int run_action(const Action& action, const GlobalOptions& global) {
  Console console = global.console();
  try {
    return action(global);
  } catch (const sandbox::Interrupted& e) {
    console.clear_status();
    console.error(e.what());
    return e.exit_status();
  } catch (const ConfigError& e) {
    console.error(e.what());
    return kExitUsage;
  } catch (const EnvironmentError& e) {
    console.error(e.what());
    return kExitEnvironment;
  } catch (const std::exception& e) {
    console.error(e.what());
    return kExitFailed;
  }
}

}  // namespace bootstrap::cli
