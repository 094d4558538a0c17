// Keys of cached step layers.
#include <sys/stat.h>

#include <fstream>

#include "bootstrap/check.hpp"
#include "bootstrap/digest.hpp"

namespace bootstrap {
namespace {

void hash_value(Hasher& h, const Value& v, const std::filesystem::path& dir) {
  h.update_u64(static_cast<std::uint64_t>(v.kind()));
  switch (v.kind()) {
    case Value::Kind::Null:
      break;
    case Value::Kind::Scalar: {
      h.update_field(v.text());
      h.update_u64(v.quoted() ? 1 : 0);
      // A scalar naming a file or folder next to the baseline: its content is part of the step.
      if (v.text().empty() || v.text().front() == '/' || v.text().size() > 1024) break;
      std::error_code ec;
      std::filesystem::path p = dir / v.text();
      if (std::filesystem::is_regular_file(p, ec)) {
        std::ifstream in(p, std::ios::binary);
        std::string data((std::istreambuf_iterator<char>(in)), {});
        h.update_field(digest_bytes(data).text());
      } else if (std::filesystem::is_directory(p, ec)) {
        for (const auto& e : std::filesystem::recursive_directory_iterator(p, ec)) {
          if (!e.is_regular_file()) continue;
          std::ifstream in(e.path(), std::ios::binary);
          std::string data((std::istreambuf_iterator<char>(in)), {});
          h.update_field(std::filesystem::relative(e.path(), p).string());
          h.update_field(digest_bytes(data).text());
        }
      }
      break;
    }
    case Value::Kind::List:
      h.update_u64(v.as_list("").size());
      for (const Value& item : v.as_list("")) hash_value(h, item, dir);
      break;
    case Value::Kind::Map:
      h.update_u64(v.as_map("").size());
      for (const auto& [k, item] : v.as_map("")) {
        h.update_field(k);
        hash_value(h, item, dir);
      }
      break;
  }
}

}  // namespace

std::string step_key(const std::string& previous, const ConfiguredStep& step,
                     const std::filesystem::path& baseline_dir) {
  Hasher h;
  h.update_field("bootstrap step layer v1");
  h.update_field(previous);
  h.update_field(step.step.plugin);
  h.update_field(step.instance.plugin().digest());
  hash_value(h, step.step.config, baseline_dir);
  return h.finish().hex();
}

}  // namespace bootstrap
