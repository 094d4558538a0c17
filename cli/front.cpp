// bootstrap: the command users run. It is linked statically, so that `bootstrap run` starts in a
// fraction of a millisecond instead of paying for loading the C++ runtime: it handles the sandbox
// commands (run, shell, image, gc) itself, and hands every other command (validate, plugins,
// check, records, apply: those that load plugins with Boost.DLL), the overall --help and
// --version, and any usage error to bootstrap-engine, with the same arguments.
#include <limits.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <string_view>

#include "bootstrap/exit_codes.hpp"
#include "commands.hpp"

namespace bootstrap::cli {
namespace {

// bootstrap-engine next to this executable (the build tree), else where an installation under
// any prefix has it (PREFIX/bin/bootstrap, PREFIX/libexec/bootstrap/bootstrap-engine), else the
// folder this build was configured to install it in.
std::string engine_path() {
  char self[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  if (n > 0) {
    std::string path(self, static_cast<std::size_t>(n));
    std::string dir = path.substr(0, path.rfind('/'));
    for (std::string candidate :
         {dir + "/bootstrap-engine", dir + "/../libexec/bootstrap/bootstrap-engine"})
      if (access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return BOOTSTRAP_INSTALL_ENGINE;
}

[[noreturn]] void hand_to_engine(char** argv, const GlobalOptions& global) {
  std::string engine = engine_path();
  execv(engine.c_str(), argv);
  int err = errno;
  global.console().error(
      "cannot start " + engine + ": " + std::strerror(err) +
      " (it runs every command but run, shell, image and gc; is bootstrap fully installed?)");
  _exit(kExitEnvironment);
}

// The word naming the command: the first that is neither a global option nor the value of one
// (which options take a value, `app` knows).
std::string_view command_word(const CLI::App& app, int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--") break;
    if (arg == "-h" || arg == "--help") break;  // `bootstrap --help run`: the engine explains
    if (arg.size() < 2 || arg[0] != '-') return arg;
    if (arg.find('=') != std::string_view::npos) continue;
    const CLI::Option* option = app.get_option_no_throw(std::string(arg));
    if (option && option->get_items_expected_min() > 0) ++i;
  }
  return {};
}

int run_main(int argc, char** argv) {
  CLI::App app{"", "bootstrap"};
  describe_bootstrap(app);
  app.fallthrough();
  GlobalOptions global;
  add_global_options(app, global);
  // Only the command asked for is set up: a start of `bootstrap run` pays for no other.
  std::string_view command = command_word(app, argc, argv);
  Action action;
  if (command == "run") {
    add_run_command(app, action);
  } else if (command == "shell") {
    add_shell_command(app, action);
  } else if (command == "image") {
    add_image_command(app, action);
  } else if (command == "gc") {
    add_gc_command(app, action);
  } else {
    hand_to_engine(argv, global);
  }
  // Set after the subcommands, which keep their own --help: whatever is not theirs is left over
  // for the engine instead of being an error here.
  app.set_help_flag();
  app.allow_extras();
  app.prefix_command();

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? kExitOk : kExitUsage;
  }
  if (!action) hand_to_engine(argv, global);
  return run_action(action, global);
}

}  // namespace
}  // namespace bootstrap::cli

int main(int argc, char** argv) { return bootstrap::cli::run_main(argc, argv); }
