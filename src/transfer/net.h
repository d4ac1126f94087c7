// TCP sockets, the key handshake and framed (optionally sealed) connections.
//
// Blocking I/O with timeouts: every socket gets SO_RCVTIMEO/SO_SNDTIMEO and
// TCP_USER_TIMEOUT of `io_timeout_s`, so a cut link ends in an error, never a hang.
// Thread-safety: a Socket/FrameConn is used by one thread at a time, except
// Shutdown(), which any thread may call to wake a blocked reader or writer.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "base/result.h"
#include "transfer/crypto.h"
#include "transfer/protocol.h"

namespace dw::transfer {

class Socket {
 public:
  Socket() = default;
  explicit Socket(int fd) : fd_(fd) {}
  ~Socket();
  Socket(Socket&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
  Socket& operator=(Socket&& o) noexcept;
  int fd() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  void Shutdown();  // wakes blocked calls; the fd stays open until destruction
  void Close();

 private:
  int fd_ = -1;
};

// Listens on all addresses (IPv6 dual-stack, else IPv4) on `port` (0 = kernel-chosen).
Result<Socket> Listen(int port);
Result<int> LocalPort(const Socket& s);
// Waits up to timeout_ms for a connection; Unavailable on timeout.
Result<Socket> Accept(const Socket& listener, int timeout_ms);
Result<Socket> Connect(const std::string& host, int port, int timeout_s);
void SetIoTimeout(const Socket& s, int timeout_s);
std::string PeerAddress(const Socket& s);

Status WriteAll(const Socket& s, std::string_view data);
// Writes all of `parts`, in order, with as few sendmsg calls as possible (no
// copy into one buffer).
Status WriteAllV(const Socket& s, std::span<const std::string_view> parts);
// Reads exactly n bytes; a clean EOF before them is Unavailable ("connection closed").
Status ReadExact(const Socket& s, char* buf, size_t n);

// The local address this host would use to reach `host` (no packet is sent).
Result<std::string> LocalAddressToward(const std::string& host);
// True if `host` names this machine: localhost, its hostname, or one of its addresses.
bool IsLocalHost(const std::string& host);

// Handshake (docs/transfer-protocol.md). Each returns the keys for the back channel.
struct Session {
  std::string nonce_r, nonce_s;
};
// Receiver side: sends Hello, checks the sender's proof, confirms. A peer that
// cannot prove the key gets Corruption/Unavailable, and nothing else happens.
Result<Session> ServerHandshake(const Socket& s, std::string_view key);
Result<Session> ClientHandshake(const Socket& s, std::string_view key);

// Frames on a socket: u32 BE length + body, body sealed when a cipher is set.
class FrameConn {
 public:
  explicit FrameConn(Socket s) : sock_(std::move(s)) {}
  void SetSendCipher(std::optional<FrameCipher> c) { send_cipher_ = std::move(c); }
  void SetRecvCipher(std::optional<FrameCipher> c) { recv_cipher_ = std::move(c); }
  Socket& socket() { return sock_; }

  Status WriteFrame(const Frame& f);
  // Writes already sealed frames with their length prefixes (the shared
  // stream); `frames` is how many, to keep the sequence count.
  Status WriteWire(std::string_view wire, uint64_t frames = 1);
  // The same, gathered from several buffers (one writev-like call per ~1024 parts).
  Status WriteWireV(std::span<const std::string_view> parts, uint64_t frames);
  Result<Frame> ReadFrame();
  // ReadFrame in two steps, for a parallel reader: ReadWire reads one frame off
  // the wire (the forward callback sees it) and gives its still sealed body and
  // sequence number; OpenFrame opens it in place and decodes it (the buffer
  // stays the caller's, to reuse). OpenFrame is const and may run on several
  // threads at once while one thread calls ReadWire.
  Status ReadWire(std::string* body, uint64_t* seq);
  Result<Frame> OpenFrame(uint64_t seq, std::string* body) const;
  // Chain relay: called with every frame ReadFrame reads, as it came off the
  // wire (length prefix, body still sealed), before it is opened or decoded.
  void SetForward(std::function<void(std::string_view len, std::string_view body)> f) {
    forward_ = std::move(f);
  }

 private:
  Socket sock_;
  std::optional<FrameCipher> send_cipher_, recv_cipher_;
  uint64_t send_seq_ = 0, recv_seq_ = 0;
  std::function<void(std::string_view, std::string_view)> forward_;
};

// u32 BE length + body.
std::string WireFrame(std::string_view body);

}  // namespace dw::transfer
