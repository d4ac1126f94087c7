// Chain relay (--topology chain): a target forwards the sealed stream it
// receives, byte for byte, to the next target, so the source link carries the
// data once. The stream is sealed with the connection-independent DataKey, so
// the same bytes are valid for every target; each target opens, checks and
// writes its own copy.
//
// A relay never fails its own target: if the next hop cannot be reached it
// tries the one after (routing around it); if forwarding fails mid-stream it
// logs one line and stops forwarding (the orchestrator retries the targets
// after the failed hop). Thread-safety: used by the receiving thread only.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "transfer/net.h"

namespace dw::transfer {

struct Hop {
  std::string host;
  int port = 0;
};

class Relay {
 public:
  Relay(std::string label, std::string key, bool encrypt, int io_timeout)
      : label_(std::move(label)),
        key_(std::move(key)),
        encrypt_(encrypt),
        io_timeout_(io_timeout) {}
  // Connects to the first reachable hop of `next` (in order), authenticates and
  // reads its (empty) resume state. Returns the host it connected to, or "" if
  // none could be reached (logged; the relay then forwards nothing).
  std::string Connect(const std::vector<Hop>& next);
  // Forwards one wire frame (length prefix + sealed body); errors stop forwarding.
  void Forward(std::string_view len, std::string_view body);
  // After the last frame: waits for the next hop's verdict (logged).
  void Finish();
  // The socket fd to shut down on abort, or -1.
  int fd() const { return conn_ ? conn_->socket().fd() : -1; }
  // The hops Connect passed over, with why (the orchestrator stops and fails them).
  const std::vector<std::pair<std::string, std::string>>& skipped() const { return skipped_; }

 private:
  std::string label_, key_;
  bool encrypt_;
  int io_timeout_;
  std::string host_;
  std::unique_ptr<FrameConn> conn_;
  std::vector<std::pair<std::string, std::string>> skipped_;
};

}  // namespace dw::transfer
