// What the sandbox commands (run, shell, image, gc) share: the cache root, the automatic gc,
// image progress on stderr, and running a command in a sandbox the way a shell runs a job.
#pragma once

#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "bootstrap/console.hpp"
#include "bootstrap/sandbox/images.hpp"
#include "bootstrap/sandbox/network.hpp"
#include "bootstrap/sandbox/sandbox.hpp"
#include "bootstrap/sandbox/scratch.hpp"
#include "bootstrap/sandbox/tree.hpp"
#include "bootstrap/sandbox/user_namespace.hpp"
#include "bootstrap/system_error.hpp"
#include "commands.hpp"

namespace bootstrap::cli::sandbox_cli {

inline std::filesystem::path cache_root(const GlobalOptions& g) {
  return g.cache_dir.empty() ? sandbox::default_cache_root() : std::filesystem::path(g.cache_dir);
}

// Refuses (EnvironmentError, exit 3) when this machine cannot run sandboxes; not root, enters
// the user's own user namespace first (see user_namespace.hpp), as the whole command runs there.
inline void require_sandboxes(sandbox::Mapping need = sandbox::Mapping::Full) {
  sandbox::enter_user_namespace(need);
  std::string why = sandbox::why_sandboxes_cannot_run();
  if (!why.empty()) throw EnvironmentError("cannot run sandboxes here: " + why);
}

// What a killed bootstrap left behind goes first; a gc failure must not stop the command.
inline void auto_gc(const std::filesystem::path& cache, Console& console) {
  try {
    for (const auto& p : sandbox::collect_garbage(cache))
      console.debug("gc: removed " + p.string());
  } catch (const std::exception& e) {
    console.warn(std::string("gc: ") + e.what());
  }
}

inline sandbox::Progress image_progress(Console& console) {
  return [&console](const std::string& line) { console.status(line); };
}

struct RunOptions {
  std::string image;
  std::vector<std::string> command;
  std::string keep_changes;
  bool network = false;
  std::vector<std::string> env;
};

// Runs `o.command` in a sandbox of `o.image`; returns its exit status like a shell would.
inline int run_in_sandbox(const GlobalOptions& g, const RunOptions& o) {
  Console console = g.console();
  // The host image is this machine's own files, read-only: the caller alone will do.
  require_sandboxes(o.image == "host" ? sandbox::Mapping::CallerIsEnough : sandbox::Mapping::Full);
  // The largest single cost of a start, made while the image is looked up and pid 1 mounts.
  std::shared_ptr<sandbox::PrivateNetwork> network;
  if (!o.network) network = sandbox::PrivateNetwork::start();
  std::filesystem::path cache = cache_root(g);
  std::filesystem::path keep;
  if (!o.keep_changes.empty()) {
    keep = std::filesystem::absolute(o.keep_changes);
    std::error_code ec;
    if (std::filesystem::exists(keep, ec) && !std::filesystem::is_empty(keep, ec))
      throw std::runtime_error("--keep-changes " + keep.string() +
                               ": must be missing or an empty directory");
  }
  sandbox::ImageStore store(cache);
  sandbox::Image image = store.get(o.image, image_progress(console));
  console.clear_status();

  sandbox::Spec spec;
  spec.lowers = {image.root};
  spec.submounts = sandbox::submounts_of(image);
  spec.share_network = o.network;
  spec.network = network;
  spec.env = o.env;
  spec.interactive = isatty(STDIN_FILENO) == 1;
  std::error_code ec;
  // The host image shows the cache dir itself; other sandboxes' layers are none of its business.
  if (image.root == "/" && std::filesystem::is_directory(cache, ec))
    spec.masked.push_back(std::filesystem::canonical(cache).string());

  std::unique_ptr<sandbox::Scratch> scratch;
  if (!keep.empty()) {
    scratch = std::make_unique<sandbox::Scratch>(cache);
    spec.upper = scratch->upper();
    spec.work = scratch->work();
  }
  // Like a shell with a foreground job: the terminal's ^C and ^\ are for the command.
  struct sigaction ignore {
  }, old_int{}, old_quit{};
  ignore.sa_handler = SIG_IGN;
  if (spec.interactive) {
    sigaction(SIGINT, &ignore, &old_int);
    sigaction(SIGQUIT, &ignore, &old_quit);
  }
  sandbox::Result r;
  try {
    sandbox::Sandbox box = sandbox::Sandbox::start(spec, o.command);
    // What killed runs left behind (never a live run's, nor ours: they are locked), while the
    // command runs rather than before it starts.
    auto_gc(cache, console);
    // Like bubblewrap, return once the command and everything it started are gone; the kernel
    // finishes unmounting the sandbox's private mounts on its own (kept changes need them gone).
    r = box.wait(scratch ? sandbox::Teardown::Wait : sandbox::Teardown::InBackground);
  } catch (...) {
    if (spec.interactive) {
      sigaction(SIGINT, &old_int, nullptr);
      sigaction(SIGQUIT, &old_quit, nullptr);
    }
    throw;
  }
  if (spec.interactive) {
    sigaction(SIGINT, &old_int, nullptr);
    sigaction(SIGQUIT, &old_quit, nullptr);
  }
  if (scratch) {
    sandbox::move_tree(scratch->upper(), keep);
    console.progress("changes kept in " + keep.string());
  }
  if (r.signal != 0) console.debug("command " + r.describe());
  return r.status;
}

}  // namespace bootstrap::cli::sandbox_cli
