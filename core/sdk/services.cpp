#include <string>

#include "bootstrap/plugin.hpp"

namespace bootstrap {

std::string ReadinessProbe::describe() const {
  switch (kind) {
    case Kind::Running:
      return "it keeps running";
    case Kind::TcpPort:
      return "127.0.0.1:" + std::to_string(port) + " accepts a connection";
    case Kind::UnixSocket:
      return "the socket " + path + " accepts a connection";
    case Kind::FileExists:
      return path + " exists";
    case Kind::CommandSucceeds: {
      std::string line;
      for (const auto& a : argv) line += (line.empty() ? "" : " ") + a;
      return "`" + line + "` exits 0";
    }
  }
  return "?";
}

}  // namespace bootstrap
