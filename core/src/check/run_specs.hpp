// The sandboxes of a check's runs: layers over the fetch layer and the image, and where their
// changes go. Internal to check.cpp and run_b.cpp.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "bootstrap/sandbox/images.hpp"
#include "bootstrap/sandbox/sandbox.hpp"
#include "bootstrap/sandbox/scratch.hpp"

namespace bootstrap {

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
