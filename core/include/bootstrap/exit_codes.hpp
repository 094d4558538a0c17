// Exit statuses of every bootstrap command (see README "Exit status").
#pragma once

namespace bootstrap {
inline constexpr int kExitOk = 0;           // everything passed / was applied
inline constexpr int kExitFailed = 1;       // an apply, repeatability, idempotence or verify failed
inline constexpr int kExitUsage = 2;        // bad usage or bad baseline
inline constexpr int kExitEnvironment = 3;  // this machine cannot run sandboxes (and says why)
}  // namespace bootstrap
