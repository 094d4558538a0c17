// bootstrap report merge: the JSON reports of a matrix's jobs as one report and one verdict.
#include <fmt/format.h>

#include <fstream>

#include "bootstrap/exit_codes.hpp"
#include "bootstrap/report_merge.hpp"
#include "commands.hpp"

namespace bootstrap::cli {
namespace {

struct MergeFlags {
  std::vector<std::string> reports;
  std::string junit_file;
  std::string json_file;
};

void write_text(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::trunc);
  out << text;
  if (!out) throw std::runtime_error("cannot write " + path);
}

}  // namespace

void add_report_command(CLI::App& app, Action& action) {
  auto* report = app.add_subcommand("report", "Work with check reports (see: report merge --help)");
  report->require_subcommand(1);
  auto* cmd = report->add_subcommand(
      "merge",
      "Merge the JSON reports of `check --json` (a CI matrix's jobs, or shards) into one: a line\n"
      "per baseline x release, the failures' messages, and one exit status: 0 when at least one\n"
      "release was checked and all passed, 1 otherwise. Reports of another schema version, or two\n"
      "reports of the same release of a baseline, are refused (exit 2).");
  auto f = std::make_shared<MergeFlags>();
  cmd->add_option("REPORT", f->reports, "check --json files")->required()->check(CLI::ExistingFile);
  cmd->add_option("--junit", f->junit_file, "Write one JUnit XML report of them all here");
  cmd->add_option("--json", f->json_file, "Write the merged report as JSON here");
  cmd->callback([&action, f] {
    action = [f](const GlobalOptions& global) {
      Console console = global.console();
      std::vector<CheckDocument> docs;
      try {
        for (const auto& file : f->reports) docs.push_back(read_check_report(file));
        refuse_duplicates(docs);
      } catch (const std::invalid_argument& e) {
        console.error(e.what());
        return kExitUsage;
      }
      print_merged(console, docs);
      if (!f->json_file.empty()) write_text(f->json_file, merged_json(docs));
      if (!f->junit_file.empty()) write_text(f->junit_file, merged_junit(docs));
      return all_passed(docs) ? kExitOk : kExitFailed;
    };
  });
}

}  // namespace bootstrap::cli
