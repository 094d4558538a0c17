#include "run_b.hpp"

#include <fstream>
#include <nlohmann/json.hpp>

#include "run_specs.hpp"

namespace bootstrap {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

json segment_outcome(StepPosition first, const std::vector<StepReport>& applied) {
  json steps = json::array();
  for (const auto& r : applied)
    steps.push_back({{"index", r.index},
                     {"changes", r.changes.size()},
                     {"seconds", r.seconds},
                     {"notes", r.notes}});
  return {{"from", first}, {"steps", steps}};
}

}  // namespace

RunB::RunB(Context context, ReleaseReport& report)
    : c_(std::move(context)),
      report_(&report),
      stack_(c_.options.cache_root, *c_.in_use, c_.options.use_cache) {
  StepPosition n = c_.keys->size(), done = 0;
  if (c_.options.use_cache) {
    for (StepPosition m = n; m > 0; --m)
      if (auto layers = cached_prefix(m)) {
        reuse(*layers);
        done = m;
        break;
      }
  }
  // One segment a step: an edit of step k finds B's layers of the steps before k still cached.
  for (StepPosition p = done; p < n; ++p) segments_.push_back({p, p});
  if (!segments_.empty()) {
    auto [first, last] = segments_.front();
    segments_.erase(segments_.begin());
    start(first, last);
  }
}

CachedLayer RunB::layer_of(StepPosition last) const {
  return cached_layer(c_.options.cache_root, "b-" + (*c_.keys)[last]);
}

std::optional<std::vector<CachedLayer>> RunB::cached_prefix(StepPosition count) const {
  std::vector<CachedLayer> out;
  while (count > 0) {
    CachedLayer layer = layer_of(count - 1);
    if (!layer_trusted(layer)) return std::nullopt;  // made again, replacing it
    StepPosition from = read_layer_json(layer.dir / "outcome.json").at("from").get<StepPosition>();
    if (from >= count) return std::nullopt;
    out.push_back(layer);
    count = from;
  }
  return std::vector<CachedLayer>(out.rbegin(), out.rend());
}

void RunB::reuse(const std::vector<CachedLayer>& layers) {
  for (const CachedLayer& layer : layers) {
    LayerMakeLock lock(layer);
    c_.in_use->hold(layer);
    json outcome = read_layer_json(layer.dir / "outcome.json");
    for (const auto& s : outcome.at("steps")) {
      StepOutcome& o = report_->steps.at(s.at("index").get<std::size_t>());
      o.cached_b = true;
      o.changes_b = s.at("changes").get<std::size_t>();
      o.seconds_b = s.at("seconds").get<double>();
      for (const auto& note : s.at("notes")) o.add_note(note.get<std::string>());
    }
    manifests_.push_back(Manifest::from_json(read_layer_json(layer.dir / "manifest.json")));
    stack_.push(layer.tree(), layer.dir.filename().string());
  }
}

void RunB::start(StepPosition first, StepPosition last) {
  scratch_.emplace(c_.options.cache_root);
  sandbox::Spec spec =
      spec_over(c_.base, lowers_of(stack_.lowers(), c_.fetch, *c_.image), &*scratch_, "run-b");
  std::vector<int> positions;
  for (StepPosition p = first; p <= last; ++p) positions.push_back(static_cast<int>(p));
  running_ = {first, last};
  steps_.emplace(SandboxedSteps::start(*c_.baseline, spec, {positions, {}}));
}

bool RunB::catch_up(StepPosition position) {
  while (ok_ && steps_ && running_.second <= position) advance();
  return ok_;
}

void RunB::stop() { segments_.clear(); }

bool RunB::advance() {
  if (!steps_) return ok_;
  StepsResult r = steps_->finish();
  steps_.reset();
  bool ok = r.ok();
  for (const auto& rep : r.applied) {
    StepOutcome& o = report_->steps.at(static_cast<std::size_t>(rep.index));
    o.changes_b = rep.changes.size();
    o.seconds_b = rep.seconds;
    for (const auto& n : rep.notes) o.add_note(n);
    if (rep.error && o.error.empty()) o.error = "run B: " + *rep.error;
  }
  if (!r.crash.empty() && r.crashed_step < 0) crash_ = r.crash;
  if (!ok) {
    segments_.clear();
    ok_ = false;
    return false;
  }
  auto [first, last] = running_;
  Manifest m = build_manifest(scratch_->upper(), c_.manifest());
  CachedLayer layer = layer_of(last);
  {
    LayerMakeLock lock(layer);
    if (fs::exists(layer.dir)) remove_layer(layer);  // --no-cache replaces it
    store_layer(scratch_->upper(), layer, m, segment_outcome(first, r.applied));
    c_.in_use->hold(layer);
  }
  scratch_.reset();
  manifests_.push_back(std::move(m));
  stack_.push(layer.tree(), layer.dir.filename().string());
  if (!segments_.empty()) {
    auto [f, l] = segments_.front();
    segments_.erase(segments_.begin());
    start(f, l);
  }
  return true;
}

}  // namespace bootstrap
