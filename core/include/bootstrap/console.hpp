// Where bootstrap talks to people: results on stdout, progress and diagnostics on stderr.
#pragma once

#include <cstdio>
#include <string>
#include <string_view>

namespace bootstrap {

enum class ColorMode { Auto, Always, Never };

class Console {
 public:
  Console(ColorMode mode, int verbosity);  // verbosity: -1 quiet, 0 normal, 1+ verbose

  // stdout: what the command produces.
  void out(std::string_view line);
  // stderr: progress ("==>"), shown unless quiet.
  void progress(std::string_view line);
  // stderr: only with -v.
  void debug(std::string_view line);
  // stderr: always.
  void warn(std::string_view line);
  void error(std::string_view line);

  // A live, rewritten status line on a terminal; plain lines otherwise (and when quiet: nothing).
  void status(std::string_view line);
  void clear_status();

  std::string bold(std::string_view s) const;
  std::string green(std::string_view s) const;
  std::string red(std::string_view s) const;
  std::string yellow(std::string_view s) const;
  std::string dim(std::string_view s) const;

  bool quiet() const { return verbosity_ < 0; }
  int verbosity() const { return verbosity_; }
  bool stderr_is_tty() const { return err_tty_; }

 private:
  std::string paint(std::string_view code, std::string_view s, bool tty) const;
  bool color_out_;
  bool color_err_;
  bool err_tty_;
  int verbosity_;
  bool status_shown_ = false;
};

}  // namespace bootstrap
