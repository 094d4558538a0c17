// The services of a baseline's steps, started for its checks and stopped after them
// (see "Processes and services" in plugin.hpp). Runs in the checks' sandbox, whose root is "/".
#pragma once

#include <string>
#include <vector>

#include "bootstrap/plugin.hpp"
#include "spawn.hpp"

namespace bootstrap {

struct StepService {
  int step = 0;           // the step's index
  std::string step_name;  // "daemontools (step 4)"
  Service service;
};

struct ServiceProblem {
  int step = 0;
  std::string message;  // names the service, its argv, the probe, the time waited, its output
};

class RunningServices {
 public:
  RunningServices() = default;
  RunningServices(const RunningServices&) = delete;
  RunningServices& operator=(const RunningServices&) = delete;
  ~RunningServices() { stop(); }

  // Starts each service in order, waiting until it is ready before starting the next. After
  // the first that fails, the later ones are not started (they may need it); each of them is
  // a problem of its own step too.
  std::vector<ServiceProblem> start(const std::vector<StepService>& services);
  // Seconds from the start of start() until the last service was ready.
  double seconds_to_ready() const { return seconds_; }
  // SIGTERM to each service's process group, last started first; then every process left.
  void stop();

 private:
  struct Running {
    StepService what;
    Child child;
    UniqueFd log;  // a memfd holding its stdout and stderr
  };
  std::string wait_ready(Running& r);  // "" when ready, else the problem
  std::vector<Running> running_;
  double seconds_ = 0;
};

}  // namespace bootstrap
