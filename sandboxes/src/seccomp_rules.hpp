// The seccomp filter as one BPF program, compiled from the rules with libseccomp (build time).
#pragma once

#include <linux/filter.h>

#include <vector>

namespace bootstrap::sandbox {

std::vector<sock_filter> compile_seccomp_program();

}  // namespace bootstrap::sandbox
