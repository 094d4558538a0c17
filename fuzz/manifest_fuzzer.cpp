// Two manifests and a list of ignore patterns, as JSON: {"a": MANIFEST, "b": MANIFEST,
// "ignore": [PATTERN...]}. Manifests come back from the layer cache, which CI restores from
// elsewhere, so they are input like any other: reading one refuses bad data with an exception;
// comparing, summarising and describing what was read must never crash, leak or hang.
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "bootstrap/ignore_rules.hpp"
#include "bootstrap/manifest.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  nlohmann::json j = nlohmann::json::parse(data, data + size, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return 0;
  bootstrap::Manifest a, b;
  bootstrap::IgnoreRules ignore;
  try {
    a = bootstrap::Manifest::from_json(j.value("a", nlohmann::json::object()));
    b = bootstrap::Manifest::from_json(j.value("b", nlohmann::json::object()));
    for (const auto& p : j.value("ignore", nlohmann::json::array()))
      ignore.add(p.get<std::string>());
  } catch (const std::exception&) {
    return 0;  // refused: the check rebuilds what it cannot read
  }
  for (bool strict : {false, true}) {
    for (const auto& d : bootstrap::compare(a, b, ignore, strict)) (void)d.to_string();
  }
  (void)bootstrap::summarize(a);
  for (const auto& e : a.entries()) (void)bootstrap::describe(e);
  (void)a.digest();
  (void)bootstrap::Manifest::from_json(b.to_json());
  return 0;
}
