// bootstrap check --upgrade FROM..TO: does a host of FROM, upgraded to TO the Debian way and the
// baseline applied again, end up as a fresh TO host with the same baseline?
//
//   run A on FROM         the check's own run A (cached layers reused)
//   fetch   (network)     sources switched to TO; apt-get update; full-upgrade's packages and
//                         the steps' downloaded                                  } upgraded
//   upgrade (offline)     apt-get full-upgrade, non-interactive, old conffiles kept }
//   re-apply, checks      the baseline on the upgraded tree (its changes: the upgrade's
//                         convergence work), then every step's checks            converged
//   compare               with run A of a fresh TO: path by path (ignore rules, upgrade_ignore),
//                         and the packages installed on one and not the other    equivalent
#pragma once

#include <map>
#include <string>
#include <vector>

#include "bootstrap/apply.hpp"
#include "bootstrap/check.hpp"

namespace bootstrap {

struct UpgradePair {
  std::string from, to;
};

// "bookworm..trixie": both known releases, FROM older than TO. Throws std::invalid_argument
// with one line saying what is wrong.
UpgradePair parse_upgrade_pair(const std::string& text);

ReleaseReport check_upgrade(ConfiguredBaseline& baseline, const UpgradePair& pair,
                            const CheckOptions& options, const CheckProgress& progress);

// The installed packages of a dpkg status file: name (with :arch when not the native one) ->
// "version" or "version (config files only)".
std::map<std::string, std::string> installed_packages(const std::string& status);

// Each difference between two hosts' packages, sorted by package name.
struct PackageDifference {
  std::string package;
  std::string line;  // "package libffi7 3.3-6: on the upgraded host only"
};
std::vector<PackageDifference> package_differences(
    const std::map<std::string, std::string>& upgraded,
    const std::map<std::string, std::string>& fresh);

}  // namespace bootstrap
