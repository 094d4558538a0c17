// bootstrap-seccomp-bpf: writes the sandbox's seccomp program (seccomp_rules.cpp, compiled by
// libseccomp) as C++ initializers, which the sandboxes library includes. Run by the build.
#include <cstdio>
#include <exception>

#include "seccomp_rules.hpp"

int main() {
  try {
    std::printf(
        "// Generated at build time by bootstrap-seccomp-bpf from "
        "sandboxes/src/seccomp_rules.cpp.\n");
    for (const sock_filter& f : bootstrap::sandbox::compile_seccomp_program())
      std::printf("{0x%04x, %u, %u, 0x%08x},\n", f.code, f.jt, f.jf, f.k);
    return std::fflush(stdout) == 0 ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bootstrap-seccomp-bpf: %s\n", e.what());
    return 1;
  }
}
