// check --upgrade FROM..TO (see upgrade.hpp): run A on FROM, the release upgrade, the baseline
// again, then the upgraded tree against a fresh TO host's, path by path and package by package.
#include <fmt/format.h>

#include <chrono>
#include <fstream>

#include "../check/run_a.hpp"
#include "../check/run_specs.hpp"
#include "bootstrap/ignore_rules.hpp"
#include "bootstrap/sandbox/scratch.hpp"
#include "bootstrap/upgrade.hpp"
#include "release_upgrade.hpp"

namespace bootstrap {
namespace fs = std::filesystem;

namespace {

double now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// What the steps download as packages (the fetch phase's list), for TO's fetch.
std::vector<std::string> steps_packages(ConfiguredBaseline& baseline) {
  std::vector<std::string> out;
  for (auto& s : baseline.steps) {
    Fetch f;
    if (Status st = s.instance.port().fetch(f))
      throw std::runtime_error("plugin " + step_name(s.step) +
                               " failed to say what it needs: " + st->message);
    out.insert(out.end(), f.packages.begin(), f.packages.end());
  }
  return out;
}

// A whole host's tree: the image, the fetch layer, a run's layers, then `uppers` (bottom first).
// Overlay's whiteouts and opaque marks mean nothing once nothing is below.
Manifest whole_tree(const sandbox::Image& image, const fs::path& fetch,
                    const std::vector<Manifest>& run, const std::vector<fs::path>& uppers = {}) {
  std::vector<Manifest> layers = {build_manifest(image.root)};
  if (!fetch.empty()) layers.push_back(build_manifest(fetch));
  layers.insert(layers.end(), run.begin(), run.end());
  for (const auto& dir : uppers) layers.push_back(build_manifest(dir));
  std::vector<ManifestEntry> out;
  Manifest merged = merged_manifest(layers, {});
  for (const auto& e : merged.entries())
    if (e.type != ManifestEntry::Type::Whiteout) out.push_back(e);
  return Manifest(std::move(out));
}

// The dpkg status a sandbox over `lowers` (top-most first) would read.
std::string dpkg_status(const std::vector<fs::path>& lowers) {
  for (const auto& layer : lowers) {
    fs::path p = layer / "var/lib/dpkg/status";
    std::error_code ec;
    if (fs::is_regular_file(fs::symlink_status(p, ec))) {
      std::ifstream in(p, std::ios::binary);
      return std::string((std::istreambuf_iterator<char>(in)), {});
    }
  }
  return "";
}

// A fresh TO host: run A of the check on TO (its cached layers reused), as a whole tree, and
// the layers a sandbox over it would have.
struct Fresh {
  Manifest tree;
  std::vector<fs::path> lowers;
};

Fresh fresh_host(ConfiguredBaseline& baseline, const std::string& to, const CheckOptions& options,
                 const CheckProgress& progress, LayersInUse& in_use) {
  ReleaseReport report;  // its own: the upgrade report's steps are FROM's
  report.steps = step_outcomes(baseline);
  CheckStart t = start_check(baseline, "debian:" + to, options, report, progress, in_use);
  RunA run(run_context(baseline, t, options, in_use), report, progress);
  if (auto failed = run.all())
    throw std::runtime_error("a fresh " + to +
                             " host could not be made: " + report.steps[*failed].error);
  return {whole_tree(t.image, t.fetch, run.manifests()), lowers_of(run.lowers(), t.fetch, t.image)};
}

}  // namespace

ReleaseReport check_upgrade(ConfiguredBaseline& baseline, const UpgradePair& pair,
                            const CheckOptions& options, const CheckProgress& progress) {
  double t0 = now();
  std::string name = "upgrade:" + pair.from + ".." + pair.to;
  auto say = [&](const std::string& line) { progress(name, line); };
  ReleaseReport report;
  report.image = name;
  report.upgrade.emplace();
  ReleaseReport::Upgrade& u = *report.upgrade;
  u.from = pair.from;
  u.to = pair.to;
  report.steps = step_outcomes(baseline);
  auto done = [&] {
    report.release = pair.to;
    report.seconds = now() - t0;
    return report;
  };

  LayersInUse in_use;
  CheckStart a = start_check(baseline, "debian:" + pair.from, options, report, progress, in_use);
  RunA run_a(run_context(baseline, a, options, in_use), report, progress);
  u.upgraded.ran = true;
  if (auto failed = run_a.all()) {
    u.upgraded.messages.push_back("run A on " + pair.from +
                                  " failed: " + report.steps[*failed].error);
    return done();
  }
  std::vector<fs::path> lowers = lowers_of(run_a.lowers(), a.fetch, a.image);

  // The upgrade: downloads with the network, then full-upgrade offline.
  say("upgrade: sources switched to " + pair.to + ", downloading what full-upgrade needs");
  sandbox::Scratch fetched(options.cache_root), upgraded(options.cache_root);
  std::string failed = fetch_release_upgrade(spec_over(a.base, lowers, &fetched, "upgrade"), pair,
                                             steps_packages(baseline));
  lowers.insert(lowers.begin(), fetched.upper());
  if (failed.empty()) {
    say("upgrade: apt-get full-upgrade, offline");
    double t = now();
    failed =
        run_release_upgrade(spec_over(a.base, lowers, &upgraded, "upgrade"), u.packages_upgraded);
    u.seconds_upgrade = now() - t;
  }
  if (!failed.empty()) {
    u.upgraded.messages.push_back(failed);
    return done();
  }
  u.upgraded.passed = true;
  lowers.insert(lowers.begin(), upgraded.upper());

  // The baseline again, then its checks: the upgraded host converges, or does not.
  say("re-applying the baseline on the upgraded tree");
  u.converged.ran = true;
  sandbox::Scratch reapplied(options.cache_root);
  StepsResult r = SandboxedSteps::start(baseline, spec_over(a.base, lowers, &reapplied, "upgraded"),
                                        {all_steps(baseline), {}})
                      .finish();
  for (const auto& rep : r.applied) {
    StepOutcome& o = report.steps.at(static_cast<std::size_t>(rep.index));
    o.changes_reapply = rep.changes.size();
    for (const auto& n : rep.notes) o.add_note(n);
    if (rep.error)
      u.converged.messages.push_back(
          step_name(baseline.steps[static_cast<std::size_t>(rep.index)].step) +
          " failed on the upgraded tree: " + *rep.error);
  }
  if (!r.crash.empty()) u.converged.messages.push_back("re-apply: " + r.crash);
  if (u.converged.messages.empty()) {
    lowers.insert(lowers.begin(), reapplied.upper());
    say("checks on the upgraded tree");
    StepsResult v =
        SandboxedSteps::start(baseline, checks_spec(spec_over(a.base, lowers, nullptr, "upgraded")),
                              {{}, all_steps(baseline)})
            .finish();
    report.services = v.services;
    report.services_seconds = v.services_seconds;
    for (auto& o : report.steps) {
      add_checks(o, v.verified, "upgraded");
      add_failed_checks(baseline, o, u.converged.messages);
    }
    if (!v.crash.empty()) u.converged.messages.push_back("checks: " + v.crash);
  }
  u.converged.passed = u.converged.messages.empty();
  if (!u.converged.passed) return done();

  // Against a fresh TO host with the same baseline.
  say("comparing with a fresh " + pair.to + " host (run A of its check)");
  Fresh fresh = fresh_host(baseline, pair.to, options, progress, in_use);
  Manifest host = whole_tree(a.image, a.fetch, run_a.manifests(),
                             {fetched.upper(), upgraded.upper(), reapplied.upper()});
  // upgrade_ignore: paths start with '/'; the others name packages (matched as "/NAME").
  IgnoreRules accepted, accepted_packages;
  for (const auto& p : baseline.baseline.upgrade_ignore)
    (p[0] == '/' ? accepted : accepted_packages).add(p[0] == '/' ? p : "/" + p);
  u.equivalent.ran = true;
  for (const auto& d : compare(host, fresh.tree, a.ignore, false)) {
    ++u.paths_differ;
    if (!accepted.matches(d.path))
      u.equivalent.messages.push_back(d.to_string("upgraded", "fresh"));
  }
  for (const auto& p : package_differences(installed_packages(dpkg_status(lowers)),
                                           installed_packages(dpkg_status(fresh.lowers)))) {
    u.packages.push_back(p.line);
    if (!accepted_packages.matches("/" + p.package)) u.equivalent.messages.push_back(p.line);
  }
  u.equivalent.passed = u.equivalent.messages.empty();
  return done();
}

}  // namespace bootstrap
