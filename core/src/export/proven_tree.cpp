// Run A of a check again, from the layer cache, and its layers squashed into one root: the tree
// an export writes. Whatever the cache still holds is reused; a step whose layer is gone is
// applied again, and the result must still be what the record proved.
#include <sys/stat.h>
#include <unistd.h>

#include "../check/layer_stack.hpp"
#include "../check/run_a.hpp"
#include "../check/run_specs.hpp"
#include "bootstrap/export.hpp"
#include "bootstrap/system_error.hpp"

namespace bootstrap {
namespace fs = std::filesystem;

namespace {

// Overlay's whiteouts (character devices 0/0) hide what is below them: in one squashed root
// there is nothing below, so they go.
void drop_whiteouts(const fs::path& root) {
  std::vector<fs::path> whiteouts;
  for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator();
       ++it) {
    struct stat st {};
    if (::lstat(it->path().c_str(), &st) != 0)
      throw SystemError("lstat(" + it->path().string() + ")", errno);
    if (S_ISCHR(st.st_mode) && st.st_rdev == 0) whiteouts.push_back(it->path());
  }
  for (const auto& w : whiteouts)
    if (::unlink(w.c_str()) != 0) throw SystemError("unlink(" + w.string() + ")", errno);
}

}  // namespace

SquashedRunA squash_run_a(ConfiguredBaseline& baseline, const std::string& image_name,
                          const CheckOptions& options, const CheckProgress& progress,
                          const fs::path& into) {
  ReleaseReport report;
  report.image = image_name;
  report.steps = step_outcomes(baseline);
  LayersInUse in_use;  // the layers stay safe from gc until they are squashed
  CheckStart start = start_check(baseline, image_name, options, report, progress, in_use);
  RunA run_a(run_context(baseline, start, options, in_use), report, progress);
  if (auto failed = run_a.all())
    throw std::runtime_error("run A failed again at " + step_name(baseline.steps[*failed].step) +
                             ": " + report.steps[*failed].error);
  std::vector<fs::path> below;
  if (!start.fetch.empty()) below.push_back(start.fetch);
  below.push_back(start.image.root);
  std::string digest = merged_manifest(run_a.manifests(), below).digest(options.strict_times);

  progress(image_name, "squashing the image and run A's layers into one root");
  std::vector<fs::path> lowers = lowers_of(run_a.lowers(), start.fetch, start.image);
  for (auto layer = lowers.rbegin(); layer != lowers.rend(); ++layer) lay_over(*layer, into);
  drop_whiteouts(into);
  if (::chmod(into.c_str(), 0755) != 0) throw SystemError("chmod(" + into.string() + ")", errno);
  return {digest, start.per_host};
}

}  // namespace bootstrap
