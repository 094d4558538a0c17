// The two sandboxes of a release upgrade (see release_upgrade.cpp). Internal to upgrade_check.
#pragma once

#include <string>
#include <vector>

#include "bootstrap/plugin.hpp"
#include "bootstrap/sandbox/sandbox.hpp"
#include "bootstrap/upgrade.hpp"

namespace bootstrap {

// With the network, in a sandbox of `spec` (its upper keeps the result): sources switched,
// lists updated, what full-upgrade and the steps' `packages` need downloaded. "" or the failure.
std::string fetch_release_upgrade(sandbox::Spec spec, const UpgradePair& pair,
                                  const std::vector<std::string>& packages);

// Offline: apt-get full-upgrade from what was downloaded. "" or the failure; the number of
// packages upgraded in `packages_changed`.
std::string run_release_upgrade(sandbox::Spec spec, std::size_t& packages_changed);

}  // namespace bootstrap
