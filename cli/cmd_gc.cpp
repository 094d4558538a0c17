// bootstrap gc: remove what a killed bootstrap left behind, and layers nobody used for a while.
#include <fmt/format.h>

#include "bootstrap/layer_cache.hpp"
#include "commands.hpp"
#include "sandbox_cli.hpp"

namespace bootstrap::cli {

void add_gc_command(CLI::App& app, Action& action) {
  auto days = std::make_shared<double>(kLayerDaysKept);
  auto all = std::make_shared<bool>(false);
  auto* cmd =
      app.add_subcommand("gc", "Remove leftovers of killed runs and layers unused for a while");
  cmd->description(
      "Remove scratch directories of runs whose bootstrap is gone (their lock is free),\n"
      "half-built or half-removed images, and cached layers (run A's step layers, fetch\n"
      "layers) that no check used for the given number of days. Anything in use is left alone:\n"
      "a layer under a running check or apply is never removed. check and apply do this\n"
      "automatically first (layers: after " +
      fmt::format("{:g}", kLayerDaysKept) +
      " days); image build removes leftovers first, run and shell while\n"
      "their command runs. Prints each removed path on stdout.");
  cmd->add_option("--layers-unused-for", *days, "Remove layers not used for this many days")
      ->check(CLI::NonNegativeNumber)
      ->type_name("DAYS")
      ->capture_default_str();
  cmd->add_flag("--all-layers", *all,
                "Remove every layer that is not in use (same as --layers-unused-for 0)");
  cmd->callback([&action, days, all] {
    action = [days, all](const GlobalOptions& g) {
      Console console = g.console();
      // Rootless, what sandboxes wrote belongs to the user's subordinate ids: removed from
      // inside the user namespace, where those are the user's.
      sandbox::enter_user_namespace(sandbox::Mapping::CallerIsEnough);
      std::filesystem::path cache = sandbox_cli::cache_root(g);
      auto removed = sandbox::collect_garbage(cache);
      for (const auto& p : removed) console.out(p.string());
      auto age = std::chrono::seconds(*all ? 0 : static_cast<long long>(*days * 86400));
      std::uint64_t bytes = 0;
      auto layers = prune_layers(cache, age);
      for (const auto& l : layers) {
        console.out(l.dir.string());
        bytes += l.bytes;
      }
      std::size_t n = removed.size() + layers.size();
      console.progress(n == 0 ? "nothing to remove"
                              : fmt::format("removed {} item(s), {} of them layers ({:.1f} MB)", n,
                                            layers.size(), static_cast<double>(bytes) / 1e6));
      return 0;
    };
  });
}

}  // namespace bootstrap::cli
