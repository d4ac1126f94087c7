#include "transfer/control.h"

#include <unistd.h>

#include <cerrno>

namespace dw::transfer {

Result<nlohmann::json> ControlChannel::Read() {
  while (true) {
    size_t nl = buf_.find('\n');
    if (nl != std::string::npos) {
      std::string line = buf_.substr(0, nl);
      buf_.erase(0, nl + 1);
      if (line.empty()) continue;
      auto j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
      if (j.is_discarded() || !j.is_object())
        return Status::Corruption("control channel: not a JSON object: " + line.substr(0, 80));
      return j;
    }
    char b[65536];
    ssize_t n = ::read(in_, b, sizeof b);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return Status::Unavailable("control channel closed");
    buf_.append(b, static_cast<size_t>(n));
  }
}

Status ControlChannel::Send(const nlohmann::json& msg) {
  std::string line = msg.dump() + "\n";
  std::lock_guard l(send_mu_);
  if (out_ < 0) return Status::Unavailable("control channel closed");
  size_t done = 0;
  while (done < line.size()) {
    ssize_t n = ::write(out_, line.data() + done, line.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return Status::Unavailable("control channel closed");
    done += static_cast<size_t>(n);
  }
  return Status::OK();
}

void ControlChannel::CloseOutput() {
  std::lock_guard l(send_mu_);
  if (out_ >= 0) ::close(out_);
  out_ = -1;
}

}  // namespace dw::transfer
