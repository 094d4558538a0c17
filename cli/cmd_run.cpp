// bootstrap run IMAGE [--keep-changes DIR] [--network] [--env K=V]... -- CMD...
#include "commands.hpp"
#include "sandbox_cli.hpp"

namespace bootstrap::cli {

void add_run_command(CLI::App& app, Action& action) {
  auto opts = std::make_shared<sandbox_cli::RunOptions>();
  auto* cmd = app.add_subcommand("run", "Run a command in a disposable sandbox of an image");
  cmd->description(
      "Run a command in a disposable sandbox: new mount, pid, uts, ipc and network namespaces,\n"
      "an overlay root on IMAGE whose changes vanish afterwards (or are kept with "
      "--keep-changes),\n"
      "no network but loopback unless --network. The exit status is the command's (128+N when\n"
      "killed by signal N). With a terminal on stdin the command is interactive.\n"
      "IMAGE is 'host' (this machine's root, read-only), debian:bullseye|bookworm|trixie\n"
      "(built on first use; see 'bootstrap image build') or dir:PATH (a root tree of yours, such\n"
      "as 'bootstrap export --format dir' writes or 'umoci unpack' gives, left unchanged).");
  cmd->add_option("image", opts->image,
                  "host, debian:bullseye, debian:bookworm, debian:trixie or dir:PATH")
      ->required();
  cmd->add_option("command", opts->command, "The command and its arguments (after --)")->required();
  cmd->add_option(
         "--keep-changes", opts->keep_changes,
         "Leave the upper layer (every file the command changed; deletions as overlay whiteouts)\n"
         "in DIR, which must be missing or empty")
      ->type_name("DIR");
  cmd->add_flag("--network", opts->network,
                "Share this machine's network instead of loopback only");
  cmd->add_option("-e,--env", opts->env,
                  "Add KEY=VALUE to the sandbox's clean environment (repeatable)")
      ->allow_extra_args(false)
      ->type_name("KEY=VALUE");
  cmd->footer("Example: bootstrap run debian:trixie -- cat /etc/debian_version");
  cmd->callback([&action, opts] {
    action = [opts](const GlobalOptions& g) { return sandbox_cli::run_in_sandbox(g, *opts); };
  });
}

}  // namespace bootstrap::cli
