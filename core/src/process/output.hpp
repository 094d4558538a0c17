// Reading a child's output until the child itself exits (internal to core).
#pragma once

#include <string>

#include "bootstrap/unique_fd.hpp"
#include "spawn.hpp"

namespace bootstrap {

// Feeds `input` to `in` (then closes it) and appends what `out` gives to `output`, until the
// child has exited and `out` has nothing more to give right away, or until `limit_seconds`
// have passed. A daemon the child left holding `out` open does not keep this waiting. Returns
// false on timeout (the child still runs).
bool collect_output(Child& child, UniqueFd& out, UniqueFd& in, const std::string& input,
                    double limit_seconds, std::string& output);

// "2.5 s", "30 min"
std::string seconds_text(double seconds);

}  // namespace bootstrap
