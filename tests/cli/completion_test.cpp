// The shell completions, run for real: bash's function and zsh's, each with bootstrap's own
// --help behind it, asked for the commands and for a command's options.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "support/must_run.hpp"
#include "support/run.hpp"

using namespace bootstrap::testing;

namespace {

std::string bin_dir() { return std::filesystem::path(BOOTSTRAP_BINARY).parent_path().string(); }
std::string file(const char* name) {
  return std::string(BOOTSTRAP_SOURCE_DIR) + "/packaging/" + name;
}

// COMP_WORDS as typed so far; prints COMPREPLY, one a line.
Ran bash_complete(const std::string& words) {
  std::string script = "source " + file("bootstrap.bash-completion") + "; COMP_WORDS=(" + words +
                       "); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); _bootstrap; "
                       "printf '%s\\n' \"${COMPREPLY[@]}\"";
  return run({"/bin/bash", "-c", script}, {"PATH=" + bin_dir() + ":/usr/bin:/bin"});
}

// zsh's completion system stood in for by functions that print what they are given.
Ran zsh_complete(const std::string& words, const std::string& prefix) {
  std::string script =
      "compadd() { [[ $1 == -- ]] && shift; print -l -- \"$@\" }; "
      "_describe() { local name=${@[-1]}; print -l -- \"${(@P)name}\" }; "
      "_files() { print FILES }; "
      "words=(" +
      words + "); CURRENT=${#words}; PREFIX='" + prefix +
      "'; "
      "source " +
      file("bootstrap.zsh-completion");
  return run({"/usr/bin/zsh", "-f", "-c", script}, {"PATH=" + bin_dir() + ":/usr/bin:/bin"});
}

TEST(Completion, BashCompletesCommandsAndACommandsOptions) {
  Ran commands = bash_complete("bootstrap ch");
  EXPECT_EQ(commands.out, "check\n") << commands.err;
  Ran options = bash_complete("bootstrap check --no-c");
  EXPECT_EQ(options.out, "--no-cache\n") << options.err;
}

TEST(Completion, ZshCompletesCommandsWithWhatTheyDoAndACommandsOptions) {
  BOOTSTRAP_SKIP_UNLESS(access("/usr/bin/zsh", X_OK) == 0,
                        "zsh is not installed (apt install zsh)");
  Ran commands = zsh_complete("bootstrap ''", "");
  EXPECT_NE(commands.out.find("\ncheck:"), std::string::npos) << commands.out << commands.err;
  EXPECT_NE(commands.out.find("\ngc:Remove scratch directories"), std::string::npos)
      << commands.out;
  Ran options = zsh_complete("bootstrap check --", "--");
  EXPECT_NE(options.out.find("--no-cache\n"), std::string::npos) << options.out << options.err;
  EXPECT_NE(options.out.find("--show-changes\n"), std::string::npos) << options.out;
  Ran files = zsh_complete("bootstrap check ''", "");
  EXPECT_EQ(files.out, "FILES\n") << files.err;
}

}  // namespace
