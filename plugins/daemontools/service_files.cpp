#include "service_files.hpp"

#include "shell_quote.hpp"

namespace daemontools {
using pluginkit::shell_quote;

namespace {
const char* kHeader =
    "#!/bin/sh\n# Managed by bootstrap (daemontools step); local edits are overwritten.\n";
}

std::string run_script(const ServiceSpec& s) {
  std::string text = kHeader;
  text += "# The service '" + s.name + "'; its output goes to its log service.\nexec 2>&1\n";
  if (!s.directory.empty()) text += "cd " + shell_quote(s.directory) + " || exit 111\n";
  text += "exec";
  if (!s.env.empty()) text += " envdir " + shell_quote(s.home + "/env");
  if (!s.user.empty()) text += " setuidgid " + shell_quote(s.user);
  for (const auto& a : s.run) text += " " + shell_quote(a);
  return text + "\n";
}

std::string log_run_script(const ServiceSpec& s, const std::string& log_user) {
  return std::string(kHeader) + "exec setuidgid " + shell_quote(log_user) + " multilog t " +
         shell_quote(std::string(kLogRoot) + "/" + s.name) + "\n";
}

std::string env_file(const std::string& value) { return value + "\n"; }

}  // namespace daemontools
