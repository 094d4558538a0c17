// A target standing for a host that one test applies to several times: a sandbox of
// debian:bookworm (shared image cache) with the network, after one `apt-get update`.
#pragma once

#include <unistd.h>

#include <cstdlib>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>

#include "bootstrap/root_host.hpp"
#include "bootstrap/sandbox/images.hpp"
#include "bootstrap/sandbox/sandbox.hpp"

namespace bootstrap::testing {

// Runs `body` against the target's "/" and returns what it returned; {"error": ...} when the
// sandbox or apt-get update failed.
inline nlohmann::json on_online_bookworm(const std::function<nlohmann::json(RootHost&)>& body) {
  sandbox::ImageStore store(sandbox::default_cache_root());
  sandbox::Spec spec;
  spec.lowers = {store.get("debian:bookworm").root};
  spec.share_network = true;
  sandbox::Result res =
      sandbox::Sandbox::start(spec, [&](int fd) {
        setenv("PATH", "/usr/sbin:/usr/bin:/sbin:/bin", 1);
        if (std::system("apt-get update -q >/dev/null 2>&1") != 0) return 1;
        RootHost host("/");
        std::string text = body(host).dump();
        return ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) ? 0 : 1;
      }).wait();
  if (res.status != 0 || res.data.empty())
    return {{"error", "the sandbox " + res.describe() + (res.data.empty() ? "" : ": " + res.data)}};
  return nlohmann::json::parse(res.data);
}

}  // namespace bootstrap::testing
