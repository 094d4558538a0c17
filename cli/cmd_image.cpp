// bootstrap image build|list|rm: the images sandboxes start from.
#include <fmt/format.h>

#include "commands.hpp"
#include "sandbox_cli.hpp"

namespace bootstrap::cli {
namespace {

std::string human_size(std::uint64_t bytes) {
  if (bytes == 0) return "-";
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(bytes);
  int u = 0;
  while (v >= 1024 && u < 4) {
    v /= 1024;
    ++u;
  }
  return fmt::format("{:.0f} {}", v, units[u]);
}

}  // namespace

void add_image_command(CLI::App& app, Action& action) {
  auto* cmd = app.add_subcommand("image", "Build, list and remove the images sandboxes start from");
  cmd->description(
      "Images are read-only roots: 'host' (this machine's live root) and debian:bullseye,\n"
      "debian:bookworm, debian:trixie, built with mmdebstrap (variant minbase) from this\n"
      "machine's configured apt sources into CACHE/images/. A build happens once, under a\n"
      "lock, so parallel commands wait for it; a failed or interrupted build leaves nothing.");
  cmd->require_subcommand(1);

  auto name = std::make_shared<std::string>();
  auto rebuild = std::make_shared<bool>(false);
  auto* build = cmd->add_subcommand("build", "Build an image (nothing to do when it is cached)");
  build->add_option("name", *name, "debian:bullseye, debian:bookworm or debian:trixie")->required();
  build->add_flag("--rebuild", *rebuild,
                  "Build again even when cached; the old image is replaced atomically");
  build->callback([&action, name, rebuild] {
    action = [name, rebuild](const GlobalOptions& g) {
      Console console = g.console();
      sandbox_cli::require_sandboxes();
      auto cache = sandbox_cli::cache_root(g);
      sandbox_cli::auto_gc(cache, console);
      sandbox::ImageStore store(cache);
      auto progress = [&console](const std::string& line) {
        if (console.stderr_is_tty()) {
          console.status(line);
        } else {
          console.progress(line);
        }
      };
      sandbox::Image img = store.build(*name, *rebuild, progress);
      console.clear_status();
      console.out(fmt::format("{} {} {}", img.name, img.digest, img.root.string()));
      return 0;
    };
  });

  auto* list =
      cmd->add_subcommand("list", "List the images: name, release, size, build time, digest");
  list->callback([&action] {
    action = [](const GlobalOptions& g) {
      Console console = g.console();
      sandbox::ImageStore store(sandbox_cli::cache_root(g));
      console.out(fmt::format("{:<18} {:<10} {:>9}  {:<20}  {}", "NAME", "RELEASE", "SIZE", "BUILT",
                              "DIGEST"));
      for (const auto& img : store.list()) {
        console.out(fmt::format("{:<18} {:<10} {:>9}  {:<20}  {}", img.name, img.release,
                                human_size(img.size_bytes),
                                img.built_at.empty() ? "-" : img.built_at, img.digest));
      }
      return 0;
    };
  });

  auto rm_name = std::make_shared<std::string>();
  auto* rm = cmd->add_subcommand(
      "rm", "Remove a cached image (running sandboxes should be stopped first)");
  rm->add_option("name", *rm_name, "debian:bullseye, debian:bookworm or debian:trixie")->required();
  rm->callback([&action, rm_name] {
    action = [rm_name](const GlobalOptions& g) {
      Console console = g.console();
      sandbox::ImageStore store(sandbox_cli::cache_root(g));
      if (!store.remove(*rm_name)) {
        console.error(*rm_name + " is not cached");
        return 1;
      }
      console.progress("removed " + *rm_name);
      return 0;
    };
  });
}

}  // namespace bootstrap::cli
