// bootstrap check: prove a baseline applied, repeatable, idempotent and verified in sandboxes.
//
//   fetch (network)  -> prepared layer: apt lists + downloaded packages, shared by A and B
//   run A (offline)  -> one cached layer per step, then      } in parallel
//                       its re-apply and its checks          }
//   run B (offline)  -> from scratch, always, then its checks }
//   re-apply on A    -> no change reported, manifest unchanged   (idempotent)
//   A == B modulo ignore rules                                     (repeatable)
//   every check passes on A and on B                               (verified)
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "bootstrap/apply.hpp"
#include "bootstrap/console.hpp"
#include "bootstrap/layer_cache.hpp"
#include "bootstrap/manifest.hpp"

namespace bootstrap {

struct CheckOptions {
  std::filesystem::path cache_root;
  bool use_cache = true;      // false: run A from scratch too (--no-cache)
  bool strict_times = false;  // compare mtimes as well
};

struct Verdict {
  bool passed = false;
  bool ran = false;                   // false when an earlier failure prevented it
  std::vector<std::string> messages;  // why it failed, one line each
};

struct StepOutcome {
  int index = 0;
  std::string plugin;
  std::size_t changes_a = 0;
  std::size_t changes_b = 0;
  std::size_t changes_reapply = 0;
  double seconds_a = 0;
  double seconds_b = 0;
  double seconds_checks = 0;       // the step's verify, the slower of runs A and B
  bool cached = false;             // run A reused a layer from an earlier check
  bool cached_b = false;           // run B reused its own layer of an earlier check
  double seconds_saved = 0;        // what the cached layer took when it was made
  std::string error;               // apply failed
  std::vector<Check> checks;       // from run A and run B (B's prefixed when they differ)
  std::vector<std::string> notes;  // from any run, each once ("left 1 process running ...")
  void add_note(const std::string& note);
};

// What an upgrade check (check --upgrade FROM..TO) found, beside its ReleaseReport.
struct UpgradeOutcome {
  std::string from, to;
  Verdict upgraded;              // the release upgrade ran (sources switched, apt-get full-upgrade)
  Verdict converged;             // the baseline re-applied on the upgraded tree and its checks pass
  Verdict equivalent;            // the upgraded tree is a fresh TO host's, but for what is listed
  std::size_t paths_differ = 0;  // before upgrade_ignore
  std::vector<std::string> packages;  // differences in installed packages, one line each
  std::size_t packages_upgraded = 0;  // what full-upgrade changed
  double seconds_upgrade = 0;         // the offline full-upgrade
};

struct ReleaseReport {
  std::string image;    // "debian:trixie", "host"
  std::string release;  // "trixie"
  std::string image_digest;
  std::vector<StepOutcome> steps;
  Verdict applied, repeatable, idempotent, verified;
  std::string environment_error;  // the release could not be checked at all (exit 3)
  struct ChangedPath {
    std::string kind;  // created, modified, removed
    std::string path;
    int step = -1;  // 0-based index of the step that wrote it last (-1: not known)
    bool per_host =
        false;  // a host's identity (a step's per_host_paths): not compared between runs
  };
  std::vector<ChangedPath> changes;  // what the baseline writes, sorted by path
  std::string manifest_digest;
  std::uint64_t fetched_bytes = 0;
  bool fetch_cached = false;
  bool fetch_needed = false;
  int services = 0;             // services the checks started (each run)
  double services_seconds = 0;  // the slower run's: from starting them until all were ready
  double seconds = 0;
  // When nothing changed since a passing check (image, fetch layer, every step's key, ignore
  // rules): that check's time, and this report is its result; "" otherwise.
  std::string reused_from;
  // An upgrade check (check --upgrade FROM..TO): image "upgrade:FROM..TO", release TO, steps
  // with run A's changes on FROM and the re-apply's on the upgraded tree, and the verdicts of
  // UpgradeOutcome instead of the four above.
  using Upgrade = UpgradeOutcome;
  std::optional<Upgrade> upgrade;
  bool passed() const;
};

using CheckProgress = std::function<void(const std::string& image, const std::string& line)>;

ReleaseReport check_image(ConfiguredBaseline& baseline, const std::string& image,
                          const CheckOptions& options, const CheckProgress& progress);

// The fetch phase alone: the prepared layer (apt lists + downloaded packages) for `image`, or an
// empty path when no step needs anything fetched. Cached: a second call downloads nothing. The
// layer stays in use (safe from `bootstrap gc`) as long as `in_use` lives.
std::filesystem::path prepare_fetch_layer(ConfiguredBaseline& baseline, const std::string& image,
                                          const std::filesystem::path& image_root,
                                          const std::string& image_digest,
                                          const CheckOptions& options, ReleaseReport& report,
                                          const CheckProgress& progress, LayersInUse& in_use);

// What a step's cached layer is keyed by: the previous key, the plugin and its library's
// digest, the step's config (not its line numbers), and files next to the baseline it names.
std::string step_key(const std::string& previous, const ConfiguredStep& step,
                     const std::filesystem::path& baseline_dir);

}  // namespace bootstrap
