// Making one path what it should be, reporting each change: shared by the plugins (compiled in).
#pragma once

#include <string>

#include "bootstrap/plugin.hpp"

namespace pluginkit {

struct Owner {
  uid_t uid = 0;
  gid_t gid = 0;
};

// A directory with this mode and owner; its parent must exist.
void ensure_dir(bootstrap::Host& host, const std::string& path, unsigned mode, Owner owner,
                bootstrap::Outcome& out);
// A regular file with exactly this content, mode and owner (written atomically when it differs).
void ensure_file(bootstrap::Host& host, const std::string& path, const std::string& content,
                 unsigned mode, Owner owner, bootstrap::Outcome& out);
// A symlink to `target`; a link to elsewhere is replaced, anything else is an error.
void ensure_link(bootstrap::Host& host, const std::string& path, const std::string& target,
                 bootstrap::Outcome& out);
// Nothing at `path` (a tree is removed whole).
void ensure_absent(bootstrap::Host& host, const std::string& path, const std::string& why,
                   bootstrap::Outcome& out);

std::string octal(unsigned mode);

}  // namespace pluginkit
