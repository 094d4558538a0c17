// The sandbox's seccomp filter against the profile Debian ships for containers
// (/usr/share/containers/seccomp.json, package golang-github-containers-common): every
// syscall that profile refuses to a container with its default capabilities is refused here
// too, and syscalls nobody listed (the kernel's newest) fail with ENOSYS. Run on the built-in
// program in user space (bpf_run.hpp); escape_test.cpp makes the calls for real.
#include <gtest/gtest.h>
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <seccomp.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <string>

#include "seccomp_rules.hpp"
#include "security/bpf_run.hpp"
#include "steps.hpp"
#include "support/must_run.hpp"

namespace bootstrap::sandbox {
namespace {

using testing::bpf_run;

const char* const kProfile = "/usr/share/containers/seccomp.json";
const char* const kContainersConf = "/usr/share/containers/containers.conf";

constexpr std::uint32_t kAllow = SECCOMP_RET_ALLOW;
constexpr std::uint32_t kEnosys = SECCOMP_RET_ERRNO | ENOSYS;
constexpr std::uint32_t kEperm = SECCOMP_RET_ERRNO | EPERM;

std::uint32_t answer(int nr, std::uint64_t arg0 = 0, std::uint64_t arg1 = 0) {
  seccomp_data d{};
  d.nr = nr;
  d.arch = AUDIT_ARCH_X86_64;
  d.args[0] = arg0;
  d.args[1] = arg1;
  return bpf_run(seccomp_program(), d);
}

std::string name_of(int nr) {
  char* n = seccomp_syscall_resolve_num_arch(SCMP_ARCH_X86_64, nr);
  std::string s = n != nullptr ? n : "";
  std::free(n);
  return s;
}

// containers.conf's default_capabilities = [ "CHOWN", ... ], as CAP_ names.
std::set<std::string> default_capabilities() {
  std::ifstream in(kContainersConf);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::smatch list;
  std::set<std::string> caps;
  if (!std::regex_search(text, list, std::regex(R"(\ndefault_capabilities\s*=\s*\[([^\]]*)\])")))
    return caps;
  std::string body = list[1];
  std::regex quoted("\"([A-Z_]+)\"");
  for (auto it = std::sregex_iterator(body.begin(), body.end(), quoted);
       it != std::sregex_iterator(); ++it)
    caps.insert("CAP_" + (*it)[1].str());
  return caps;
}

bool subset(const nlohmann::json& names, const std::set<std::string>& of) {
  for (const auto& n : names)
    if (of.count(n.get<std::string>()) == 0) return false;
  return true;
}

// The syscalls the profile allows (some only with some arguments) to an amd64 container with
// these capabilities.
std::set<std::string> allowed_by_profile(const nlohmann::json& profile,
                                         const std::set<std::string>& caps) {
  std::set<std::string> allowed;
  for (const auto& rule : profile.at("syscalls")) {
    if (rule.at("action") != "SCMP_ACT_ALLOW") continue;
    nlohmann::json includes = rule.value("includes", nlohmann::json::object());
    nlohmann::json excludes = rule.value("excludes", nlohmann::json::object());
    if (includes.contains("arches") &&
        !subset(nlohmann::json::array({"amd64"}), includes["arches"].get<std::set<std::string>>()))
      continue;
    if (includes.contains("caps") && !subset(includes["caps"], caps)) continue;
    if (excludes.contains("caps") && subset(excludes["caps"], caps)) continue;
    for (const auto& n : rule.at("names")) allowed.insert(n.get<std::string>());
  }
  return allowed;
}

TEST(SeccompAllowList, RefusesEverySyscallDebiansContainerProfileRefuses) {
  BOOTSTRAP_SKIP_UNLESS(
      std::filesystem::exists(kProfile) && std::filesystem::exists(kContainersConf),
      std::string("needs ") + kProfile + " (apt-get install golang-github-containers-common)");
  std::ifstream in(kProfile);
  nlohmann::json profile = nlohmann::json::parse(in);
  std::set<std::string> caps = default_capabilities();
  ASSERT_TRUE(caps.count("CAP_CHOWN") == 1 && caps.count("CAP_SYS_ADMIN") == 0)
      << "read from " << kContainersConf;
  std::set<std::string> allowed = allowed_by_profile(profile, caps);
  ASSERT_GT(allowed.size(), 250u);

  int refused_by_both = 0;
  for (int nr = 0; nr < 1024; ++nr) {
    std::string name = name_of(nr);
    if (name.empty() || allowed.count(name) != 0) continue;
    EXPECT_NE(answer(nr), kAllow) << name << " (" << nr << ") is refused by " << kProfile
                                  << " but allowed here";
    ++refused_by_both;
  }
  EXPECT_GT(refused_by_both, 30);
}

TEST(SeccompAllowList, RefusesTheTenTheOldDenyListLetThrough) {
  for (const char* name :
       {"ustat", "sysfs", "migrate_pages", "vmsplice", "move_pages", "kcmp", "io_pgetevents",
        "process_madvise", "futex_waitv", "set_mempolicy_home_node"}) {
    int nr = seccomp_syscall_resolve_name_arch(SCMP_ARCH_X86_64, name);
    ASSERT_GE(nr, 0) << name;
    EXPECT_EQ(answer(nr), kEnosys) << name;
  }
}

TEST(SeccompAllowList, AnswersEnosysToSyscallsNobodyListed) {
  // Numbers past the last one libseccomp knows (the kernel's newest, and those to come).
  for (int nr : {457, 458, 470, 512, 1000}) EXPECT_EQ(answer(nr), kEnosys) << nr;
}

TEST(SeccompAllowList, AllowsWhatProgramsNeedAndDeniesTheDangerousWithEperm) {
  for (int nr : {SYS_read, SYS_openat, SYS_execve, SYS_fork, SYS_mmap, SYS_chown, SYS_mknod,
                 SYS_chroot, SYS_socket, SYS_rseq, SYS_statx, SYS_setresuid})
    EXPECT_EQ(answer(nr), kAllow) << name_of(nr);
  for (int nr :
       {SYS_mount, SYS_umount2, SYS_unshare, SYS_setns, SYS_pivot_root, SYS_reboot, SYS_kexec_load,
        SYS_init_module, SYS_bpf, SYS_keyctl, SYS_sethostname, SYS_io_uring_setup})
    EXPECT_EQ(answer(nr), kEperm) << name_of(nr);
  EXPECT_EQ(answer(SYS_clone3), kEnosys)
      << "glibc falls back to clone, whose flags the filter can see";
}

TEST(SeccompAllowList, LooksAtTheArgumentsOfCloneIoctlAndPersonality) {
  EXPECT_EQ(answer(SYS_clone, SIGCHLD), kAllow);
  EXPECT_EQ(answer(SYS_clone, CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD),
            kAllow);
  for (std::uint64_t ns : {CLONE_NEWNS, CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET, CLONE_NEWUTS,
                           CLONE_NEWIPC, CLONE_NEWCGROUP})
    EXPECT_EQ(answer(SYS_clone, ns | SIGCHLD), kEperm) << ns;
  EXPECT_EQ(answer(SYS_ioctl, 0, TCGETS), kAllow);
  EXPECT_EQ(answer(SYS_ioctl, 0, TIOCSTI), kEperm);
  EXPECT_EQ(answer(SYS_ioctl, 0, TIOCLINUX), kEperm);
  EXPECT_EQ(answer(SYS_ioctl, 0, 0x100000000ULL | TIOCSTI), kEperm)
      << "the kernel reads the request as 32 bits";
  EXPECT_EQ(answer(SYS_personality, 0xffffffff), kAllow);
  EXPECT_EQ(answer(SYS_personality, 0x0008), kAllow);
  EXPECT_EQ(answer(SYS_personality, 0x0040000 /* ADDR_NO_RANDOMIZE */), kEperm);
  EXPECT_EQ(answer(SYS_personality, 0x100000000ULL), kEperm);
}

TEST(SeccompAllowList, KillsForeignAbis) {
  seccomp_data d{};
  d.nr = 1;
  d.arch = AUDIT_ARCH_I386;
  EXPECT_EQ(bpf_run(seccomp_program(), d), static_cast<std::uint32_t>(SECCOMP_RET_KILL_PROCESS));
  d.arch = AUDIT_ARCH_X86_64;
  d.nr = 0x40000000 | 1;  // x32
  EXPECT_EQ(bpf_run(seccomp_program(), d), static_cast<std::uint32_t>(SECCOMP_RET_KILL_PROCESS));
}

}  // namespace
}  // namespace bootstrap::sandbox
