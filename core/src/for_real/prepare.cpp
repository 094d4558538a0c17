#include "bootstrap/prepare.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include "bootstrap/system_error.hpp"

namespace bootstrap {
namespace fs = std::filesystem;

namespace {

std::vector<int> all_steps(const ConfiguredBaseline& b) {
  std::vector<int> out;
  for (const auto& s : b.steps) out.push_back(s.step.index);
  return out;
}

// Each of the image's submounts with an upper and work dir of its own in the scratch dir.
std::vector<sandbox::Submount> kept_submounts(const sandbox::Scratch& scratch,
                                              const sandbox::Image& image) {
  std::vector<sandbox::Submount> out;
  for (std::size_t i = 0; i < image.submounts.size(); ++i) {
    fs::path dir = scratch.dir() / ("sub" + std::to_string(i));
    fs::create_directories(dir / "upper");
    fs::create_directories(dir / "work");
    out.push_back({image.submounts[i].path, dir / "upper", dir / "work"});
  }
  return out;
}

// `dir` in the change set (a parent of a submount) as the image has it, when it is not there.
void make_parent(const fs::path& upper, const fs::path& image_root, const std::string& dir) {
  fs::path in_upper = upper / dir;
  struct stat st {};
  if (::lstat(in_upper.c_str(), &st) == 0) return;
  fs::path in_image = image_root / dir;
  if (::lstat(in_image.c_str(), &st) != 0)
    throw SystemError("lstat(" + in_image.string() + ")", errno);
  if (::mkdir(in_upper.c_str(), st.st_mode & 07777) != 0)
    throw SystemError("mkdir(" + in_upper.string() + ")", errno);
  if (::lchown(in_upper.c_str(), st.st_uid, st.st_gid) != 0 ||
      ::chmod(in_upper.c_str(), st.st_mode & 07777) != 0)
    throw SystemError("chown/chmod(" + in_upper.string() + ")", errno);
}

// Moves a submount's changes into the change set at its path, so that the change set is one
// tree of target paths (the commit writes each path into the filesystem it lives on).
void merge_submount(const fs::path& upper, const fs::path& image_root, const sandbox::Submount& m) {
  std::string rel = m.path.substr(1);
  for (std::size_t slash = rel.find('/'); slash != std::string::npos;
       slash = rel.find('/', slash + 1))
    make_parent(upper, image_root, rel.substr(0, slash));
  fs::path into = upper / rel;
  if (::rename(m.upper.c_str(), into.c_str()) == 0) {
    fs::create_directories(m.upper);  // the scratch dir stays as it was made
    return;
  }
  if (errno != EEXIST && errno != ENOTEMPTY)
    throw SystemError("rename(" + m.upper.string() + ", " + into.string() + ")", errno);
  // A submount below another one, whose overlay copied its mount point up: move the entries.
  for (const auto& entry : fs::directory_iterator(m.upper)) {
    fs::path to = into / entry.path().filename();
    if (::rename(entry.path().c_str(), to.c_str()) != 0)
      throw SystemError("rename(" + entry.path().string() + ", " + to.string() + ")", errno);
  }
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
  spec.submounts = kept_submounts(*p.scratch, image);
  std::vector<int> all = all_steps(baseline);
  p.steps = SandboxedSteps::start(baseline, spec, {all, {}, true}).finish();
  for (const sandbox::Submount& m : spec.submounts) merge_submount(p.upper(), image.root, m);
  if (!p.steps.ok() || !verify) return p;
  // The checks in a second sandbox over the change set, where setuid programs work (sudo).
  sandbox::Spec checks;
  checks.lowers = {p.scratch->upper()};
  checks.lowers.insert(checks.lowers.end(), p.lowers.begin(), p.lowers.end());
  checks.submounts = sandbox::submounts_of(image);
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
