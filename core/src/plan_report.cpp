#include "bootstrap/plan_report.hpp"

#include <fmt/format.h>

namespace bootstrap {

std::string change_verb(ChangeKind kind) {
  switch (kind) {
    case ChangeKind::Created:
      return "created";
    case ChangeKind::Modified:
      return "modified";
    case ChangeKind::Removed:
      return "removed";
  }
  return "?";
}

std::string change_summary(const ApplyReport& report) {
  return fmt::format("{} created, {} modified, {} removed", report.count(ChangeKind::Created),
                     report.count(ChangeKind::Modified), report.count(ChangeKind::Removed));
}

void print_apply_report(Console& console, const ConfiguredBaseline& baseline,
                        const ApplyReport& report, bool show_checks) {
  std::size_t passed = 0;
  std::size_t failed = 0;
  for (const StepReport& r : report.steps) {
    const Step& step = step_at(baseline, r.index).step;
    console.out(console.bold(fmt::format("step {} {}", r.index + 1, step.plugin)) +
                console.dim(fmt::format("  ({} changes, {:.2f}s)", r.changes.size(), r.seconds)));
    for (const Change& c : r.changes) {
      std::string verb = change_verb(c.kind);
      std::string painted =
          c.kind == ChangeKind::Created   ? console.green(fmt::format("{:<9}", verb))
          : c.kind == ChangeKind::Removed ? console.red(fmt::format("{:<9}", verb))
                                          : console.yellow(fmt::format("{:<9}", verb));
      console.out(fmt::format("  {} {}{}", painted, c.what,
                              c.detail.empty() ? "" : "  " + console.dim(c.detail)));
    }
    for (const Check& c : r.checks) {
      c.passed ? ++passed : ++failed;
      if (!c.passed || show_checks)
        console.out(fmt::format("  {} {}{}",
                                c.passed ? console.green("ok    ") : console.red("FAILED"), c.name,
                                c.detail.empty() ? "" : ": " + c.detail));
    }
    for (const auto& n : r.notes) console.out("  " + console.yellow("note: ") + n);
    if (r.error) console.out("  " + console.red("error: ") + *r.error);
  }
  std::string checks = passed + failed == 0
                           ? std::string()
                           : fmt::format("; checks: {} passed, {} failed", passed, failed);
  console.out(
      fmt::format("summary: {} ({} changes){}", change_summary(report), report.changes(), checks));
}

}  // namespace bootstrap
