// The layer cache: making, using and pruning prepared layers (see layer_cache.hpp).
#include "bootstrap/layer_cache.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <fstream>

#include "bootstrap/sandbox/tree.hpp"
#include "bootstrap/system_error.hpp"

namespace bootstrap {
namespace fs = std::filesystem;
using sandbox::FileLock;

namespace {

void write_text(const fs::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) throw std::runtime_error("cannot write " + p.string());
}

fs::path sibling(const CachedLayer& layer, const char* suffix) {
  return layer.dir.parent_path() / (layer.dir.filename().string() + suffix);
}

bool is_layer_name(const std::string& name) {
  for (const char* kind : {"step-", "fetch-", "b-", "squash-"})
    if (name.rfind(kind, 0) == 0) return true;
  return false;
}

}  // namespace

bool CachedLayer::complete() const { return fs::exists(dir / "outcome.json"); }

CachedLayer cached_layer(const fs::path& cache_root, const std::string& name) {
  fs::create_directories(cache_root / "layers");
  return CachedLayer{cache_root / "layers" / name};
}

LayerMakeLock::LayerMakeLock(const CachedLayer& layer)
    : lock_(FileLock::lock(sibling(layer, ".lock"), FileLock::Mode::Exclusive, true)) {}

void LayersInUse::hold(const CachedLayer& layer) {
  locks_.push_back(FileLock::lock(sibling(layer, ".use"), FileLock::Mode::Shared, true));
  // The folder's mtime says when the layer was last used (pruning reads it).
  if (utimensat(AT_FDCWD, layer.dir.c_str(), nullptr, 0) != 0 && errno != ENOENT)
    throw SystemError("utimensat(\"" + layer.dir.string() + "\")", errno);
}

void remove_layer(const CachedLayer& layer) {
  FileLock use = FileLock::lock(sibling(layer, ".use"), FileLock::Mode::Exclusive, true);
  sandbox::remove_tree(layer.dir);
}

void store_layer(const fs::path& upper, const CachedLayer& layer, const Manifest& manifest,
                 const nlohmann::json& outcome) {
  fs::path tmp = layer.dir.parent_path() /
                 (".tmp-" + layer.dir.filename().string() + "-" + std::to_string(getpid()));
  fs::remove_all(tmp);
  fs::create_directories(tmp);
  if (rename(upper.c_str(), (tmp / "tree").c_str()) != 0)
    throw SystemError("rename(\"" + upper.string() + "\", \"" + (tmp / "tree").string() + "\")",
                      errno);
  write_text(tmp / "manifest.json", manifest.to_json().dump());
  write_text(tmp / "outcome.json", outcome.dump());
  if (rename(tmp.c_str(), layer.dir.c_str()) != 0) {
    int err = errno;
    fs::remove_all(tmp);
    if (err != ENOTEMPTY && err != EEXIST)
      throw SystemError("rename(\"" + tmp.string() + "\")", err);
  } else {
    stamp_layer(layer);
  }
  fs::create_directories(upper);  // the scratch keeps its shape for removal
}

std::vector<PrunedLayer> prune_layers(const fs::path& cache_root, std::chrono::seconds unused_for) {
  std::vector<PrunedLayer> pruned;
  fs::path layers = cache_root / "layers";
  std::error_code ec;
  if (!fs::is_directory(layers, ec)) return pruned;
  auto now = fs::file_time_type::clock::now();
  std::vector<fs::directory_entry> entries;
  for (const auto& e : fs::directory_iterator(layers, ec)) entries.push_back(e);
  for (const auto& entry : entries) {
    std::string name = entry.path().filename().string();
    if (!entry.is_directory(ec) || entry.is_symlink(ec)) continue;

    // .tmp-<layer>-<pid>: a store that never finished; its maker held <layer>.lock.
    if (name.rfind(".tmp-", 0) == 0) {
      std::string layer_name =
          name.substr(5, name.rfind('-') > 5 ? name.rfind('-') - 5 : std::string::npos);
      CachedLayer layer{layers / layer_name};
      FileLock make = FileLock::try_acquire(sibling(layer, ".lock"));
      if (!make) continue;
      PrunedLayer p{entry.path(), sandbox::tree_bytes(entry.path())};
      sandbox::remove_tree(entry.path());
      pruned.push_back(p);
      continue;
    }
    if (!is_layer_name(name)) continue;
    CachedLayer layer{entry.path()};
    auto mtime = fs::last_write_time(layer.dir, ec);
    if (ec || now - mtime < unused_for) continue;
    FileLock make = FileLock::try_acquire(sibling(layer, ".lock"));
    if (!make) continue;  // being made or replaced
    FileLock use = FileLock::try_acquire(sibling(layer, ".use"));
    if (!use) continue;                          // in a running check's sandboxes
    mtime = fs::last_write_time(layer.dir, ec);  // used meanwhile?
    if (ec || now - mtime < unused_for) continue;
    PrunedLayer p{layer.dir, sandbox::tree_bytes(layer.dir)};
    // Out of sight first (a rename is atomic), then removed; a crash in between leaves an
    // .old- folder that the next prune takes.
    fs::path old = layers / (".old-" + name + "-" + std::to_string(getpid()));
    if (rename(layer.dir.c_str(), old.c_str()) != 0)
      throw SystemError("rename(\"" + layer.dir.string() + "\")", errno);
    sandbox::remove_tree(old);
    unlink(sibling(layer, ".use").c_str());
    unlink(sibling(layer, ".lock").c_str());
    pruned.push_back(p);
  }
  // .old-<layer>-<pid>: a prune that stopped half-way (nobody uses a renamed layer), unless
  // that prune is still running.
  for (const auto& entry : entries) {
    std::string name = entry.path().filename().string();
    if (name.rfind(".old-", 0) != 0 || !fs::exists(entry.path(), ec)) continue;
    pid_t owner = static_cast<pid_t>(std::atoi(name.substr(name.rfind('-') + 1).c_str()));
    if (owner > 0 && (kill(owner, 0) == 0 || errno == EPERM)) continue;
    PrunedLayer p{entry.path(), sandbox::tree_bytes(entry.path())};
    sandbox::remove_tree(entry.path());
    pruned.push_back(p);
  }
  return pruned;
}

}  // namespace bootstrap
