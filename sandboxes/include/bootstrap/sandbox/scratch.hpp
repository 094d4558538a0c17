// Per-run scratch directories on the cache disk, and the garbage a killed bootstrap leaves.
//
//   <cache>/tmp/<unique>/upper   overlay upper (the run's changes)
//   <cache>/tmp/<unique>/work    overlay work dir
//
// A Scratch holds an flock on its directory while alive; `collect_garbage` removes every
// scratch directory whose lock it can take (its owner is dead) and half-built images.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "bootstrap/unique_fd.hpp"

namespace bootstrap::sandbox {

class Scratch {
 public:
  explicit Scratch(const std::filesystem::path& cache_root);
  Scratch(Scratch&&) noexcept = default;
  Scratch& operator=(Scratch&&) noexcept;
  ~Scratch();  // removes the directory (overlay's root-owned mode-000 work/work included)

  const std::filesystem::path& dir() const { return dir_; }
  std::filesystem::path upper() const { return dir_ / "upper"; }
  std::filesystem::path work() const { return dir_ / "work"; }
  // Empties upper/ and work/ for another run in the same scratch.
  void reset();
  // Removes now (also done by the destructor); errors are thrown here, swallowed there.
  void remove();

 private:
  std::filesystem::path dir_;
  UniqueFd lock_;
};

// Removes what a killed bootstrap left behind under `cache_root`: scratch directories whose
// lock is free, image build directories (.tmp-*, .old-*) whose image lock is free. Returns
// the removed paths. Never touches anything in use.
std::vector<std::filesystem::path> collect_garbage(const std::filesystem::path& cache_root);

}  // namespace bootstrap::sandbox
