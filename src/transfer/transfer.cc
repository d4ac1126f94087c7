#include "transfer/transfer.h"

#include <fcntl.h>
#include <ini.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "base/log.h"
#include "base/log_tee.h"
#include "env/env.h"
#include "transfer/control.h"
#include "transfer/crypto.h"
#include "transfer/manifest.h"
#include "transfer/net.h"

namespace dw::transfer {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

std::atomic<int> g_signal{0};
extern "C" void OnSignal(int sig) { g_signal = sig; }

std::string SelfExe() {
  char buf[4096];
  ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return "dumpworks";
  return std::string(buf, static_cast<size_t>(n));
}

std::string ShellQuote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'')
      out += "'\\''";
    else
      out += c;
  }
  return out + "'";
}

// Events from all agents, in arrival order. msg == nullopt: the agent's stdout closed.
struct Event {
  size_t agent;
  std::optional<json> msg;
};
class EventQueue {
 public:
  void Push(Event e) {
    std::lock_guard l(mu_);
    q_.push_back(std::move(e));
    cv_.notify_one();
  }
  std::optional<Event> Pop(int timeout_ms) {
    std::unique_lock l(mu_);
    if (!cv_.wait_for(l, std::chrono::milliseconds(timeout_ms), [&] { return !q_.empty(); }))
      return std::nullopt;
    Event e = std::move(q_.front());
    q_.pop_front();
    return e;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Event> q_;
};

struct Agent {
  std::string label;  // host or host:dir
  std::string host;
  bool local = false;
  pid_t pid = -1;
  int to = -1, from = -1;
  std::unique_ptr<ControlChannel> ch;
  std::thread reader;
  std::thread err_reader;  // the agent's (or ssh's) stderr -> ours and the transfer log
  std::mutex err_mu;
  std::string last_err;  // its last stderr line (names why ssh failed)
  bool eof = false;
  bool finished = false;       // done or error seen
  bool routed_around = false;  // stopped because its upstream relay could not reach it
  bool ok = false;
  std::string message;
  uint64_t bytes = 0;

