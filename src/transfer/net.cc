#include "transfer/net.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <vector>

namespace dw::transfer {
namespace {

std::string AddrToString(const sockaddr* sa) {
  char buf[INET6_ADDRSTRLEN] = {0};
  if (sa->sa_family == AF_INET) {
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(sa)->sin_addr, buf, sizeof buf);
  } else if (sa->sa_family == AF_INET6) {
    const auto* s6 = reinterpret_cast<const sockaddr_in6*>(sa);
    if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr)) {
      inet_ntop(AF_INET, &s6->sin6_addr.s6_addr[12], buf, sizeof buf);
    } else {
      inet_ntop(AF_INET6, &s6->sin6_addr, buf, sizeof buf);
    }
  }
  return buf;
}

// Strips [] around an IPv6 literal.
std::string Bare(const std::string& host) {
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    return host.substr(1, host.size() - 2);
  return host;
}

}  // namespace

Socket::~Socket() { Close(); }
Socket& Socket::operator=(Socket&& o) noexcept {
  if (this != &o) {
    Close();
    fd_ = o.fd_;
    o.fd_ = -1;
  }
  return *this;
}
void Socket::Shutdown() {
  if (fd_ >= 0) ::shutdown(fd_, SHUT_RDWR);
}
void Socket::Close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

Result<Socket> Listen(int port) {
  int fd = ::socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1, zero = 0;
  if (fd >= 0) {
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero);
    sockaddr_in6 a{};
    a.sin6_family = AF_INET6;
    a.sin6_addr = in6addr_any;
    a.sin6_port = htons(static_cast<uint16_t>(port));
    if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 && ::listen(fd, 16) == 0)
      return Socket(fd);
    ::close(fd);
  }
  fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Status::FromErrno("socket", errno);
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_ANY);
  a.sin_port = htons(static_cast<uint16_t>(port));
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(fd, 16) != 0) {
    int e = errno;
    ::close(fd);
    return Status::FromErrno("listen on port " + std::to_string(port), e);
  }
  return Socket(fd);
}

