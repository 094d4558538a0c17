// The fslayout step's configuration, validated.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "bootstrap/plugin.hpp"

namespace fslayout {

struct Ownership {
  std::string owner = "root";  // a name in the target's /etc/passwd, or a number
  std::string group = "root";  // a name in the target's /etc/group, or a number
  unsigned mode = 0;
  bootstrap::SourceMark mark;
};

struct GroupSpec {
  std::string name;
  std::optional<std::uint32_t> gid;
  bootstrap::SourceMark mark;
};

struct DirectorySpec {
  std::string path;
  Ownership own;
};

struct FileSpec {
  std::string path;
  std::string content;
  Ownership own;
};

struct SymlinkSpec {
  std::string path;
  std::string target;
  bootstrap::SourceMark mark;
};

struct AbsentSpec {
  std::string path;
  bootstrap::SourceMark mark;
};

struct LayoutConfig {
  std::vector<GroupSpec> groups;
  std::vector<DirectorySpec> directories;
  std::vector<FileSpec> files;
  std::vector<SymlinkSpec> symlinks;
  std::vector<AbsentSpec> absent;
};

// Throws bootstrap::ConfigError with the mark of the offending value.
LayoutConfig parse_layout(const bootstrap::StepConfig& step);

}  // namespace fslayout
