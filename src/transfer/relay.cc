#include "transfer/relay.h"

#include <sys/socket.h>

#include <algorithm>
#include <variant>

#include "base/log.h"
#include "transfer/crypto.h"

namespace dw::transfer {

std::string Relay::Connect(const std::vector<Hop>& next) {
  for (const Hop& h : next) {
    // Well inside the upstream's io timeout: it waits for this target's
    // resume state while we try, and must not give up on us first.
    auto s = dw::transfer::Connect(h.host, h.port, std::clamp(io_timeout_ / 3, 1, 10));
    Status st = s.status();
    if (st.ok()) {
      SetIoTimeout(*s, io_timeout_);
      auto sess = ClientHandshake(*s, key_);
      st = sess.status();
      if (st.ok()) {
        auto c = std::make_unique<FrameConn>(std::move(*s));
        if (encrypt_) c->SetRecvCipher(FrameCipher(BackKey(key_, sess->nonce_r, sess->nonce_s)));
        // The next hop opens with its resume state (empty: chains run without --resume).
        while (st.ok()) {
          auto f = c->ReadFrame();
          if (!f.ok()) {
            st = f.status();
            break;
          }
          auto* rs = std::get_if<ResumeState>(&*f);
          if (rs == nullptr) {
            st = Status::Corruption("expected a resume state");
          } else if (!rs->files.empty()) {
            st = Status::NotSupported(
                "the next hop has a partial copy (chains run without --resume)");
          } else if (rs->last) {
            break;
          }
        }
        if (st.ok()) {
          conn_ = std::move(c);
          host_ = h.host;
          LogInfo("transfer[{}]: relaying to {}", label_, h.host);
          return h.host;
        }
      }
    }
    LogWarn("transfer[{}]: next hop {} unreachable, routing around it: {}", label_, h.host,
            st.ToString());
    skipped_.emplace_back(h.host, st.ToString());
  }
  return "";
}

void Relay::Forward(std::string_view len, std::string_view body) {
  if (!conn_) return;
  const std::string_view parts[] = {len, body};
  Status s = conn_->WriteWireV(parts, 1);
  if (!s.ok()) {
    LogWarn("transfer[{}]: relay to {} failed, forwarding stopped: {}", label_, host_,
            s.ToString());
    conn_.reset();
  }
}

void Relay::Finish() {
  if (!conn_) return;
  auto f = conn_->ReadFrame();
  if (!f.ok()) {
    LogWarn("transfer[{}]: no verdict from {}: {}", label_, host_, f.status().ToString());
  } else if (auto* r = std::get_if<ResultFrame>(&*f); r != nullptr) {
    if (r->ok)
      LogDebug("transfer[{}]: {} confirmed its copy", label_, host_);
    else
      LogWarn("transfer[{}]: {} failed: {}", label_, host_, r->message);
  }
  conn_.reset();
}

}  // namespace dw::transfer
