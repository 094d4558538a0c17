// bootstrap: make a host's baseline repeatable. This file only wires the commands together.
#include <cstdio>
#include <exception>
#include <iostream>

#include "bootstrap/exit_codes.hpp"
#include "bootstrap/plugin.hpp"
#include "bootstrap/system_error.hpp"
#include "bootstrap/version.hpp"
#include "commands.hpp"

namespace bootstrap::cli {

Console GlobalOptions::console() const {
  ColorMode mode = color == "always" ? ColorMode::Always
                   : color == "never" ? ColorMode::Never
                                      : ColorMode::Auto;
  return Console(mode, quiet ? -1 : verbose);
}

namespace {

int run_main(int argc, char** argv) {
  CLI::App app{
      "bootstrap makes a host's baseline repeatable: it applies a YAML baseline in disposable\n"
      "sandboxes, proves it repeatable, idempotent and verified, then applies it for real.",
      "bootstrap"};
  app.require_subcommand(1);
  app.fallthrough();
  app.set_version_flag("--version", std::string("bootstrap ") + kVersion);
  app.footer(
      "Exit status: 0 passed, 1 a check or apply failed, 2 bad usage or baseline,\n"
      "3 this machine cannot run sandboxes. Run 'bootstrap COMMAND --help' for a command.");

  GlobalOptions global;
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

  Action action;
  add_validate_command(app, action);
  add_plugins_command(app, action);
  add_check_command(app, action);
  add_records_command(app, action);
  add_apply_command(app, action);
  add_run_command(app, action);
  add_shell_command(app, action);
  add_image_command(app, action);
  add_gc_command(app, action);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? kExitOk : kExitUsage;
  }

  Console console = global.console();
  try {
    return action(global);
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

}  // namespace
}  // namespace bootstrap::cli

int main(int argc, char** argv) { return bootstrap::cli::run_main(argc, argv); }
