// The control channel: JSON objects, one per line, over a pair of fds (the
// agent's stdin/stdout, or the orchestrator's end of them).
// Thread-safety: Send() may be called from several threads; Read() from one.
#pragma once

#include <mutex>
#include <nlohmann/json.hpp>
#include <string>

#include "base/result.h"

namespace dw::transfer {

class ControlChannel {
 public:
  ControlChannel(int in_fd, int out_fd) : in_(in_fd), out_(out_fd) {}
  // The next message; Unavailable at end of input.
  Result<nlohmann::json> Read();
  Status Send(const nlohmann::json& msg);
  void CloseOutput();

 private:
  int in_, out_;
  std::string buf_;
  std::mutex send_mu_;
};

}  // namespace dw::transfer
