// See bootstrap/image_trust.hpp. The record lives beside the image folder, not in it, so that
// the builder's atomic rename of a new image never carries an old record along; it lives in
// images/, so that a CI cache of that folder carries it with the image it describes.
#include "bootstrap/image_trust.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "bootstrap/manifest.hpp"

namespace bootstrap {
namespace fs = std::filesystem;

namespace {

fs::path record_path(const sandbox::Image& image) {
  fs::path dir = image.root.parent_path();  // images/debian-bookworm
  return dir.parent_path() / (dir.filename().string() + ".verified");
}

nlohmann::json read_record(const fs::path& path) {
  std::ifstream in(path);
  if (!in) return nlohmann::json::object();
  nlohmann::json j = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  return j.is_object() ? j : nlohmann::json::object();
}

std::string field(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : "";
}

void write_record(const fs::path& path, const sandbox::Image& image, const std::string& digest) {
  nlohmann::json j = {
      {"built_at", image.built_at}, {"stamp", tree_stamp(image.root)}, {"manifest_digest", digest}};
  fs::path tmp = path.string() + ".tmp-" + std::to_string(::getpid());
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << j.dump(2) << "\n";
  }
  fs::rename(tmp, path);  // whole, for a check that reads it meanwhile
}

}  // namespace

std::string tree_stamp(const fs::path& tree) {
  struct stat st {};
  if (::lstat(tree.c_str(), &st) != 0) return "";
  return std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino) + ":" +
         std::to_string(st.st_ctim.tv_sec) + "." + std::to_string(st.st_ctim.tv_nsec);
}

sandbox::Image trusted_image(sandbox::ImageStore& store, const std::string& name,
                             const sandbox::Progress& progress) {
  sandbox::Image image = store.get(name, progress);
  if (image.built_at.empty()) return image;  // the host: this machine's live root
  fs::path record = record_path(image);
  nlohmann::json known = read_record(record);
  bool same_build = field(known, "built_at") == image.built_at;
  if (same_build && field(known, "stamp") == tree_stamp(image.root)) return image;
  if (progress) progress("checking the " + name + " image against its record");
  std::string digest = build_manifest(image.root).digest();
  if (same_build && !field(known, "manifest_digest").empty() &&
      field(known, "manifest_digest") != digest) {
    if (progress)
      progress("the " + name + " image is not the one built on " + image.built_at +
               " (its files differ from its record): building it again");
    image = store.build(name, /*rebuild=*/true, progress);
    digest = build_manifest(image.root).digest();
  }
  write_record(record, image, digest);
  return image;
}

}  // namespace bootstrap
