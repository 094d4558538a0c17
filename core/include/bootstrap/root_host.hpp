// Host over a directory tree standing for a machine ("/" for the machine itself, a scratch
// directory for --root, the sandbox's "/" inside a sandbox). Every path is resolved inside the
// root with openat2(RESOLVE_IN_ROOT), so a symlink planted in the tree cannot lead outside.
#pragma once

#include <filesystem>
#include <functional>

#include "bootstrap/plugin.hpp"
#include "bootstrap/unique_fd.hpp"

namespace bootstrap {

class RootHost : public Host {
 public:
  using LogSink = std::function<void(LogLevel, std::string_view)>;
  explicit RootHost(std::filesystem::path root, LogSink log = {});

  FileStat stat(const std::string& path) override;
  std::optional<std::string> read_file(const std::string& path) override;
  std::string read_link(const std::string& path) override;
  std::vector<std::string> list_dir(const std::string& path) override;
  void write_file(const std::string& path, std::string_view content, unsigned mode, uid_t uid,
                  gid_t gid) override;
  void make_dir(const std::string& path, unsigned mode, uid_t uid, gid_t gid) override;
  void make_symlink(const std::string& path, const std::string& target) override;
  void set_owner(const std::string& path, uid_t uid, gid_t gid) override;
  void set_mode(const std::string& path, unsigned mode) override;
  void remove(const std::string& path) override;
  std::optional<Account> user(const std::string& name) override;
  std::optional<Account> group(const std::string& name) override;
  CommandResult run(const Command& command) override;
  std::vector<std::string> missing_packages(const std::vector<std::string>& names) override;
  void install_packages(const std::vector<std::string>& names, bool recommends) override;
  void log(LogLevel level, std::string_view message) override;

  const std::filesystem::path& root() const { return root_; }

 private:
  // The directory holding `path`'s last component, opened inside the root, and that component.
  std::pair<UniqueFd, std::string> open_parent(const std::string& path);
  std::filesystem::path root_;
  UniqueFd root_fd_;
  LogSink log_;
};

// Raises an error that names the command: its argv, exit status (or `why` it failed, when
// given) and the tail of its output.
[[noreturn]] void throw_command_failed(const Command& command, const CommandResult& result,
                                       const std::string& why = "");
// argv as a shell would show it: words with spaces or quotes in single quotes.
std::string command_line(const std::vector<std::string>& argv);
// The last `lines` lines of `output`, each as "\n  | line".
std::string output_tail(std::string_view output, std::size_t lines = 20);

}  // namespace bootstrap
