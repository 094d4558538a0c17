// What a check's runs share: the context they run in, the sandboxes (layers over the fetch
// layer and the image, and where their changes go), and the test of a cached layer. Internal to
// check.cpp, run_a.cpp and run_b.cpp.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "bootstrap/check.hpp"
#include "bootstrap/layer_cache.hpp"
#include "bootstrap/manifest.hpp"
#include "bootstrap/sandbox/images.hpp"
#include "bootstrap/sandbox/sandbox.hpp"
#include "bootstrap/sandbox/scratch.hpp"

namespace bootstrap {

// The index spaces of a check, kept apart by their names:
//   StepPosition  a step's place in the baseline's list, 0-based (StepConfig::step_index, the
//                 index of `keys`, of ReleaseReport::steps);
//   "step N"      what users read: step_name(), 1-based;
//   layer depth   a layer's place in a LayerStack (top-most first), which squashing changes.
using StepPosition = std::size_t;

// What run A and run B are given by the check.
struct RunContext {
  ConfiguredBaseline* baseline;
  const std::vector<std::string>* keys;  // each step's chain key, by StepPosition
  std::filesystem::path fetch;           // the fetch layer, or empty
  const sandbox::Image* image;
  sandbox::Spec base;  // what every sandbox of the check shares
  CheckOptions options;
  ManifestOptions manifest;
  LayersInUse* in_use;
};

// A cached layer to reuse. One restored from elsewhere that no longer matches its manifest is
// removed, saying so on `progress`, and the caller makes it again (holding its LayerMakeLock).
bool reusable_layer(const CachedLayer& layer, const std::string& image,
                    const CheckProgress& progress);

// Layers (top-most first) over the fetch layer (when there is one) and the image.
inline std::vector<std::filesystem::path> lowers_of(std::vector<std::filesystem::path> out,
                                                    const std::filesystem::path& fetch,
                                                    const sandbox::Image& image) {
  if (!fetch.empty()) out.push_back(fetch);
  out.push_back(image.root);
  return out;
}

// `base` over `lowers` (top first), its changes going to `scratch` (or a tmpfs when null).
inline sandbox::Spec spec_over(const sandbox::Spec& base, std::vector<std::filesystem::path> lowers,
                               const sandbox::Scratch* scratch, const std::string& hostname) {
  sandbox::Spec spec = base;
  spec.lowers = std::move(lowers);
  if (scratch != nullptr) {
    spec.upper = scratch->upper();
    spec.work = scratch->work();
  }
  spec.hostname = hostname;
  return spec;
}

}  // namespace bootstrap
