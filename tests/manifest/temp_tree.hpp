// A temporary directory under /tmp, removed with everything in it when the test ends.
#pragma once

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

namespace bootstrap::testing {

class TempTree {
 public:
  TempTree() {
    std::string templ = "/tmp/bootstrap-manifest-test-XXXXXX";
    if (::mkdtemp(templ.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    root_ = templ;
  }
  ~TempTree() {
    std::error_code ec;
    std::filesystem::remove_all(root_, ec);
  }
  TempTree(const TempTree&) = delete;
  TempTree& operator=(const TempTree&) = delete;

  const std::filesystem::path& root() const { return root_; }
  std::filesystem::path operator/(const std::string& rel) const { return root_ / rel; }

  void file(const std::string& rel, const std::string& content, mode_t mode = 0644) const {
    auto p = root_ / rel;
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary | std::ios::trunc) << content;
    ::chmod(p.c_str(), mode);
  }
  void dir(const std::string& rel, mode_t mode = 0755) const {
    auto p = root_ / rel;
    std::filesystem::create_directories(p);
    ::chmod(p.c_str(), mode);
  }
  void symlink(const std::string& rel, const std::string& target) const {
    auto p = root_ / rel;
    std::filesystem::create_directories(p.parent_path());
    std::filesystem::create_symlink(target, p);
  }

 private:
  std::filesystem::path root_;
};

}  // namespace bootstrap::testing
