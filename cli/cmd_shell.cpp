// bootstrap shell IMAGE: an interactive shell in a disposable sandbox.
#include "commands.hpp"
#include "sandbox_cli.hpp"

namespace bootstrap::cli {

void add_shell_command(CLI::App& app, Action& action) {
  auto opts = std::make_shared<sandbox_cli::RunOptions>();
  auto* cmd =
      app.add_subcommand("shell", "An interactive shell in a disposable sandbox of an image");
  cmd->description(
      "Start /bin/bash (or /bin/sh when the image has no bash) in a disposable sandbox of IMAGE:\n"
      "everything it changes vanishes on exit unless --keep-changes DIR. Loopback only unless\n"
      "--network. IMAGE is 'host' or debian:bullseye|bookworm|trixie.");
  cmd->add_option("image", opts->image, "host, debian:bullseye, debian:bookworm or debian:trixie")
      ->required();
  cmd->add_option("--keep-changes", opts->keep_changes,
                  "Leave the upper layer in DIR (missing or empty)")
      ->type_name("DIR");
  cmd->add_flag("--network", opts->network,
                "Share this machine's network instead of loopback only");
  cmd->add_option("-e,--env", opts->env,
                  "Add KEY=VALUE to the sandbox's clean environment (repeatable)")
      ->allow_extra_args(false)
      ->type_name("KEY=VALUE");
  cmd->callback([&action, opts] {
    action = [opts](const GlobalOptions& g) {
      opts->command = {"/bin/sh", "-c",
                       "if [ -x /bin/bash ]; then exec /bin/bash -i; else exec /bin/sh -i; fi"};
      return sandbox_cli::run_in_sandbox(g, *opts);
    };
  });
}

}  // namespace bootstrap::cli
