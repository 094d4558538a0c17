#include "bootstrap/prepare.hpp"

namespace bootstrap {

namespace {

std::vector<int> all_steps(const ConfiguredBaseline& b) {
  std::vector<int> out;
  for (const auto& s : b.steps) out.push_back(s.step.index);
  return out;
}

}  // namespace

Prepared prepare(ConfiguredBaseline& baseline, const sandbox::Image& image,
                 const CheckOptions& options, const CheckProgress& progress, bool verify) {
  Prepared p;
  ReleaseReport fetch_report;
  auto fetch = prepare_fetch_layer(baseline, image.name, image.root, image.digest, options,
                                   fetch_report, progress, p.in_use);
  if (!fetch.empty()) p.lowers.push_back(fetch);
  p.lowers.push_back(image.root);
  p.scratch = std::make_unique<sandbox::Scratch>(options.cache_root);
  sandbox::Spec spec;
  spec.lowers = p.lowers;
  spec.upper = p.scratch->upper();
  spec.work = p.scratch->work();
  std::vector<int> all = all_steps(baseline);
  p.steps = SandboxedSteps::start(baseline, spec, {all, {}}).finish();
  if (!p.steps.ok() || !verify) return p;
  // The checks in a second sandbox over the change set, where setuid programs work (sudo).
  sandbox::Spec checks;
  checks.lowers = {p.scratch->upper()};
  checks.lowers.insert(checks.lowers.end(), p.lowers.begin(), p.lowers.end());
  checks.setuid_programs = true;
  StepsResult v = SandboxedSteps::start(baseline, checks, {{}, all}).finish();
  p.steps.verified = std::move(v.verified);
  p.steps.services = v.services;
  if (!v.crash.empty()) p.steps.crash = v.crash;
  return p;
}

ApplyReport report_of(const StepsResult& r) {
  ApplyReport report;
  report.steps = r.applied;
  for (const auto& v : r.verified)
    for (auto& s : report.steps)
      if (s.index == v.index) {
        s.checks = v.checks;
        if (v.error && !s.error) s.error = v.error;
      }
  return report;
}

}  // namespace bootstrap
