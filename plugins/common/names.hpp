// Names the plugins validate alike (compiled in): header-only.
#pragma once

#include <cctype>
#include <string>

namespace pluginkit {

// sshd's and useradd's rule for a login name: at most 32 characters of [A-Za-z0-9._-], not
// starting with '-' or a digit.
inline bool user_name_ok(const std::string& n) {
  if (n.empty() || n.size() > 32 || n.front() == '-' ||
      std::isdigit(static_cast<unsigned char>(n.front())))
    return false;
  for (char c : n)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.'))
      return false;
  return true;
}

}  // namespace pluginkit
