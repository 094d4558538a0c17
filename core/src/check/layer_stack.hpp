// Run A's step layers as a sandbox's lower layers, bounded in number whatever the number of
// steps: each time kSquashEvery step layers have piled up above the last squashed layer, they
// are squashed with it into one cached layer ("squash-<key of its last step>"), made of hard
// links to the step layers' files (no content is copied). A sandbox then mounts at most
// kSquashEvery - 1 step layers and one squashed layer, plus the fetch layer and the image.
// The step layers and their manifests stay as they are: attribution and idempotence are per
// step, exactly as before.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "bootstrap/layer_cache.hpp"

namespace bootstrap {

inline constexpr std::size_t kSquashEvery = 16;

class LayerStack {
 public:
  // `use_cache` false (--no-cache): a squashed layer is made again even when cached.
  LayerStack(std::filesystem::path cache_root, LayersInUse& in_use, bool use_cache);

  // The next step's layer (its tree), and the chain key that names steps 1..this one.
  void push(const std::filesystem::path& tree, const std::string& chain_key);

  // The lowers for a sandbox over every layer pushed, top-most first.
  std::vector<std::filesystem::path> lowers() const;

 private:
  void squash(const std::string& chain_key);

  std::filesystem::path cache_root_;
  LayersInUse* in_use_;
  bool use_cache_;
  std::filesystem::path base_;                // the squashed layer's tree, or empty
  std::vector<std::filesystem::path> above_;  // step layers above it, bottom up
};

// Lays `layer` (an overlay upper: whiteouts, opaque directories) over the tree `into` as
// overlayfs would show one over the other, keeping whiteouts (so that `into` stays a layer that
// hides what is below it): files, links and whiteouts hard-linked, directories made with their
// owner, mode and xattrs. Exposed for tests.
void lay_over(const std::filesystem::path& layer, const std::filesystem::path& into);

}  // namespace bootstrap
