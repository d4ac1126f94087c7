#include "transfer/agent.h"

#include <fcntl.h>
#include <malloc.h>
#include <pthread.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include "base/log.h"
#include "env/env.h"
#include "transfer/control.h"
#include "transfer/firewall.h"
#include "transfer/net.h"
#include "transfer/process.h"
#include "transfer/receiver.h"
#include "transfer/relay.h"
#include "transfer/sender.h"

namespace dw::transfer {
namespace {

using nlohmann::json;

// Process-wide abort: signals and the control channel closing land here.
struct AbortState {
  std::mutex mu;
  std::set<int> fds;  // sockets to shut down
  std::vector<std::function<void()>> hooks;
  std::atomic<bool> aborted{false};
  std::string reason;
};
AbortState& Abort() {
  static auto* s = new AbortState();  // never destroyed: detached threads use it
  return *s;
}
void TriggerAbort(const std::string& reason) {
  AbortState& a = Abort();
  std::lock_guard l(a.mu);
  if (a.aborted.exchange(true)) return;
  a.reason = reason;
  for (int fd : a.fds) ::shutdown(fd, SHUT_RDWR);
  for (auto& h : a.hooks) h();
}
void Track(int fd) {
  std::lock_guard l(Abort().mu);
  Abort().fds.insert(fd);
  if (Abort().aborted) ::shutdown(fd, SHUT_RDWR);
}
void Untrack(int fd) {
  std::lock_guard l(Abort().mu);
  Abort().fds.erase(fd);
}
void OnAbort(std::function<void()> f) {
  std::lock_guard l(Abort().mu);
  Abort().hooks.push_back(std::move(f));
}

void StartSignalWatcher() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  ::signal(SIGPIPE, SIG_IGN);
  std::thread([set] {
    int sig = 0;
    while (sigwait(&set, &sig) == 0) TriggerAbort(std::string("signal ") + strsignal(sig));
  }).detach();
}

// After the hello, the channel only carries "go" (to the sender); its end aborts.
void WatchControl(ControlChannel* ch, std::function<void(const json&)> on_msg) {
  std::thread([ch, on_msg] {
    while (true) {
      auto m = ch->Read();
      if (!m.ok()) {
        TriggerAbort("control channel closed (the orchestrator stopped)");
        return;
      }
      if (on_msg) on_msg(*m);
    }
  }).detach();
}

// Receive role: the orchestrator's "relay" command (chain topology) lands here.
struct RelayBox {
  std::mutex mu;
  std::optional<json> msg;
};
std::atomic<uint64_t> g_received{0};  // receive role: content bytes, for "done"

RelayBox& Relays() {
  static auto* b = new RelayBox();  // never destroyed: the control watcher is detached
  return *b;
}

Result<uint64_t> FreeBytes(const std::string& dir) {
  struct statvfs sv;
  if (::statvfs(dir.c_str(), &sv) != 0) return Status::FromErrno("statvfs " + dir, errno);
  return static_cast<uint64_t>(sv.f_bavail) * sv.f_frsize;
}

std::string Human(uint64_t b) {
  const char* u[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(b);
  int i = 0;
  while (v >= 1024 && i < 4) {
    v /= 1024;
    ++i;
  }
  return fmt::format("{:.1f} {}", v, u[i]);
}

// ---------------------------------------------------------------- receive

Status Preflight(const json& h, const std::string& dir, const std::string& name,
                 const std::string& type) {
  struct stat sb;
  if (::stat(dir.c_str(), &sb) != 0) return Status::FromErrno("target directory " + dir, errno);
  if (!S_ISDIR(sb.st_mode)) return Status::InvalidArgument("target " + dir + " is not a directory");
  if (::access(dir.c_str(), W_OK) != 0) return Status::FromErrno("write to " + dir, errno);
  if (type == "file") {
    std::string final = dir + "/" + name;
    if (::lstat(final.c_str(), &sb) == 0 && !h.value("force", false))
      return Status::AlreadyExists("target " + final +
                                   " already exists (use --force to replace it)");
  } else {
    std::error_code ec;
    for (auto& e : std::filesystem::directory_iterator(dir, ec)) {
      std::string n = e.path().filename().string();
      if (n == "." + name + ".dwtx-partial") continue;
      if (!h.value("force", false))
        return Status::AlreadyExists("target directory " + dir + " is not empty (type " + type +
                                     " unpacks into it)");
      break;
    }
  }
  uint64_t need = h.value("size", uint64_t{0});
  DW_ASSIGN_OR_RETURN(uint64_t free_bytes, FreeBytes(dir));
  if (need > free_bytes && !h.value("resume", false))
    return Status::IOError("not enough space in " + dir + ": need " + Human(need) + ", " +
                           Human(free_bytes) + " free");
  return Status::OK();
}

Status RunReceive(const json& h, ControlChannel* ch) {
  std::string label = h.value("label", std::string("target"));
  std::string dir = h.at("dir").get<std::string>();
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  std::string name = h.at("name").get<std::string>();
  std::string type = h.value("type", std::string("file"));
  DW_RETURN_IF_ERROR(ValidateRootName(name));
  DW_RETURN_IF_ERROR(Preflight(h, dir, name, type));

  ReceiverOptions ro;
  ro.dir = dir;
  ro.name = name;
  DW_ASSIGN_OR_RETURN(ro.key, HexDecode(h.at("key").get<std::string>()));
  ro.encrypt = h.value("encrypt", true);
  ro.digest =
      h.value("digest", std::string("xxh3")) == "sha256" ? DigestAlgo::kSha256 : DigestAlgo::kXxh3;
  ro.force = h.value("force", false);
  ro.resume = h.value("resume", false);
  ro.verify_after = h.value("checksum", true) && type == "file";
  ro.set_owner = ::geteuid() == 0;
  if (type == "mariabackup") {
    ro.stream_command = {"mbstream", "-x"};
    // --prepare: run in the unpacked, verified copy before it is published.
    if (h.value("prepare", false))
      ro.after_command = {"mariabackup", "--prepare", "--target-dir=."};
  }
  if (type == "decompress") {
    std::string src = h.value("source_name", name);
    ro.stream_command = {"tar", "-x", "-f", "-", "--no-same-owner", "--strip-components=1"};
    if (src.ends_with(".zst"))
      ro.stream_command.push_back("--zstd");
    else if (src.ends_with(".gz") || src.ends_with(".tgz"))
      ro.stream_command.push_back("-z");
    if (::geteuid() == 0) ro.stream_command[4] = "--same-owner";
  }
  Receiver receiver(ro);
  OnAbort([&receiver] { receiver.Abort(); });
  Status st = receiver.Prepare();
  bool success = false;
  struct CleanupGuard {
    Receiver* r;
    bool* ok;
    ~CleanupGuard() { r->Cleanup(*ok); }
  } cleanup{&receiver, &success};
  if (!st.ok()) return st;

  DW_ASSIGN_OR_RETURN(Socket listener, Listen(h.value("port", 0)));
  DW_ASSIGN_OR_RETURN(int port, LocalPort(listener));
  std::unique_ptr<Firewall> fw;
  std::string allow = h.value("allow_from", std::string());
  DW_ASSIGN_OR_RETURN(FirewallKind fk, ParseFirewallKind(h.value("firewall", std::string("auto"))));
  if (!allow.empty()) {
    DW_ASSIGN_OR_RETURN(fw, Firewall::Open(fk, port, allow));
    LogDebug("transfer[{}]: port {} open for {} ({})", label, port, allow, fw->description());
  }
  Track(listener.fd());
  // Chain topology: the local address each downstream peer will see (for its
  // firewall), then the relay command with this target's upstream addresses
  // and its next hops.
  json addrs = json::object();
  for (const auto& p : h.value("peers", std::vector<std::string>())) {
    auto a = LocalAddressToward(p);
    if (a.ok()) addrs[p] = *a;
  }
  DW_RETURN_IF_ERROR(ch->Send({{"event", "listening"}, {"port", port}, {"addrs", addrs}}));
  std::vector<Hop> next_hops;
  if (h.value("chain", false)) {
    json rm;
    while (true) {
      {
        std::lock_guard l(Relays().mu);
        if (Relays().msg) {
          rm = *Relays().msg;
          break;
        }
      }
      if (Abort().aborted) return Status::Aborted(Abort().reason);
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    // Reopen the port for the source and every upstream hop, then close the
    // source-only rules (nobody connects before "relay-ready").
    std::vector<std::string> ups = rm.value("allow", std::vector<std::string>());
    if (!allow.empty() && !ups.empty()) {
      ups.insert(ups.begin(), allow);
      DW_ASSIGN_OR_RETURN(auto f, Firewall::Open(fk, port, ups));
      LogDebug("transfer[{}]: port {} open for {} upstream hosts ({})", label, port, ups.size(),
               f->description());
      if (fw) (void)fw->Close();
      fw = std::move(f);
    }
    for (const auto& n : rm.value("next", json::array()))
      next_hops.push_back({n.at("host").get<std::string>(), n.at("port").get<int>()});
    DW_RETURN_IF_ERROR(ch->Send({{"event", "relay-ready"}}));
  }

  // Accept until one peer proves the key; every other connection is dropped
  // before it can touch anything.
  int hs_timeout = h.value("handshake_timeout", 10);
  int accept_timeout = h.value("accept_timeout", 300);
  std::mutex mu;
  std::condition_variable cv;
  std::optional<std::pair<Socket, Session>> winner;
  std::set<int> pending;
  std::vector<std::thread> hs_threads;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(accept_timeout);
  Status accept_status;
  while (true) {
    {
      std::lock_guard l(mu);
      if (winner) break;
    }
    if (Abort().aborted) {
      accept_status = Status::Aborted(Abort().reason);
      break;
    }
    if (std::chrono::steady_clock::now() > deadline) {
      accept_status = Status::Unavailable("no sender connected within " +
                                          std::to_string(accept_timeout) + " s");
      break;
    }
    auto c = Accept(listener, 200);
    if (!c.ok()) {
      if (c.status().IsUnavailable()) continue;
      accept_status = c.status();
      break;
    }
    auto sock = std::make_shared<Socket>(std::move(*c));
    SetIoTimeout(*sock, hs_timeout);
    {
      std::lock_guard l(mu);
      pending.insert(sock->fd());
    }
    hs_threads.emplace_back([&, sock, key = ro.key] {
      std::string peer = PeerAddress(*sock);
      auto s = ServerHandshake(*sock, key);
      std::lock_guard l(mu);
      pending.erase(sock->fd());
      if (!s.ok()) {
        LogWarn("transfer[{}]: rejected connection from {}: {}", label, peer,
                s.status().ToString());
        return;
      }
      if (winner) return;
      LogDebug("transfer[{}]: sender {} authenticated", label, peer);
      winner.emplace(std::move(*sock), *s);
      cv.notify_all();
    });
  }
  {
    std::lock_guard l(mu);
    for (int fd : pending) ::shutdown(fd, SHUT_RDWR);
  }
  for (auto& t : hs_threads) t.join();
  if (!accept_status.ok()) return accept_status;
  // Later connections are answered and dropped while the transfer runs: nobody
  // else gets in, and a rogue peer cannot hold up the real one.
  std::atomic<bool> receiving{true};
  std::thread late([&, key = ro.key] {
    while (receiving) {
      auto c = Accept(listener, 200);
      if (!c.ok()) continue;
      SetIoTimeout(*c, hs_timeout);
      std::string peer = PeerAddress(*c);
      auto s = ServerHandshake(*c, key);
      LogWarn("transfer[{}]: rejected connection from {}: {}", label, peer,
              s.ok() ? std::string("a sender is already connected") : s.status().ToString());
    }
  });
  struct LateStop {
    std::atomic<bool>* flag;
    std::thread* t;
    Socket* l;
    ~LateStop() {
      *flag = false;
      t->join();
      Untrack(l->fd());
      l->Close();
    }
  } late_stop{&receiving, &late, &listener};

  Socket conn_sock = std::move(winner->first);
  SetIoTimeout(conn_sock, h.value("io_timeout", 60));
  int fd = conn_sock.fd();
  Track(fd);
  FrameConn conn(std::move(conn_sock));
  std::atomic<bool> done{false};
  std::thread progress([&] {
    while (!done) {
      for (int i = 0; i < 10 && !done; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      if (!done) (void)ch->Send({{"event", "progress"}, {"bytes", receiver.bytes_received()}});
    }
  });
  Relay relay(label, ro.key, ro.encrypt, h.value("io_timeout", 60));
  if (!next_hops.empty()) {
    relay.Connect(next_hops);
    for (const auto& [host, why] : relay.skipped())
      (void)ch->Send({{"event", "hop-skipped"}, {"host", host}, {"message", why}});
    if (relay.fd() >= 0) {
      Track(relay.fd());
      conn.SetForward(
          [&relay](std::string_view len, std::string_view body) { relay.Forward(len, body); });
    }
  }
  const int relay_fd = relay.fd();
  st = receiver.Run(&conn, winner->second);
  g_received = receiver.bytes_received();
  if (st.ok()) relay.Finish();
  if (relay_fd >= 0) Untrack(relay_fd);
  done = true;
  progress.join();
  Untrack(fd);
  if (!st.ok() && Abort().aborted) st = Status::Aborted(Abort().reason).WithContext(st.ToString());
  if (st.ok()) success = true;
  if (fw) (void)fw->Close();
  if (st.ok())
    LogInfo("transfer[{}]: {} received and verified ({})", label,
            type == "file" ? receiver.final_path() : dir, Human(receiver.bytes_received()));
  return st;
}

// ---------------------------------------------------------------- send

Status StopStartSlave(const std::string& sock, const char* what) {
  auto r = RunProgram({"mariadb", "--socket=" + sock, "--connect-timeout=10", "-e", what});
  return r.ok() ? Status::OK() : r.status().WithContext(what);
}

Status RunSend(const json& h, ControlChannel* ch) {
  std::string label = h.value("label", std::string("source"));
  std::string path = h.at("path").get<std::string>();
  std::string type = h.value("type", std::string("file"));
  SenderOptions so;
  DW_ASSIGN_OR_RETURN(so.key, HexDecode(h.at("key").get<std::string>()));
  so.encrypt = h.value("encrypt", true);
  std::string codec = h.value("codec", std::string("zstd"));
  so.codec = codec == "none" ? Codec::kNone : codec == "gzip" ? Codec::kGzip : Codec::kZstd;
  so.level = h.value("level", codec == "gzip" ? 1 : 1);
  so.digest =
      h.value("digest", std::string("xxh3")) == "sha256" ? DigestAlgo::kSha256 : DigestAlgo::kXxh3;
  so.threads = h.value("threads", 0);
  so.bwlimit = h.value("bwlimit", uint64_t{0});
  so.send_owner = ::geteuid() == 0;

  // Preflight.
  std::string p = path;
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  std::string root = BaseName(p);
  std::vector<SourceEntry> entries;
  uint64_t size = 0;
  struct stat sb;
  if (::stat(p.c_str(), &sb) != 0) return Status::FromErrno("source " + p, errno);
  if (type == "mariabackup") {
    if (!S_ISSOCK(sb.st_mode))
      return Status::InvalidArgument("source " + p + " is not a MariaDB socket");
  } else if (type == "decompress") {
    if (!S_ISREG(sb.st_mode))
      return Status::InvalidArgument("source " + p + " is not an archive file");
    if (::access(p.c_str(), R_OK) != 0) return Status::FromErrno("read " + p, errno);
    size = static_cast<uint64_t>(sb.st_size);
  } else {
    DW_ASSIGN_OR_RETURN(entries, WalkSource(p));
    for (auto& e : entries) size += e.entry.size;
  }
  json addrs = json::object();
  for (const auto& t : h.value("targets", std::vector<std::string>())) {
    auto a = LocalAddressToward(t);
    if (a.ok()) addrs[t] = *a;
  }
  DW_RETURN_IF_ERROR(ch->Send({{"event", "ready"},
                               {"size", size},
                               {"entries", entries.size()},
                               {"name", root},
                               {"addrs", addrs}}));
  // Wait for "go" with the targets' ports.
  std::mutex mu;
  std::condition_variable cv;
  std::optional<json> go;
  WatchControl(ch, [&](const json& m) {
    std::lock_guard l(mu);
    if (m.value("cmd", std::string()) == "go") go = m;
    cv.notify_all();
  });
  {
    std::unique_lock l(mu);
    // TriggerAbort does not know this cv: poll the flag.
    while (!go.has_value() && !Abort().aborted) cv.wait_for(l, std::chrono::milliseconds(100));
    if (Abort().aborted) return Status::Aborted(Abort().reason);
  }
  // The manifest: every file's digest, to the orchestrator in batches.
  std::mutex man_mu;
  json man_batch = json::array();
  auto flush_manifest = [&] {
    json batch = json::array();
    {
      std::lock_guard l(man_mu);
      if (man_batch.empty()) return;
      batch.swap(man_batch);
    }
    (void)ch->Send({{"event", "manifest"}, {"files", std::move(batch)}});
  };
  so.on_file_digest = [&](const std::string& path, uint64_t size, const std::string& digest) {
    bool full;
    {
      std::lock_guard l(man_mu);
      man_batch.push_back({path, size, HexEncode(digest)});
      full = man_batch.size() >= 512;
    }
    if (full) flush_manifest();
  };
  std::vector<std::unique_ptr<TargetConn>> targets;
  int io_timeout = h.value("io_timeout", 60);
  for (const auto& t : go->at("targets")) {
    auto tc = std::make_unique<TargetConn>();
    tc->name = t.at("host").get<std::string>();
    auto s = Connect(tc->name, t.at("port").get<int>(), io_timeout);
    if (s.ok()) {
      Track(s->fd());
      auto sess = ClientHandshake(*s, so.key);
      if (sess.ok()) {
        tc->session = *sess;
      } else {
        tc->status = sess.status().WithContext(tc->name);
      }
      tc->conn = std::make_unique<FrameConn>(std::move(*s));
    } else {
      tc->status = s.status();
      tc->conn = std::make_unique<FrameConn>(Socket());
    }
    if (!tc->status.ok()) LogWarn("transfer[{}]: {}", label, tc->status.ToString());
    targets.push_back(std::move(tc));
  }
  Sender sender(so);
  OnAbort([&sender] { sender.Abort(); });

  // mariabackup / decompress: one byte stream.
  pid_t backup_pid = -1;
  int stream_fd = -1;
  bool slave_stopped = false;
  if (type == "mariabackup") {
    if (h.value("stop_slave", false)) {
      DW_RETURN_IF_ERROR(StopStartSlave(p, "STOP SLAVE"));
      slave_stopped = true;
      LogInfo("transfer[{}]: replication stopped for the copy", label);
    }
    int pfd[2];
    if (::pipe2(pfd, O_CLOEXEC) != 0) return Status::FromErrno("pipe", errno);
    std::string tmp = "/tmp/dwtx-mariabackup." + std::to_string(::getpid());
    ::mkdir(tmp.c_str(), 0700);
    backup_pid = ::fork();
    if (backup_pid == 0) {
      ::dup2(pfd[1], 1);
      sigset_t none;
      sigemptyset(&none);
      ::sigprocmask(SIG_SETMASK, &none, nullptr);
      std::vector<std::string> argv = {"mariabackup",         "--backup",
                                       "--stream=xbstream",   "--socket=" + p,
                                       "--target-dir=" + tmp, "--user=root"};
      if (h.value("slave_info", false)) argv.push_back("--slave-info");
      std::vector<char*> a;
      for (auto& s : argv) a.push_back(s.data());
      a.push_back(nullptr);
      ::execvp(a[0], a.data());
      ::_exit(127);
    }
    ::close(pfd[1]);
    stream_fd = pfd[0];
    OnAbort([backup_pid] { ::kill(backup_pid, SIGTERM); });
  } else if (type == "decompress") {
    stream_fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
    if (stream_fd < 0) return Status::FromErrno("open " + p, errno);
  }
  so.stream_fd = stream_fd;
  Sender stream_sender(so);
  Sender* active = stream_fd >= 0 ? &stream_sender : &sender;
  if (stream_fd >= 0) OnAbort([&stream_sender] { stream_sender.Abort(); });

  std::atomic<bool> done{false};
  std::thread progress([&] {
    while (!done) {
      for (int i = 0; i < 5 && !done; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      json per = json::array();
      for (auto& t : targets) per.push_back(t->raw_sent.load());
      (void)ch->Send({{"event", "progress"}, {"sent", per}, {"total", size}});
    }
  });
  Status st = active->Run(root, entries, targets);
  done = true;
  progress.join();
  flush_manifest();
  if (stream_fd >= 0) ::close(stream_fd);
  Status backup_st;
  if (backup_pid > 0) {
    int ws = 0;
    while (::waitpid(backup_pid, &ws, 0) < 0 && errno == EINTR) {
    }
    if (!(WIFEXITED(ws) && WEXITSTATUS(ws) == 0))
      backup_st = Status::IOError("mariabackup --backup failed (see its messages above)");
    std::error_code ec;
    std::filesystem::remove_all("/tmp/dwtx-mariabackup." + std::to_string(::getpid()), ec);
  }
  if (slave_stopped) {
    Status s2 = StopStartSlave(p, "START SLAVE");
    if (!s2.ok())
      LogError("transfer[{}]: {}", label, s2.ToString());
    else
      LogInfo("transfer[{}]: replication started again", label);
  }
  json results = json::array();
  for (auto& t : targets) {
    Status ts = t->status;
    if (ts.ok() && !backup_st.ok()) ts = backup_st;
    results.push_back({{"host", t->name},
                       {"ok", ts.ok()},
                       {"message", ts.ok() ? "" : ts.ToString()},
                       {"bytes", t->raw_sent.load()}});
  }
  // complete: every file was read and its digest sent (the manifest is whole).
  DW_RETURN_IF_ERROR(
      ch->Send({{"event", "done"}, {"results", results}, {"complete", st.ok() && backup_st.ok()}}));
  if (!backup_st.ok()) return backup_st;
  return st;
}

}  // namespace

Status RunAgent(int in_fd, int out_fd) {
  // The data path allocates and frees ~1 MiB blocks on several threads: keep
  // them on the heap (no mmap/munmap and page faults per block). Memory stays
  // bounded by the pipelines' queue depths.
  ::mallopt(M_MMAP_THRESHOLD, 64 << 20);
  ::mallopt(M_TRIM_THRESHOLD, 256 << 20);
  StartSignalWatcher();
  ControlChannel ch(in_fd, out_fd);
  auto hello = ch.Read();
  if (!hello.ok()) return hello.status();
  Status st;
  std::string role;
  try {
    role = hello->value("role", std::string());
    if (hello->contains("log_level"))
      SetLogLevel(static_cast<LogLevel>(hello->at("log_level").get<int>()));
    if (role == "receive") {
      WatchControl(&ch, [](const json& m) {
        if (m.value("cmd", std::string()) != "relay") return;
        std::lock_guard l(Relays().mu);
        Relays().msg = m;
      });
      st = RunReceive(*hello, &ch);
    } else if (role == "send") {
      st = RunSend(*hello, &ch);
    } else {
      st = Status::InvalidArgument("transfer-agent: unknown role '" + role + "'");
    }
  } catch (const nlohmann::json::exception& e) {
    st = Status::InvalidArgument(std::string("transfer-agent: bad control message: ") + e.what());
  }
  json fin = {{"event", st.ok() ? "done" : "error"}, {"ok", st.ok()}};
  if (!st.ok()) fin["message"] = st.ToString();
  if (role == "receive") fin["bytes"] = g_received.load();
  if (role == "receive" || !st.ok()) (void)ch.Send(fin);
  return st;
}

}  // namespace dw::transfer
