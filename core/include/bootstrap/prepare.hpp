// One apply of a baseline in a disposable sandbox over an image, keeping its change set: what
// `apply --image` shows, and the "prepare" of `plan` and `apply --for-real`, whose image is the
// target itself (its root as the lower layer), so that the upper layer is exactly what
// committing will change there.
//
//   fetch (network, cached)   -> the prepared layer (apt lists + downloads), when needed
//   apply every step          -> the change set, in a scratch upper layer (offline)
//   the checks                -> a second sandbox over it, with the services, setuid allowed
#pragma once

#include <filesystem>
#include <memory>
#include <vector>

#include "bootstrap/check.hpp"
#include "bootstrap/sandbox/images.hpp"
#include "bootstrap/sandbox/scratch.hpp"
#include "bootstrap/sandboxed_steps.hpp"

namespace bootstrap {

struct Prepared {
  std::unique_ptr<sandbox::Scratch> scratch;  // scratch->upper(): the change set
  std::vector<std::filesystem::path> lowers;  // topmost first: the fetch layer, the image
  StepsResult steps;                          // applied, then verified (unless asked not to)
  LayersInUse in_use;                         // the fetch layer, safe from gc while this lives
  std::filesystem::path upper() const { return scratch->upper(); }
};

Prepared prepare(ConfiguredBaseline& baseline, const sandbox::Image& image,
                 const CheckOptions& options, const CheckProgress& progress, bool verify);

// The report of what prepare applied and checked, as apply prints it.
ApplyReport report_of(const StepsResult& steps);

}  // namespace bootstrap
