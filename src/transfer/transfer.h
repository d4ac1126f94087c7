// `dumpworks transfer`: the orchestrator. It runs an agent on the source and on
// every target (ssh, or directly when the host is this machine), drives them
// over their control channels (stdin/stdout), and reports one result per target.
//
//   options (CLI > config file > defaults) -> RunTransfer -> TargetResult per target
//
// Thread-safety: RunTransfer is called once per process (it installs SIGINT and
// SIGTERM handlers for its duration).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "base/result.h"

namespace dw::transfer {

struct HostPath {
  std::string host;  // without [] for IPv6 literals
  std::string path;
};
// "host:/path" or "[v6addr]:/path"; both parts non-empty.
Result<HostPath> ParseHostPath(const std::string& s);
// "100M", "1.5G", "800K", "12345" -> bytes per second (K/M/G = 1024-based).
Result<uint64_t> ParseRate(const std::string& s);
// true/t/1/yes/on, false/f/0/no/off, any case.
Result<bool> ParseBool(const std::string& key, const std::string& v);

// Reads the [DEFAULT] section of an INI file (transferpy.conf's keys and ours).
// A missing file is NotFound.
Result<std::map<std::string, std::string>> ReadConfigFile(const std::string& path);

struct TransferOptions {
  HostPath source;
  std::vector<HostPath> targets;
  std::string type = "file";  // file | decompress | mariabackup
  bool compress = true;
  std::string codec = "zstd";  // zstd | gzip (when compress)
  bool encrypt = true;
  bool checksum = true;         // re-read written files at the target
  std::string digest = "xxh3";  // xxh3 | sha256 (in-stream, always on)
  int port = 0;
  bool stop_slave = false;
  bool resume = false;
  bool force = false;
  uint64_t bwlimit = 0;
  bool progress = false;       // a live line on the terminal
  bool json_progress = false;  // JSON lines on stdout
  std::vector<std::string> ssh_options;
  std::string remote_command;  // default: this binary's path
  std::string firewall = "auto";
  // chain: source -> t1 -> t2 ..., each target relays the sealed stream to the
  // next; fanout: the source sends to every target. "" = chain for more than
  // one target (fanout with --resume, which chains do not support).
  std::string topology;
  // mariabackup: `mariabackup --prepare` at each target after the stream is
  // unpacked and verified, before the copy is published.
  bool prepare = false;
  // Where the transfer's log and its manifest of digests are kept ("" = none).
  std::string log_dir = "/var/log/dumpworks/transfer";
  int io_timeout = 60;
  int accept_timeout = 300;
  int threads = 0;
};

// Applies config values (keys of transferpy.conf plus ours) to opts; explicit
// marks keys the command line already set (they win).
Status ApplyConfig(const std::map<std::string, std::string>& cfg,
                   const std::map<std::string, bool>& explicit_keys, TransferOptions* opts);

struct TargetResult {
  std::string target;  // host:dir
  bool ok = false;
  std::string message;
  uint64_t bytes = 0;
  double seconds = 0;
  int chain_pos = -1;  // position in the round's chain (-1: not in it)
};

// Runs the whole transfer. With opts.log_dir, keeps the transfer's log and
// manifest there (transfer/manifest.h); a log directory that cannot be used
// is warned about and the transfer goes on without them. In a chain, targets after a failed hop
// that failed too are retried in a new chain from the source (routing around the failed hop); the
// failed hop itself is not retried. Fails only on errors that concern every target (bad source,
// preflight of the source, interrupted before start); per-target failures are in the results.
Result<std::vector<TargetResult>> RunTransfer(const TransferOptions& opts);

}  // namespace dw::transfer