  void CloseInput() {
    if (to >= 0) ::close(to);
    to = -1;
  }
};

Status SpawnAgent(Agent* a, const TransferOptions& o, size_t index, EventQueue* q,
                  TransferRecord* rec) {
  std::vector<std::string> argv;
  bool local = IsLocalHost(a->host);
  a->local = local;
  std::string cmd = o.remote_command.empty() ? SelfExe() : o.remote_command;
  if (local) {
    argv = {o.remote_command.empty() ? SelfExe() : o.remote_command, "transfer-agent"};
  } else {
    // ssh keeps the first value it gets for an option: the user's come first
    // (e.g. ConnectTimeout=3 wins over our 15).
    argv = {"ssh", "-T"};
    for (const auto& so : o.ssh_options) {
      argv.push_back("-o");
      argv.push_back(so);
    }
    for (const char* d : {"BatchMode=yes", "ConnectTimeout=15"}) {
      argv.push_back("-o");
      argv.push_back(d);
    }
    argv.push_back(a->host);
    argv.push_back(ShellQuote(cmd) + " transfer-agent");
  }
  LogDebug("transfer: starting the agent on {} ({})", a->label, local ? "locally" : "over ssh");
  int in[2], out[2], err[2];
  if (::pipe2(in, O_CLOEXEC) != 0 || ::pipe2(out, O_CLOEXEC) != 0 || ::pipe2(err, O_CLOEXEC) != 0)
    return Status::FromErrno("pipe", errno);
  pid_t pid = ::fork();
  if (pid < 0) return Status::FromErrno("fork", errno);
  if (pid == 0) {
    ::dup2(in[0], 0);
    ::dup2(out[1], 1);
    ::dup2(err[1], 2);
    ::setpgid(0, 0);  // a Ctrl-C on the terminal reaches us, not the agents directly
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::signal(SIGINT, SIG_DFL);
    ::signal(SIGTERM, SIG_DFL);
    std::vector<char*> av;
    for (auto& s : argv) av.push_back(s.data());
    av.push_back(nullptr);
    ::execvp(av[0], av.data());
    std::fprintf(stderr, "dumpworks transfer: cannot run %s: %s\n", av[0], std::strerror(errno));
    ::_exit(127);
  }
  ::close(in[0]);
  ::close(out[1]);
  ::close(err[1]);
  a->err_reader = std::thread([a, rec, fd = err[0]] {
    std::string buf;
    char chunk[4096];
    while (true) {
      ssize_t n = ::read(fd, chunk, sizeof chunk);
      if (n < 0 && errno == EINTR) continue;
      if (n > 0) buf.append(chunk, static_cast<size_t>(n));
      size_t nl;
      while ((nl = buf.find('\n')) != std::string::npos || (n <= 0 && !buf.empty())) {
        if (nl == std::string::npos) nl = buf.size();
        std::string line = buf.substr(0, nl);
        buf.erase(0, std::min(buf.size(), nl + 1));
        std::fprintf(stderr, "%s\n", line.c_str());
        if (rec) rec->LogLine(line);
        if (!line.empty()) {
          std::lock_guard l(a->err_mu);
          a->last_err = line;
        }
      }
      if (n <= 0) break;
    }
    ::close(fd);
  });
  a->pid = pid;
  a->to = in[1];
  a->from = out[0];
  a->ch = std::make_unique<ControlChannel>(a->from, a->to);
  a->reader = std::thread([a, index, q] {
    while (true) {
      auto m = a->ch->Read();
      if (!m.ok()) {
        q->Push({index, std::nullopt});
        return;
      }
      q->Push({index, std::move(*m)});
    }
  });
  return Status::OK();
}

std::string Human(double b) {
  const char* u[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int i = 0;
  while (b >= 1024 && i < 4) {
    b /= 1024;
    ++i;
  }
  return fmt::format("{:.1f} {}", b, u[i]);
}

}  // namespace

Result<HostPath> ParseHostPath(const std::string& s) {
  HostPath hp;
  size_t colon;
  if (!s.empty() && s[0] == '[') {
    size_t close = s.find(']');
    if (close == std::string::npos || close + 1 >= s.size() || s[close + 1] != ':')
      return Status::InvalidArgument("'" + s + "': expected [IPv6]:PATH");
    hp.host = s.substr(1, close - 1);
    colon = close + 1;
  } else {
    colon = s.find(':');
    if (colon == std::string::npos)
      return Status::InvalidArgument("'" + s + "': expected HOST:PATH");
    hp.host = s.substr(0, colon);
  }
  hp.path = s.substr(colon + 1);
  if (hp.host.empty() || hp.path.empty())
    return Status::InvalidArgument("'" + s + "': expected HOST:PATH with both parts non-empty");
  return hp;
}

Result<uint64_t> ParseRate(const std::string& s) {
  if (s.empty()) return Status::InvalidArgument("--bwlimit: empty rate");
  size_t pos = 0;
  double v = 0;
  try {
    v = std::stod(s, &pos);
  } catch (...) {
    return Status::InvalidArgument("--bwlimit: bad rate '" + s + "'");
  }
  std::string unit = s.substr(pos);
  double mult = 1;
  if (unit == "" || unit == "B")
    mult = 1;
  else if (unit == "K" || unit == "k" || unit == "KiB")
    mult = 1024;
  else if (unit == "M" || unit == "m" || unit == "MiB")
    mult = 1024.0 * 1024;
  else if (unit == "G" || unit == "g" || unit == "GiB")
    mult = 1024.0 * 1024 * 1024;
  else
    return Status::InvalidArgument("--bwlimit: bad unit in '" + s + "' (use K, M or G)");
  if (v < 0 || !std::isfinite(v)) return Status::InvalidArgument("--bwlimit: bad rate '" + s + "'");
  return static_cast<uint64_t>(v * mult);
}

Result<bool> ParseBool(const std::string& key, const std::string& v) {
  std::string l;
  for (char c : v) l.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  if (l == "true" || l == "t" || l == "1" || l == "yes" || l == "on") return true;
  if (l == "false" || l == "f" || l == "0" || l == "no" || l == "off") return false;
  return Status::InvalidArgument(key + ": expected a boolean (true/false), not '" + v + "'");
}

Result<std::map<std::string, std::string>> ReadConfigFile(const std::string& path) {
  if (::access(path.c_str(), F_OK) != 0)
    return Status::NotFound("config file " + path + " not found");
  std::map<std::string, std::string> out;
  auto handler = [](void* user, const char* section, const char* name, const char* value) -> int {
    auto* m = static_cast<std::map<std::string, std::string>*>(user);
    std::string sec = section ? section : "";
    if (sec == "DEFAULT" || sec.empty()) (*m)[name] = value ? value : "";
    return 1;
  };
  int rc = ini_parse(path.c_str(), handler, &out);
  if (rc < 0) return Status::IOError("cannot read config file " + path);
  if (rc > 0)
    return Status::InvalidArgument("config file " + path + ": syntax error on line " +
                                   std::to_string(rc));
  return out;
}

Status ApplyConfig(const std::map<std::string, std::string>& cfg,
                   const std::map<std::string, bool>& ex, TransferOptions* o) {
  auto set = [&](const std::string& key) { return !ex.count(key); };
  for (const auto& [k, v] : cfg) {
    std::string ctx = "config key " + k;
    if (k == "port") {
      if (!set("port")) continue;
      try {
        o->port = std::stoi(v);
      } catch (...) {
        return Status::InvalidArgument(ctx + ": not a number: '" + v + "'");
      }
    } else if (k == "transfer_type") {
      if (set("type")) o->type = v;
    } else if (k == "compress" || k == "encrypt" || k == "checksum" || k == "stop_slave" ||
               k == "parallel_checksum" || k == "verbose" || k == "resume" || k == "progress" ||
               k == "prepare") {
      DW_ASSIGN_OR_RETURN(bool b, ParseBool(ctx, v));
      if (!set(k)) continue;
      if (k == "compress") o->compress = b;
      if (k == "encrypt") o->encrypt = b;
      if (k == "checksum") o->checksum = b;
      if (k == "stop_slave") o->stop_slave = b;
      if (k == "resume") o->resume = b;
      if (k == "prepare") o->prepare = b;
      if (k == "verbose" && b) SetLogLevel(LogLevel::kDebug);
      // parallel_checksum: in-stream digests are always on.
    } else if (k == "bwlimit") {
      if (!set("bwlimit")) continue;
      DW_ASSIGN_OR_RETURN(o->bwlimit, ParseRate(v));
    } else if (k == "firewall") {
      if (set("firewall")) o->firewall = v;
    } else if (k == "topology") {
      if (set("topology")) o->topology = v;
    } else if (k == "log_dir") {
      if (set("log_dir")) o->log_dir = v;
    } else if (k == "remote_command") {
      if (set("remote_command")) o->remote_command = v;
    } else if (k == "ssh_option") {
      if (set("ssh_option")) o->ssh_options.push_back(v);
    } else if (k == "compression") {
      if (set("compression")) o->codec = v;
    } else if (k == "digest") {
      if (set("digest")) o->digest = v;
    } else {
      LogWarn("transfer: unknown config key '{}' ignored", k);
    }
  }
  return Status::OK();
}

namespace {

// What a round tells RunTransfer beyond the per-target results.
struct RoundState {
  TransferRecord* rec = nullptr;  // may be null (no log directory)
  nlohmann::json manifest_header;
  bool manifest_done = false;  // a source sent every file's digest (in some round)
  bool manifest_failed = false;
};

Result<std::vector<TargetResult>> RunRound(const TransferOptions& o, bool chain, RoundState* rs);

std::string UtcNow() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  ::gmtime_r(&now, &tm);
  char b[32];
  std::strftime(b, sizeof b, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return b;
}

// Opens the transfer's log and routes every log line into it too.
std::unique_ptr<TransferRecord> OpenRecord(const TransferOptions& o) {
  if (o.log_dir.empty() || o.log_dir == "none") return nullptr;
  auto r = TransferRecord::Open(Env::Default(), o.log_dir, o.digest);
  if (!r.ok()) {
    LogWarn("transfer: no transfer log or manifest: {} (choose another --log-dir)",
            r.status().ToString());
    return nullptr;
  }
  TransferRecord* rec = r->get();
  SetLogTee([rec](std::string_view line) { rec->LogLine(line); });
  LogInfo("transfer: log {}", rec->log_path());
  return std::move(*r);
}

Result<std::vector<TargetResult>> RunRounds(const TransferOptions& o, bool chain, RoundState* rs);

}  // namespace

Result<std::vector<TargetResult>> RunTransfer(const TransferOptions& o) {
  if (o.topology != "" && o.topology != "chain" && o.topology != "fanout")
    return Status::InvalidArgument("--topology: expected chain or fanout, not '" + o.topology +
                                   "'");
  if (o.topology == "chain" && o.resume)
    return Status::InvalidArgument("--topology chain cannot be combined with --resume");
  if (o.prepare && o.type != "mariabackup")
    return Status::InvalidArgument("--prepare applies to --type mariabackup only");
  const bool chain = o.topology == "chain" || (o.topology.empty() && !o.resume);
  RoundState rs;
  std::unique_ptr<TransferRecord> rec = OpenRecord(o);
  rs.rec = rec.get();
  std::string source = o.source.host + ":" + o.source.path;
  rs.manifest_header = {{"format", "dumpworks-transfer-manifest"},
                        {"version", 1},
                        {"source", source},
                        {"type", o.type},
                        {"algorithm", o.digest == "sha256" ? "sha256" : "xxh3-128"},
                        {"started", UtcNow()}};
  if (rec) {
    json cmd = {{"source", source}, {"type", o.type}, {"digest", o.digest}};
    for (const auto& t : o.targets) cmd["targets"].push_back(t.host + ":" + t.path);
    rec->LogLine("# dumpworks transfer " + cmd.dump());
  }
  auto res = RunRounds(o, chain, &rs);
  if (rec) {
    if (res.ok()) {
      json targets = json::array();
      for (const auto& r : *res) {
        targets.push_back({{"target", r.target}, {"ok", r.ok}, {"message", r.message}});
        rec->LogLine(r.ok ? fmt::format("# result {}: OK ({} bytes in {:.1f} s)", r.target, r.bytes,
                                        r.seconds)
                          : fmt::format("# result {}: FAILED: {}", r.target, r.message));
      }
      if (rs.manifest_done && !rs.manifest_failed) {
        uint64_t n = rec->manifest_files();
        Status s = rec->CommitManifest({{"finished", UtcNow()}, {"targets", targets}});
        if (s.ok())
          LogInfo("transfer: manifest of {} files: {}", n,
                  o.type == "file" ? rec->checksum_path() : rec->json_path());
        else
          LogError("transfer: could not write the manifest: {}", s.ToString());
      }
    } else {
      rec->LogLine("# failed: " + res.status().ToString());
    }
    if (rec->manifest_open()) {
      rec->AbandonManifest();
      if (res.ok()) LogWarn("transfer: no manifest: the source did not send every file");
    }
    SetLogTee(nullptr);
  }
  return res;
}

namespace {
Result<std::vector<TargetResult>> RunRounds(const TransferOptions& o, bool chain, RoundState* rs) {
  std::vector<TargetResult> final(o.targets.size());
  std::vector<size_t> pending(o.targets.size());
  for (size_t i = 0; i < pending.size(); ++i) pending[i] = i;
  double elapsed = 0;
  for (int round = 0; !pending.empty(); ++round) {
    TransferOptions ro = o;
    ro.targets.clear();
    for (size_t i : pending) ro.targets.push_back(o.targets[i]);
    auto res = RunRound(ro, chain, rs);
    if (!res.ok()) {
      if (round == 0) return res.status();
      for (size_t i : pending) {
        final[i].target = o.targets[i].host + ":" + o.targets[i].path;
        final[i].message = res.status().ToString();
      }
      break;
    }
    int first_failed = INT32_MAX;
    for (const auto& r : *res)
      if (!r.ok && r.chain_pos >= 0) first_failed = std::min(first_failed, r.chain_pos);
    std::vector<size_t> retry;
    double round_seconds = 0;
    for (size_t k = 0; k < res->size(); ++k) {
      TargetResult& r = (*res)[k];
      round_seconds = std::max(round_seconds, r.seconds);
      if (chain && !r.ok && r.chain_pos > first_failed) {
        LogWarn("transfer: {}: an upstream hop failed ({}); retrying it in a new chain", r.target,
                r.message);
        retry.push_back(pending[k]);
        continue;
      }
      final[pending[k]] = r;
      final[pending[k]].seconds = elapsed + r.seconds;
    }
    elapsed += round_seconds;
    pending = retry;
  }
  return final;
}

Result<std::vector<TargetResult>> RunRound(const TransferOptions& o, bool chain, RoundState* rs) {
  if (o.type != "file" && o.type != "decompress" && o.type != "mariabackup")
    return Status::InvalidArgument("--type: expected file, decompress or mariabackup, not '" +
                                   o.type + "'");
  if (o.codec != "zstd" && o.codec != "gzip")
    return Status::InvalidArgument("--compression: expected zstd or gzip, not '" + o.codec + "'");
  if (o.digest != "xxh3" && o.digest != "sha256")
    return Status::InvalidArgument("--digest: expected xxh3 or sha256, not '" + o.digest + "'");
  if (o.targets.empty()) return Status::InvalidArgument("no target given");

  struct sigaction sa {};
  sa.sa_handler = OnSignal;
  struct sigaction old_int, old_term, old_pipe;
  sigaction(SIGINT, &sa, &old_int);
  sigaction(SIGTERM, &sa, &old_term);
  ::signal(SIGPIPE, SIG_IGN);
  (void)old_pipe;
  g_signal = 0;

  const std::string key_hex = HexEncode(RandomBytes(kKeySize));
  const int log_level = static_cast<int>(GetLogLevel());
  EventQueue q;
  std::vector<std::unique_ptr<Agent>> agents;  // [0] = source, [1..] = targets
  auto src = std::make_unique<Agent>();
  src->host = o.source.host;
  src->label = o.source.host;
  agents.push_back(std::move(src));
  for (const auto& t : o.targets) {
    auto a = std::make_unique<Agent>();
    a->host = t.host;
    a->label = t.host + ":" + t.path;
    agents.push_back(std::move(a));
  }
  std::vector<std::string> target_hosts;
  for (const auto& t : o.targets) target_hosts.push_back(t.host);

  Agent& source = *agents[0];
  Status fatal;
  if (Status s = SpawnAgent(&source, o, 0, &q, rs->rec); !s.ok()) return s;
  json hello = {{"role", "send"},
                {"label", source.host},
                {"path", o.source.path},
                {"type", o.type},
                {"key", key_hex},
                {"encrypt", o.encrypt},
                {"codec", o.compress && o.type != "decompress" ? o.codec : std::string("none")},
                {"digest", o.digest},
                {"targets", target_hosts},
                {"bwlimit", o.bwlimit},
                {"io_timeout", o.io_timeout},
                {"threads", o.threads},
                {"stop_slave", o.stop_slave},
                {"log_level", log_level}};
  (void)source.ch->Send(hello);

  enum class Phase { kSourcePreflight, kTargetsPreflight, kRelaySetup, kSending, kDraining };
  Phase phase = Phase::kSourcePreflight;
  json ready;
  std::vector<int> ports(agents.size(), -1);
  std::vector<size_t> go_index;  // go target i -> agent index
  std::vector<size_t> shown;     // targets on the progress line
  std::vector<json> peer_addrs(agents.size(), json::object());
  std::vector<bool> relay_ready(agents.size(), false);
  std::vector<int> chain_pos(agents.size(), -1);
  json go_list;
  json source_results;
  bool source_done = false;
  bool manifest_this_round = false;
  bool aborting = false;
  auto start = Clock::now();
  auto last_draw = Clock::now();
  std::vector<uint64_t> sent(agents.size(), 0);
  uint64_t total = 0;
  bool drew = false;

  auto abort_all = [&](const std::string& why) {
    if (aborting) return;
    aborting = true;
    LogWarn("transfer: stopping every agent: {}", why);
    for (auto& a : agents) a->CloseInput();
  };
  auto all_eof = [&] {
    for (auto& a : agents)
      if (a->pid > 0 && !a->eof) return false;
    return true;
  };

  while (!all_eof()) {
    if (g_signal != 0 && !aborting) {
      fatal = Status::Aborted(std::string("interrupted by ") + strsignal(g_signal.load()));
      abort_all(fatal.ToString());
    }
    auto ev = q.Pop(200);
    if (ev) {
      Agent& a = *agents[ev->agent];
      if (!ev->msg) {
        a.eof = true;
        if (!a.finished) {
          a.finished = true;
          a.ok = false;
          if (a.message.empty()) a.message = "agent on " + a.host + " exited unexpectedly";
        }
        if (ev->agent == 0 && !source_done) {
          if (phase == Phase::kSourcePreflight) fatal = Status::Unavailable(a.message);
          abort_all("the source agent stopped");
        }
        a.CloseInput();
      } else {
        const json& m = *ev->msg;
        std::string event = m.value("event", std::string());
        if (event == "error") {
          a.finished = true;
          a.ok = false;
          // A hop we stopped because it was routed around keeps that reason.
          if (!a.routed_around) {
            a.message = m.value("message", std::string("failed"));
            LogError("transfer: {}: {}", a.label, a.message);
          }
          if (ev->agent == 0 && phase == Phase::kSourcePreflight) {
            fatal = Status::InvalidArgument(a.message);
            abort_all("source preflight failed");
          }
        } else if (ev->agent == 0 && event == "ready") {
          ready = m;
          total = m.value("size", uint64_t{0});
          LogInfo("transfer: {}:{}: {} in {} entries", o.source.host, o.source.path,
                  Human(static_cast<double>(total)), m.value("entries", 0));
          phase = Phase::kTargetsPreflight;
          if (rs->rec && !rs->manifest_done) {
            json header = rs->manifest_header;
            header["size"] = total;
            header["entries"] = m.value("entries", 0);
            Status ms = rs->rec->BeginManifest(header, o.type == "file");
            manifest_this_round = ms.ok();
            if (!ms.ok()) {
              rs->manifest_failed = true;
              LogWarn("transfer: no manifest: {}", ms.ToString());
            }
          }
          std::string name = m.value("name", std::string());
          for (size_t i = 1; i < agents.size(); ++i) {
            Agent& t = *agents[i];
            if (Status s = SpawnAgent(&t, o, i, &q, rs->rec); !s.ok()) {
              t.finished = true;
              t.message = s.ToString();
              continue;
            }
            std::string allow = m["addrs"].value(t.host, std::string());
            std::vector<std::string> peers;
            for (size_t j = i + 1; j < agents.size(); ++j) peers.push_back(agents[j]->host);
            json th = {{"role", "receive"},
                       {"label", t.label},
                       {"dir", o.targets[i - 1].path},
                       {"name", name},
                       {"source_name", name},
                       {"type", o.type},
                       {"key", key_hex},
                       {"encrypt", o.encrypt},
                       {"digest", o.digest},
                       {"force", o.force},
                       {"resume", o.resume},
                       {"checksum", o.checksum},
                       {"port", o.port},
                       {"firewall", o.firewall},
                       {"allow_from", allow},
                       {"size", total},
                       {"io_timeout", o.io_timeout},
                       {"accept_timeout", o.accept_timeout},
                       {"chain", chain},
                       {"prepare", o.prepare},
                       {"peers", chain ? peers : std::vector<std::string>()},
                       {"log_level", log_level}};
            (void)t.ch->Send(th);
          }
        } else if (event == "listening") {
          ports[ev->agent] = m.value("port", -1);
          peer_addrs[ev->agent] = m.value("addrs", json::object());
          LogDebug("transfer: {} listening on port {}", a.label, ports[ev->agent]);
        } else if (ev->agent == 0 && event == "manifest") {
          if (manifest_this_round && rs->rec->manifest_open()) {
            for (const auto& f : m.value("files", json::array())) {
              ManifestFile mf;
              Status as;
              if (!f.is_array() || f.size() != 3 || !f[0].is_string() ||
                  !f[1].is_number_unsigned() || !f[2].is_string()) {
                as = Status::Corruption("bad manifest entry from the source agent: " + f.dump());
              } else if (auto d = HexDecode(f[2].get<std::string>()); !d.ok()) {
                as = d.status();
              } else {
                mf.path = f[0].get<std::string>();
                mf.size = f[1].get<uint64_t>();
                mf.digest = std::move(*d);
                as = rs->rec->AddFile(mf);
              }
              if (!as.ok()) {
                LogWarn("transfer: no manifest: {}", as.ToString());
                rs->manifest_failed = true;
                rs->rec->AbandonManifest();
                break;
              }
            }
          }
        } else if (event == "hop-skipped" && chain) {
          // A relay could not reach this hop and routed around it: the hop will
          // get no data, so stop it now rather than at its accept timeout.
          std::string host = m.value("host", std::string());
          for (size_t j = 1; j < agents.size(); ++j) {
            Agent& t = *agents[j];
            if (t.host != host || chain_pos[j] <= chain_pos[ev->agent] || t.finished) continue;
            t.finished = true;
            t.ok = false;
            t.routed_around = true;
            t.message = "unreachable from " + a.host +
                        " (routed around): " + m.value("message", std::string());
            LogWarn("transfer: {}: {}", t.label, t.message);
            t.CloseInput();
            break;
          }
        } else if (event == "relay-ready") {
          relay_ready[ev->agent] = true;
        } else if (event == "progress") {
          if (ev->agent != 0 && chain) sent[ev->agent] = m.value("bytes", uint64_t{0});
          if (ev->agent == 0 && m.contains("sent")) {
            for (size_t i = 0; i < go_index.size() && i < m["sent"].size(); ++i)
              sent[go_index[i]] = m["sent"][i].get<uint64_t>();
          }
        } else if (event == "done") {
          if (ev->agent == 0) {
            source_done = true;
            if (manifest_this_round && m.value("complete", false)) rs->manifest_done = true;
            source_results = m.value("results", json::array());
            a.finished = true;
            a.ok = true;
          } else {
            a.finished = true;
            a.ok = m.value("ok", false);
            if (chain) sent[ev->agent] = m.value("bytes", sent[ev->agent]);
            if (!a.ok) a.message = m.value("message", std::string("failed"));
          }
        }
      }
    }
    // Every target answered its preflight: set up the chain, then start the data.
    if (phase == Phase::kTargetsPreflight && !aborting) {
      bool all = true;
      for (size_t i = 1; i < agents.size(); ++i)
        if (ports[i] < 0 && !agents[i]->finished) all = false;
      if (all) {
        std::vector<size_t> members;
        for (size_t i = 1; i < agents.size(); ++i)
          if (ports[i] >= 0 && !agents[i]->finished) members.push_back(i);
        shown = members;
        go_list = json::array();
        if (members.empty()) {
          abort_all("no target passed its preflight");
        } else if (!chain) {
          for (size_t i : members) {
            go_index.push_back(i);
            go_list.push_back({{"host", agents[i]->host}, {"port", ports[i]}});
          }
        } else {
          // source -> members[0] -> members[1] ...: each hop knows all later
          // ones (to route around a dead one) and opens its port to every
          // earlier one.
          for (size_t k = 0; k < members.size(); ++k) {
            size_t i = members[k];
            chain_pos[i] = static_cast<int>(k);
            json allow = json::array();
            for (size_t j = 0; j < k; ++j) {
              std::string a = peer_addrs[members[j]].value(agents[i]->host, std::string());
              if (!a.empty()) allow.push_back(a);
            }
            json next = json::array();
            for (size_t j = k + 1; j < members.size(); ++j)
              next.push_back({{"host", agents[members[j]]->host}, {"port", ports[members[j]]}});
            (void)agents[i]->ch->Send({{"cmd", "relay"}, {"allow", allow}, {"next", next}});
          }
          go_index.push_back(members[0]);
          go_list.push_back({{"host", agents[members[0]]->host}, {"port", ports[members[0]]}});
        }
        phase = Phase::kRelaySetup;
      }
    }
    if (phase == Phase::kRelaySetup && !aborting) {
      bool all = true;
      for (size_t i : shown)
        if (chain && !relay_ready[i] && !agents[i]->finished) all = false;
      if (all) {
        start = Clock::now();
        (void)source.ch->Send({{"cmd", "go"}, {"targets", go_list}});
        phase = Phase::kSending;
      }
    }
    // Progress.
    if (phase == Phase::kSending && (o.progress || o.json_progress) &&
        Clock::now() - last_draw > std::chrono::milliseconds(500)) {
      last_draw = Clock::now();
      double el = std::chrono::duration<double>(Clock::now() - start).count();
      std::string line;
      for (size_t i : shown) {
        double rate = el > 0 ? static_cast<double>(sent[i]) / el : 0;
        double eta = rate > 0 && total > sent[i] ? static_cast<double>(total - sent[i]) / rate : 0;
        if (o.json_progress) {
          std::printf("%s\n", json({{"target", agents[i]->label},
                                    {"bytes", sent[i]},
                                    {"total", total},
                                    {"rate", static_cast<uint64_t>(rate)},
                                    {"eta_s", static_cast<uint64_t>(eta)}})
                                  .dump()
                                  .c_str());
          std::fflush(stdout);
        }
        line += fmt::format("{}  {}/{}  {}/s  ETA {:.0f}s   ", agents[i]->host,
                            Human(static_cast<double>(sent[i])), Human(static_cast<double>(total)),
                            Human(rate), eta);
      }
      if (o.progress) {
        std::fprintf(stderr, "\r%s\033[K", line.c_str());
        drew = true;
      }
    }
  }
  if (drew) std::fprintf(stderr, "\n");
  double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  for (auto& a : agents) {
    if (a->reader.joinable()) a->reader.join();
    a->CloseInput();
    if (a->from >= 0) ::close(a->from);
    if (a->pid > 0) {
      int st = 0;
      while (::waitpid(a->pid, &st, 0) < 0 && errno == EINTR) {
      }
      if (a->err_reader.joinable()) a->err_reader.join();
      // It died without a word (ssh could not connect, the remote command is
      // missing): its last stderr line says why.
      std::lock_guard l(a->err_mu);
      if (a->message == "agent on " + a->host + " exited unexpectedly" && !a->last_err.empty()) {
        if (!a->local && WIFEXITED(st) && WEXITSTATUS(st) == 255)
          a->message = "ssh to " + a->host + " failed: " + a->last_err;
        else
          a->message += ": " + a->last_err;
      }
    }
  }
  sigaction(SIGINT, &old_int, nullptr);
  sigaction(SIGTERM, &old_term, nullptr);
  if (!fatal.ok()) return fatal;

  std::vector<TargetResult> results;
  for (size_t i = 1; i < agents.size(); ++i) {
    Agent& a = *agents[i];
    TargetResult r;
    r.target = a.label;
    r.ok = a.finished && a.ok;
    r.message = a.message;
    r.seconds = seconds;
    // Stopped as a whole (the source agent died, interrupted): nothing to retry.
    r.chain_pos = aborting ? -1 : chain_pos[i];
    if (chain) r.bytes = sent[i];
    // The sender's view of this target.
    for (size_t g = 0; g < go_index.size(); ++g) {
      if (go_index[g] != i || g >= source_results.size()) continue;
      const json& sr = source_results[g];
      r.bytes = sr.value("bytes", uint64_t{0});
      if (!sr.value("ok", false)) {
        if (r.ok || r.message.empty()) r.message = sr.value("message", std::string("failed"));
        r.ok = false;
      }
    }
    if (r.ok && !source_done) {
      r.ok = false;
      r.message = "the source did not finish";
    }
    if (!r.ok && r.message.empty()) r.message = "failed";
    results.push_back(std::move(r));
  }
  return results;
}

}  // namespace

}  // namespace dw::transfer
