// The layer cache, <cache>/layers: the prepared layers a check stacks under its runs.
//
//   fetch-<digest>/, step-<key>/   tree/ (an overlay upper), manifest.json, outcome.json
//   <name>.lock                    held exclusively while the layer is made or replaced
//   <name>.use                     held shared by every check or apply that has the layer in a
//                                  sandbox; pruning needs it exclusively, so it never removes a
//                                  layer something runs on
//
// A layer folder's mtime is the time it was last used; `bootstrap gc` prunes layers unused for
// longer than a limit (and what a killed bootstrap left half-stored).
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "bootstrap/manifest.hpp"
#include "bootstrap/sandbox/lock.hpp"

namespace bootstrap {

struct CachedLayer {
  std::filesystem::path dir;  // <cache>/layers/<name>
  std::filesystem::path tree() const { return dir / "tree"; }
  bool complete() const;  // stored whole (outcome.json is written last)
};

CachedLayer cached_layer(const std::filesystem::path& cache_root, const std::string& name);

// Exclusive lock of one layer while it is looked up, made or replaced.
class LayerMakeLock {
 public:
  explicit LayerMakeLock(const CachedLayer& layer);

 private:
  sandbox::FileLock lock_;
};

// The layers a check or apply has in its sandboxes: each held "in use" until this is destroyed,
// and stamped with the time of use.
class LayersInUse {
 public:
  void hold(const CachedLayer& layer);

 private:
  std::vector<sandbox::FileLock> locks_;
};

// A complete layer that was stored here, or whose tree still matches the manifest stored with
// it (compared once after a restore from elsewhere, such as a CI cache: see layer_trust.cpp).
// False for a layer that is missing or does not match, with the reason in `why`: the caller
// removes it (remove_layer) and makes it again.
bool layer_trusted(const CachedLayer& layer, std::string* why = nullptr);
// Records that `layer` was stored (or checked) here.
void stamp_layer(const CachedLayer& layer);

// Removes `layer` so that it can be made again (--no-cache), once no other check has it in its
// sandboxes (waits for them). The caller holds its LayerMakeLock.
void remove_layer(const CachedLayer& layer);

// Moves a finished upper into the cache as `layer`, atomically (rename of a complete folder);
// `upper` is left as an empty folder.
void store_layer(const std::filesystem::path& upper, const CachedLayer& layer,
                 const Manifest& manifest, const nlohmann::json& outcome);

struct PrunedLayer {
  std::filesystem::path dir;
  std::uint64_t bytes = 0;
};

// Removes every layer unused for longer than `unused_for` that nobody holds in use or is
// making, and half-stored layers whose maker is gone. Returns what it removed.
std::vector<PrunedLayer> prune_layers(const std::filesystem::path& cache_root,
                                      std::chrono::seconds unused_for);

}  // namespace bootstrap
