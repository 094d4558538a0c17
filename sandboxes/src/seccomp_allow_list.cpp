// The syscalls a sandbox may make: everything else is answered ENOSYS (or EPERM, for the ones
// seccomp_rules.cpp denies by name), including the syscalls kernels add after this list was
// written, until someone reads what they do and adds them here. Grouped by what they are for.
// It is enough for apt, dpkg, useradd, python, pip, sshd, sudo and svscan (the test suite runs
// them all), and refuses everything Debian's container profile refuses to a container with
// default capabilities (tests/security/seccomp_allow_list_test.cpp checks both).
#include "seccomp_rules.hpp"

namespace bootstrap::sandbox {
namespace {

constexpr const char* kAllowed[] = {
    // Files: open, read, write, seek, stat, and the descriptors that hold them.
    "open", "openat", "openat2", "creat", "close", "close_range", "read", "readv", "pread64",
    "preadv", "preadv2", "write", "writev", "pwrite64", "pwritev", "pwritev2", "lseek",
    "sendfile", "splice", "tee", "copy_file_range", "readahead", "fadvise64", "fallocate",
    "truncate", "ftruncate", "fsync", "fdatasync", "sync", "syncfs", "sync_file_range", "stat",
    "fstat", "lstat", "newfstatat", "statx", "statfs", "fstatfs", "access", "faccessat",
    "faccessat2", "readlink", "readlinkat", "getdents", "getdents64", "fcntl", "flock", "dup",
    "dup2", "dup3", "ioctl", "name_to_handle_at",
    // The tree: make, link, rename, remove; owners, modes, times, extended attributes.
    "mkdir", "mkdirat", "rmdir", "link", "linkat", "symlink", "symlinkat", "unlink", "unlinkat",
    "rename", "renameat", "renameat2", "mknod", "mknodat", "chmod", "fchmod", "fchmodat",
    "chown", "fchown", "lchown", "fchownat", "umask", "utime", "utimes", "futimesat",
    "utimensat", "getxattr", "lgetxattr", "fgetxattr", "setxattr", "lsetxattr", "fsetxattr",
    "listxattr", "llistxattr", "flistxattr", "removexattr", "lremovexattr", "fremovexattr",
    "chdir", "fchdir", "getcwd", "chroot",
    // Waiting on descriptors, and descriptors that are events.
    "select", "pselect6", "poll", "ppoll", "epoll_create", "epoll_create1", "epoll_ctl",
    "epoll_wait", "epoll_pwait", "epoll_pwait2", "eventfd", "eventfd2", "signalfd",
    "signalfd4", "timerfd_create", "timerfd_settime", "timerfd_gettime", "inotify_init",
    "inotify_init1", "inotify_add_watch", "inotify_rm_watch", "fanotify_mark", "pipe", "pipe2",
    "io_setup", "io_destroy", "io_submit", "io_cancel", "io_getevents",
    // Memory.
    "brk", "mmap", "munmap", "mremap", "mprotect", "madvise", "msync", "mincore", "mlock",
    "mlock2", "munlock", "mlockall", "munlockall", "remap_file_pages", "memfd_create",
    "memfd_secret", "membarrier", "mbind", "set_mempolicy", "get_mempolicy", "pkey_alloc",
    "pkey_free", "pkey_mprotect",
    // Processes and threads: made, run, waited for; their ids, limits and scheduling.
    "fork", "vfork", "clone", "execve", "execveat", "exit", "exit_group", "wait4", "waitid",
    "set_tid_address", "set_robust_list", "get_robust_list", "rseq", "futex", "arch_prctl",
    "modify_ldt", "prctl", "personality", "seccomp", "getpid", "getppid", "gettid", "getpgid",
    "setpgid", "getpgrp", "getsid", "setsid", "getrlimit", "setrlimit", "prlimit64", "getrusage",
    "times", "getpriority", "setpriority", "ioprio_get", "ioprio_set", "sched_yield",
    "sched_getaffinity", "sched_setaffinity", "sched_getattr", "sched_setattr",
    "sched_getparam", "sched_setparam", "sched_getscheduler", "sched_setscheduler",
    "sched_get_priority_max", "sched_get_priority_min", "sched_rr_get_interval", "getcpu",
    "ptrace", "process_vm_readv", "process_vm_writev", "pidfd_open", "pidfd_getfd",
    "pidfd_send_signal", "process_mrelease",
    // Users and groups, capabilities, and the Landlock sandbox a program may add for itself.
    "getuid", "geteuid", "getgid", "getegid", "getresuid", "getresgid", "getgroups", "setuid",
    "setgid", "setreuid", "setregid", "setresuid", "setresgid", "setfsuid", "setfsgid",
    "setgroups", "capget", "capset", "landlock_create_ruleset", "landlock_add_rule",
    "landlock_restrict_self",
    // Signals.
    "kill", "tkill", "tgkill", "rt_sigaction", "rt_sigprocmask", "rt_sigpending",
    "rt_sigqueueinfo", "rt_tgsigqueueinfo", "rt_sigreturn", "rt_sigsuspend", "rt_sigtimedwait",
    "sigaltstack", "pause", "restart_syscall",
    // Time (read only: setting the clock is denied) and timers.
    "time", "gettimeofday", "clock_gettime", "clock_getres", "clock_nanosleep", "nanosleep",
    "alarm", "getitimer", "setitimer", "timer_create", "timer_settime", "timer_gettime",
    "timer_getoverrun", "timer_delete",
    // The machine, as far as reading it goes.
    "uname", "sysinfo", "getrandom",
    // Sockets (the sandbox's own network namespace decides what they reach).
    "socket", "socketpair", "bind", "listen", "accept", "accept4", "connect", "shutdown",
    "getsockname", "getpeername", "getsockopt", "setsockopt", "sendto", "sendmsg", "sendmmsg",
    "recvfrom", "recvmsg", "recvmmsg",
    // System V and POSIX inter-process communication (the sandbox's own IPC namespace).
    "msgget", "msgsnd", "msgrcv", "msgctl", "semget", "semop", "semtimedop", "semctl", "shmget",
    "shmat", "shmdt", "shmctl", "mq_open", "mq_unlink", "mq_timedsend", "mq_timedreceive",
    "mq_notify", "mq_getsetattr",
};

}  // namespace

std::span<const char* const> allowed_syscalls() { return kAllowed; }

}  // namespace bootstrap::sandbox