Result<int> LocalPort(const Socket& s) {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (getsockname(s.fd(), reinterpret_cast<sockaddr*>(&ss), &len) != 0)
    return Status::FromErrno("getsockname", errno);
  if (ss.ss_family == AF_INET6) return ntohs(reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port);
  return ntohs(reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
}

Result<Socket> Accept(const Socket& listener, int timeout_ms) {
  pollfd p{listener.fd(), POLLIN, 0};
  int r;
  do {
    r = ::poll(&p, 1, timeout_ms);
  } while (r < 0 && errno == EINTR);
  if (r < 0) return Status::FromErrno("poll", errno);
  if (r == 0) return Status::Unavailable("no connection within the timeout");
  if (p.revents & (POLLERR | POLLHUP | POLLNVAL)) return Status::Aborted("listener closed");
  int fd = ::accept4(listener.fd(), nullptr, nullptr, SOCK_CLOEXEC);
  if (fd < 0) return Status::FromErrno("accept", errno);
  return Socket(fd);
}

void SetIoTimeout(const Socket& s, int timeout_s) {
  timeval tv{timeout_s, 0};
  setsockopt(s.fd(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(s.fd(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  unsigned int ms = static_cast<unsigned int>(timeout_s) * 1000u;
  setsockopt(s.fd(), IPPROTO_TCP, TCP_USER_TIMEOUT, &ms, sizeof ms);
  int one = 1;
  setsockopt(s.fd(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

Result<Socket> Connect(const std::string& host, int port, int timeout_s) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  std::string h = Bare(host);
  int rc = getaddrinfo(h.c_str(), std::to_string(port).c_str(), &hints, &res);
  if (rc != 0) return Status::Unavailable("resolve " + host + ": " + gai_strerror(rc));
  Status last = Status::Unavailable("connect " + host + ": no address");
  for (addrinfo* ai = res; ai; ai = ai->ai_next) {
    int fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) continue;
    Socket s(fd);
    SetIoTimeout(s, timeout_s);
    if (::connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) {
      freeaddrinfo(res);
      return s;
    }
    // With SO_SNDTIMEO a connect that timed out fails with EINPROGRESS.
    last = Status::Unavailable("connect " + host + ":" + std::to_string(port) + ": " +
                               (errno == EINPROGRESS
                                    ? "timed out after " + std::to_string(timeout_s) + " s"
                                    : std::string(std::strerror(errno))));
  }
  freeaddrinfo(res);
  return last;
}

std::string PeerAddress(const Socket& s) {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (getpeername(s.fd(), reinterpret_cast<sockaddr*>(&ss), &len) != 0) return "?";
  return AddrToString(reinterpret_cast<sockaddr*>(&ss));
}

Status WriteAll(const Socket& s, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::send(s.fd(), data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK)
        return Status::Unavailable("send: timed out (no progress)");
      return Status::Unavailable(std::string("send: ") + std::strerror(errno));
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return Status::OK();
}

Status WriteAllV(const Socket& s, std::span<const std::string_view> parts) {
  std::vector<iovec> iov;
  iov.reserve(std::min<size_t>(parts.size(), IOV_MAX));
  size_t i = 0;     // next part not yet in iov
  size_t skip = 0;  // bytes of iov.front() already sent
  while (true) {
    // Refill the vector from the remaining parts.
    while (iov.size() < IOV_MAX && i < parts.size()) {
      if (!parts[i].empty()) iov.push_back({const_cast<char*>(parts[i].data()), parts[i].size()});
      ++i;
    }
    if (iov.empty()) return Status::OK();
    iov.front().iov_base = static_cast<char*>(iov.front().iov_base) + skip;
    iov.front().iov_len -= skip;
    skip = 0;
    msghdr m{};
    m.msg_iov = iov.data();
    m.msg_iovlen = iov.size();
    ssize_t n = ::sendmsg(s.fd(), &m, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK)
        return Status::Unavailable("send: timed out (no progress)");
      return Status::Unavailable(std::string("send: ") + std::strerror(errno));
    }
    size_t left = static_cast<size_t>(n), done = 0;
    while (done < iov.size() && left >= iov[done].iov_len) left -= iov[done++].iov_len;
    iov.erase(iov.begin(), iov.begin() + static_cast<std::ptrdiff_t>(done));
    skip = left;  // partial write into the (new) first vector
  }
}

Status ReadExact(const Socket& s, char* buf, size_t n) {
  size_t done = 0;
  while (done < n) {
    ssize_t r = ::recv(s.fd(), buf + done, n - done, 0);
    if (r == 0) return Status::Unavailable("connection closed by the peer");
    if (r < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK)
        return Status::Unavailable("receive: timed out waiting for the peer");
      return Status::Unavailable(std::string("receive: ") + std::strerror(errno));
    }
    done += static_cast<size_t>(r);
  }
  return Status::OK();
}

Result<std::string> LocalAddressToward(const std::string& host) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_DGRAM;
  addrinfo* res = nullptr;
  std::string h = Bare(host);
  int rc = getaddrinfo(h.c_str(), "9", &hints, &res);
  if (rc != 0) return Status::Unavailable("resolve " + host + ": " + gai_strerror(rc));
  for (addrinfo* ai = res; ai; ai = ai->ai_next) {
    int fd = ::socket(ai->ai_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) continue;
    Socket s(fd);
    if (::connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) continue;
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    if (getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) continue;
    freeaddrinfo(res);
    return AddrToString(reinterpret_cast<sockaddr*>(&ss));
  }
  freeaddrinfo(res);
  return Status::Unavailable("no route to " + host);
}

bool IsLocalHost(const std::string& host) {
  std::string h = Bare(host);
  if (h == "localhost" || h == "127.0.0.1" || h == "::1") return true;
  char name[256] = {0};
  if (gethostname(name, sizeof name - 1) == 0 && h == name) return true;
  addrinfo hints{};
  hints.ai_flags = AI_NUMERICHOST;
  addrinfo* res = nullptr;
  if (getaddrinfo(h.c_str(), nullptr, &hints, &res) != 0) return false;
  std::string want = AddrToString(res->ai_addr);
  freeaddrinfo(res);
  ifaddrs* ifs = nullptr;
  if (getifaddrs(&ifs) != 0) return false;
  bool found = false;
  for (ifaddrs* i = ifs; i && !found; i = i->ifa_next)
    if (i->ifa_addr && (i->ifa_addr->sa_family == AF_INET || i->ifa_addr->sa_family == AF_INET6))
      found = AddrToString(i->ifa_addr) == want;
  freeifaddrs(ifs);
  return found;
}

Result<Session> ServerHandshake(const Socket& s, std::string_view key) {
  Session sess;
  sess.nonce_r = RandomBytes(kNonceSize);
  DW_RETURN_IF_ERROR(WriteAll(s, EncodeHello(Hello{kProtocolVersion, sess.nonce_r})));
  std::string proof(kProofSize, '\0');
  DW_RETURN_IF_ERROR(ReadExact(s, proof.data(), proof.size()));
  std::string mac;
  DW_ASSIGN_OR_RETURN(Hello h, DecodeProof(proof, &mac));
  if (h.version != kProtocolVersion)
    return Status::NotSupported("protocol version mismatch: sender " + std::to_string(h.version) +
                                ", receiver " + std::to_string(kProtocolVersion));
  sess.nonce_s = h.nonce;
  if (!SecretEquals(mac, ClientMac(key, sess.nonce_r, sess.nonce_s)))
    return Status::Corruption("peer failed to prove the transfer key");
  DW_RETURN_IF_ERROR(WriteAll(s, ServerMac(key, sess.nonce_r, sess.nonce_s)));
  return sess;
}

Result<Session> ClientHandshake(const Socket& s, std::string_view key) {
  std::string hello(kHelloSize, '\0');
  DW_RETURN_IF_ERROR(ReadExact(s, hello.data(), hello.size()));
  DW_ASSIGN_OR_RETURN(Hello h, DecodeHello(hello));
  if (h.version != kProtocolVersion)
    return Status::NotSupported("protocol version mismatch: receiver " + std::to_string(h.version) +
                                ", sender " + std::to_string(kProtocolVersion));
  Session sess;
  sess.nonce_r = h.nonce;
  sess.nonce_s = RandomBytes(kNonceSize);
  DW_RETURN_IF_ERROR(WriteAll(s, EncodeProof(Hello{kProtocolVersion, sess.nonce_s},
                                             ClientMac(key, sess.nonce_r, sess.nonce_s))));
  std::string confirm(kMacSize, '\0');
  DW_RETURN_IF_ERROR(ReadExact(s, confirm.data(), confirm.size()));
  if (!SecretEquals(confirm, ServerMac(key, sess.nonce_r, sess.nonce_s)))
    return Status::Corruption("receiver failed to prove the transfer key");
  return sess;
}

std::string WireFrame(std::string_view body) {
  std::string out;
  out.reserve(body.size() + 4);
  uint32_t n = static_cast<uint32_t>(body.size());
  for (int i = 3; i >= 0; --i) out.push_back(static_cast<char>((n >> (8 * i)) & 0xff));
  out += body;
  return out;
}

Status FrameConn::WriteFrame(const Frame& f) {
  std::string plain = EncodeFrame(f);
  if (send_cipher_) {
    DW_ASSIGN_OR_RETURN(plain, send_cipher_->Seal(send_seq_, plain));
  }
  ++send_seq_;
  return WriteAll(sock_, WireFrame(plain));
}

Status FrameConn::WriteWire(std::string_view wire, uint64_t frames) {
  send_seq_ += frames;
  return WriteAll(sock_, wire);
}

Status FrameConn::WriteWireV(std::span<const std::string_view> parts, uint64_t frames) {
  send_seq_ += frames;
  return WriteAllV(sock_, parts);
}

Result<Frame> FrameConn::ReadFrame() {
  std::string body;
  uint64_t seq = 0;
  DW_RETURN_IF_ERROR(ReadWire(&body, &seq));
  return OpenFrame(seq, &body);
}

Status FrameConn::ReadWire(std::string* body, uint64_t* seq) {
  char len[4];
  DW_RETURN_IF_ERROR(ReadExact(sock_, len, 4));
  uint32_t n = 0;
  for (int i = 0; i < 4; ++i) n = (n << 8) | static_cast<uint8_t>(len[i]);
  if (n > kMaxFrameBody + kTagSize + 64)
    return Status::Corruption("frame length " + std::to_string(n) + " too large");
  body->resize(n);
  DW_RETURN_IF_ERROR(ReadExact(sock_, body->data(), n));
  if (forward_) forward_(std::string_view(len, 4), *body);
  *seq = recv_seq_++;
  return Status::OK();
}

Result<Frame> FrameConn::OpenFrame(uint64_t seq, std::string* body) const {
  if (recv_cipher_) DW_RETURN_IF_ERROR(recv_cipher_->OpenInPlace(seq, body));
  return DecodeFrame(*body);
}

}  // namespace dw::transfer
