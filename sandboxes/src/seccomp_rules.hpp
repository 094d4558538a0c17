// The seccomp filter as one BPF program, compiled from the rules with libseccomp (build time).
#pragma once

#include <linux/filter.h>

#include <span>
#include <vector>

namespace bootstrap::sandbox {

// The syscalls a sandbox may make, by name (seccomp_allow_list.cpp).
std::span<const char* const> allowed_syscalls();

std::vector<sock_filter> compile_seccomp_program();

}  // namespace bootstrap::sandbox
