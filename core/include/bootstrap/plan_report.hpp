// Change lists that read like a plan: created / modified / removed, one line each, then a
// summary line.
#pragma once

#include <string>
#include <vector>

#include "bootstrap/apply.hpp"
#include "bootstrap/console.hpp"

namespace bootstrap {

std::string change_verb(ChangeKind kind);  // "created", "modified", "removed"

// Prints each step's changes and failed checks to stdout, then the summary line.
void print_apply_report(Console& console, const ConfiguredBaseline& baseline,
                        const ApplyReport& report, bool show_checks);

// "3 created, 1 modified, 0 removed"
std::string change_summary(const ApplyReport& report);

}  // namespace bootstrap
