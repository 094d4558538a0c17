// Images restored from elsewhere (a CI cache of <cache>/images) are checked before a check or
// an apply stacks layers on them, as cached layers are (layer_trust.cpp): a tree that no longer
// matches the manifest recorded when it was first used is built again, not trusted.
#pragma once

#include <filesystem>
#include <string>

#include "bootstrap/sandbox/images.hpp"

namespace bootstrap {

// The image `name` from `store` (built if missing), checked against its record
// (<cache>/images/debian-<release>.verified: the tree's stamp and manifest digest). Same stamp:
// used as it is. Another stamp (restored, copied): its manifest is compared with the record's,
// and an image that differs is built again. No record yet for this build: one is made. The host
// image is this machine's live root and is never checked.
sandbox::Image trusted_image(sandbox::ImageStore& store, const std::string& name,
                             const sandbox::Progress& progress);

// "device:inode:ctime" of a tree's top folder: what a restore, a copy or a move always changes.
std::string tree_stamp(const std::filesystem::path& tree);

}  // namespace bootstrap
