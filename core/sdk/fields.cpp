#include <algorithm>

#include "bootstrap/plugin.hpp"

namespace bootstrap {

Fields::Fields(const Value& map, std::string what) : map_(map), what_(std::move(what)) {
  map_.as_map(what_);
}

const Value* Fields::optional(std::string_view key) {
  known_.emplace_back(key);
  const Value* v = map_.find(key);
  if (v != nullptr && v->is_null()) return nullptr;  // "key:" with nothing means "not given"
  return v;
}

const Value& Fields::required(std::string_view key) {
  known_.emplace_back(key);
  const Value* v = map_.find(key);
  if (v == nullptr || v->is_null())
    throw map_.error("missing required key '" + std::string(key) + "' in " + what_);
  return *v;
}

void Fields::finish() const {
  for (const auto& [key, value] : map_.as_map(what_)) {
    if (std::find(known_.begin(), known_.end(), key) != known_.end()) continue;
    std::string message = "unknown key '" + key + "' in " + what_;
    std::string hint = nearest(key, known_);
    if (!hint.empty()) {
      message += "; did you mean '" + hint + "'?";
    } else {
      std::vector<std::string> sorted = known_;
      std::sort(sorted.begin(), sorted.end());
      sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
      message += " (valid keys:";
      for (const auto& k : sorted) message += " " + k;
      message += ")";
    }
    throw ConfigError(map_.key_mark(key), message);
  }
}

}  // namespace bootstrap
