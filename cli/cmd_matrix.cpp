// bootstrap matrix: the check's jobs for a CI system, one per baseline x release.
#include <fmt/format.h>

#include <iostream>

#include "bootstrap/exit_codes.hpp"
#include "bootstrap/matrix.hpp"
#include "commands.hpp"

namespace bootstrap::cli {
namespace {

struct MatrixFlags {
  std::vector<std::string> baselines;
  std::string os;
  std::string emit = "json";
  std::string bootstrap = "bootstrap";
  std::vector<std::string> tags;
};

}  // namespace

void add_matrix_command(CLI::App& app, Action& action) {
  auto* cmd = app.add_subcommand(
      "matrix",
      "Print the check's jobs for a CI system: one per baseline x release (the baseline's 'os:',\n"
      "or --os). --emit github: {\"include\":[...]} for `fromJSON` of a job output (at most 256\n"
      "jobs); gitlab: a child pipeline, a check job per pair with its reports as artifacts and a\n"
      "'report' job merging them; json: the jobs with the command each runs. Each baseline is\n"
      "read and its shape checked first (bootstrap validate checks the plugins' keys too).");
  auto f = std::make_shared<MatrixFlags>();
  cmd->add_option("BASELINE", f->baselines, "Baseline files (YAML)")->required();
  cmd->add_option("--os", f->os,
                  "Releases for every baseline, comma separated (default: each one's 'os')");
  cmd->add_option("--emit", f->emit, "github, gitlab or json")
      ->check(CLI::IsMember({"github", "gitlab", "json"}))
      ->capture_default_str();
  cmd->add_option("--bootstrap", f->bootstrap,
                  "How the jobs run bootstrap (a path, or a command with options)")
      ->capture_default_str();
  cmd->add_option("--tag", f->tags, "gitlab: a runner tag every job needs (repeatable)");
  cmd->callback([&action, f] {
    action = [f](const GlobalOptions& global) {
      std::vector<Baseline> baselines;
      for (const auto& file : f->baselines) {
        baselines.push_back(load_baseline(file));
        baselines.back().file = file;  // as given: the jobs run in their own checkout
      }
      std::vector<std::string> os = parse_os_list(f->os);
      std::vector<MatrixJob> jobs = matrix_jobs(baselines, os);
      if (f->emit == "github") {
        try {
          std::cout << matrix_github(jobs) << "\n";
        } catch (const std::length_error& e) {
          global.console().error(e.what());
          return kExitUsage;
        }
      } else if (f->emit == "gitlab") {
        std::cout << matrix_gitlab(jobs, f->bootstrap, f->tags);
      } else {
        std::cout << matrix_json(jobs, f->bootstrap);
      }
      global.console().progress(
          fmt::format("{} job(s): {} baseline(s) x their releases", jobs.size(), baselines.size()));
      return kExitOk;
    };
  });
}

}  // namespace bootstrap::cli
