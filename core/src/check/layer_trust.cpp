// Whether a cached layer can be used as it is. A layer stored here carries a stamp of its tree
// folder (device, inode, ctime): a layer restored from elsewhere (a CI cache, a copy) has new
// inodes, so its stamp no longer matches, and its tree is compared once with the manifest stored
// beside it. A tree that differs (truncated, edited, extracted without xattrs, from a foreign
// cache) is not used: the check removes it and makes the layer again.
#include <sys/stat.h>

#include <cerrno>
#include <fstream>

#include "bootstrap/image_trust.hpp"
#include "bootstrap/layer_cache.hpp"
#include "bootstrap/system_error.hpp"
#include "run_specs.hpp"

namespace bootstrap {
namespace fs = std::filesystem;

namespace {

const char* const kStamp = "verified";

std::string read_small(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), {});
}

}  // namespace

void stamp_layer(const CachedLayer& layer) {
  std::ofstream out(layer.dir / kStamp, std::ios::trunc);
  out << tree_stamp(layer.tree());
}

bool layer_trusted(const CachedLayer& layer, std::string* why) {
  if (!layer.complete()) return false;
  std::string stamp = tree_stamp(layer.tree());
  if (!stamp.empty() && read_small(layer.dir / kStamp) == stamp) return true;
  std::string problem;
  try {
    Manifest stored =
        Manifest::from_json(nlohmann::json::parse(read_small(layer.dir / "manifest.json")));
    Manifest found = build_manifest(layer.tree());
    if (stored.digest() != found.digest())
      problem = "its tree does not match its manifest (" + std::to_string(found.size()) +
                " paths against " + std::to_string(stored.size()) + " recorded)";
  } catch (const std::exception& e) {
    problem = std::string("it cannot be read back: ") + e.what();
  }
  if (!problem.empty()) {
    if (why != nullptr) *why = problem;
    return false;
  }
  stamp_layer(layer);
  return true;
}

bool reusable_layer(const CachedLayer& layer, const std::string& image,
                    const CheckProgress& progress) {
  std::string why;
  if (layer_trusted(layer, &why)) return true;
  if (!why.empty()) {
    progress(image, "cached layer " + layer.dir.filename().string() + " not used: " + why +
                        "; making it again");
    remove_layer(layer);
  }
  return false;
}

}  // namespace bootstrap
