#include "bootstrap/console.hpp"

#include <unistd.h>

#include <cstdlib>
#include <iostream>

namespace bootstrap {
namespace {
bool want_color(ColorMode mode, int fd) {
  if (mode == ColorMode::Always) return true;
  if (mode == ColorMode::Never) return false;
  const char* no_color = std::getenv("NO_COLOR");
  if (no_color != nullptr && *no_color != '\0') return false;
  const char* term = std::getenv("TERM");
  if (term != nullptr && std::string_view(term) == "dumb") return false;
  return isatty(fd) == 1;
}
}  // namespace

Console::Console(ColorMode mode, int verbosity)
    : color_out_(want_color(mode, STDOUT_FILENO)),
      color_err_(want_color(mode, STDERR_FILENO)),
      err_tty_(isatty(STDERR_FILENO) == 1),
      verbosity_(verbosity) {}

void Console::out(std::string_view line) {
  clear_status();
  std::cout << line << '\n' << std::flush;
}

void Console::progress(std::string_view line) {
  if (quiet()) return;
  clear_status();
  std::cerr << line << '\n' << std::flush;
}

void Console::debug(std::string_view line) {
  if (verbosity_ < 1) return;
  clear_status();
  std::cerr << paint("2", line, color_err_) << '\n' << std::flush;
}

void Console::warn(std::string_view line) {
  clear_status();
  std::cerr << paint("33", "warning: ", color_err_) << line << '\n' << std::flush;
}

void Console::error(std::string_view line) {
  clear_status();
  std::cerr << paint("1;31", "error: ", color_err_) << line << '\n' << std::flush;
}

void Console::status(std::string_view line) {
  if (quiet()) return;
  if (!err_tty_) {
    std::cerr << line << '\n' << std::flush;
    return;
  }
  std::cerr << "\r\033[K" << line << std::flush;
  status_shown_ = true;
}

void Console::clear_status() {
  if (!status_shown_) return;
  std::cerr << "\r\033[K" << std::flush;
  status_shown_ = false;
}

std::string Console::paint(std::string_view code, std::string_view s, bool on) const {
  if (!on) return std::string(s);
  return "\033[" + std::string(code) + "m" + std::string(s) + "\033[0m";
}
std::string Console::bold(std::string_view s) const { return paint("1", s, color_out_); }
std::string Console::green(std::string_view s) const { return paint("32", s, color_out_); }
std::string Console::red(std::string_view s) const { return paint("31", s, color_out_); }
std::string Console::yellow(std::string_view s) const { return paint("33", s, color_out_); }
std::string Console::dim(std::string_view s) const { return paint("2", s, color_out_); }

}  // namespace bootstrap
