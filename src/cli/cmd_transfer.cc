#include <unistd.h>

#include <CLI/CLI.hpp>
#include <map>
#include <optional>

#include "base/log.h"
#include "cli/command.h"
#include "transfer/transfer.h"

namespace dw::cli {

namespace {

// A --x / --no-x pair; the last one given wins, unset leaves the config's value.
void AddBool(CLI::App& app, const std::string& name, std::optional<bool>* v,
             const std::string& help) {
  app.add_flag_callback(
      "--" + name, [v] { *v = true; }, help);
  app.add_flag_callback("--no-" + name, [v] { *v = false; });
}

}  // namespace

int RunTransfer(int argc, char** argv) {
  CLI::App app{
      "Copy a file, a directory or a MariaDB backup from one host to one or more hosts.\n"
      "The copy lands at TARGET_DIR/<basename of SOURCE_PATH>.",
      "dumpworks transfer"};
  CommonOptions common;
  AddCommonOptions(app, &common);
  std::string source;
  std::vector<std::string> targets;
  std::optional<std::string> type, config, bwlimit, firewall, remote_command, compression, digest,
      topology, log_dir;
  std::optional<bool> compress, encrypt, checksum, parallel_checksum, progress, resume, prepare;
  std::optional<int> port;
  bool stop_slave = false, force = false, json_progress = false;
  std::vector<std::string> ssh_options;
  int io_timeout = 60, accept_timeout = 300, threads = 0;
  app.add_option("source", source, "SOURCE_HOST:PATH")->required();
  app.add_option("targets", targets, "TARGET_HOST:DIR (one or more)")->required();
  app.add_option("--type", type, "file (default), decompress, mariabackup (alias xtrabackup)");
  AddBool(app, "compress", &compress, "compress the stream (default on)");
  app.add_option("--compression", compression, "zstd (default) or gzip");
  AddBool(app, "encrypt", &encrypt, "AES-256-GCM with a per-transfer key (default on)");
  AddBool(app, "checksum", &checksum, "re-read written files and compare digests (default on)");
  AddBool(app, "parallel-checksum", &parallel_checksum,
          "accepted for transferpy compatibility: in-stream digests are always on");
  app.add_option("--digest", digest, "in-stream digest: xxh3 (default) or sha256");
  app.add_option("--port", port, "receiver port (0 = kernel-chosen, the default)");
  app.add_flag("--stop-slave", stop_slave, "mariabackup: STOP SLAVE for the copy, START after");
  AddBool(app, "prepare", &prepare,
          "mariabackup: run mariabackup --prepare at each target before publishing the copy");
  app.add_option("--log-dir", log_dir,
                 "keep the transfer's log and manifest of digests here (default "
                 "/var/log/dumpworks/transfer; 'none' = keep none)");
  app.add_option("--config", config, "INI file, [DEFAULT] (default /etc/dumpworks/transfer.conf)");
  AddBool(app, "resume", &resume, "keep partial copies on failure and continue them");
  app.add_option("--bwlimit", bwlimit, "limit the rate on the wire, e.g. 100M (bytes/s, K/M/G)");
  AddBool(app, "progress", &progress, "live progress line (default on a terminal)");
  app.add_flag("--json-progress", json_progress, "progress as JSON lines on stdout");
  app.add_option("--ssh-option", ssh_options, "extra ssh -o option (repeatable)")
      ->allow_extra_args(false);
  app.add_option("--remote-command", remote_command, "dumpworks path on the remote hosts");
  app.add_option("--firewall", firewall, "auto (default), nftables, iptables or none");
  app.add_option("--topology", topology,
                 "chain (default for several targets: each target relays to the next) or fanout");
  app.add_flag("--force", force, "replace an existing target");
  app.add_option("--io-timeout", io_timeout,
                 "seconds without progress before a peer counts as lost")
      ->group("");
  app.add_option("--accept-timeout", accept_timeout, "seconds a receiver waits for the sender")
      ->group("");
  app.add_option("--threads", threads, "compression/encryption threads (0 = CPUs)")->group("");
  int code = kExitOk;
  if (!ParseArgs(app, argc, argv, &code)) return code;
  ApplyCommonOptions(common);

  transfer::TransferOptions o;
  auto src = transfer::ParseHostPath(source);
  if (!src.ok()) {
    PrintError("transfer", "source " + src.status().ToString());
    return kExitUsage;
  }
  o.source = *src;
  for (const auto& t : targets) {
    auto hp = transfer::ParseHostPath(t);
    if (!hp.ok()) {
      PrintError("transfer", "target " + hp.status().ToString());
      return kExitUsage;
    }
    o.targets.push_back(*hp);
  }
  // Precedence: command line > config file > defaults.
  std::map<std::string, bool> ex;
  auto mark = [&](const char* k, bool set) {
    if (set) ex[k] = true;
  };
  mark("port", port.has_value());
  mark("type", type.has_value());
  mark("compress", compress.has_value());
  mark("encrypt", encrypt.has_value());
  mark("checksum", checksum.has_value());
  mark("parallel_checksum", parallel_checksum.has_value());
  mark("stop_slave", stop_slave);
  mark("verbose", common.verbose > 0 || common.quiet);
  mark("resume", resume.has_value());
  mark("progress", progress.has_value());
  mark("bwlimit", bwlimit.has_value());
  mark("firewall", firewall.has_value());
  mark("topology", topology.has_value());
  mark("remote_command", remote_command.has_value());
  mark("ssh_option", !ssh_options.empty());
  mark("compression", compression.has_value());
  mark("digest", digest.has_value());
  mark("prepare", prepare.has_value());
  mark("log_dir", log_dir.has_value());
  std::string cfg_path = config.value_or("/etc/dumpworks/transfer.conf");
  auto cfg = transfer::ReadConfigFile(cfg_path);
  if (!cfg.ok() && (config.has_value() || !cfg.status().IsNotFound())) {
    PrintError("transfer", cfg.status().ToString());
    return kExitUsage;
  }
  if (cfg.ok()) {
    if (Status s = transfer::ApplyConfig(*cfg, ex, &o); !s.ok()) {
      PrintError("transfer", s.ToString());
      return kExitUsage;
    }
  }
  if (type) o.type = *type;
  if (o.type == "xtrabackup") o.type = "mariabackup";
  if (compress) o.compress = *compress;
  if (encrypt) o.encrypt = *encrypt;
  if (checksum) o.checksum = *checksum;
  if (port) o.port = *port;
  if (resume) o.resume = *resume;
  if (compression) o.codec = *compression;
  if (digest) o.digest = *digest;
  if (prepare) o.prepare = *prepare;
  if (log_dir) o.log_dir = *log_dir;
  if (firewall) o.firewall = *firewall;
  if (topology) o.topology = *topology;
  if (remote_command) o.remote_command = *remote_command;
  for (auto& s : ssh_options) o.ssh_options.push_back(s);
  if (stop_slave) o.stop_slave = true;
  o.force = force;
  o.json_progress = json_progress;
  o.progress = progress.value_or(::isatty(2) && !json_progress);
  o.io_timeout = io_timeout;
  o.accept_timeout = accept_timeout;
  o.threads = threads;
  if (bwlimit) {
    auto r = transfer::ParseRate(*bwlimit);
    if (!r.ok()) {
      PrintError("transfer", r.status().ToString());
      return kExitUsage;
    }
    o.bwlimit = *r;
  }
  // transferpy's derived rules.
  if (o.type != "file") o.checksum = false;
  if (o.type != "mariabackup") o.stop_slave = false;
  if (o.type != "mariabackup" && o.prepare) {
    if (prepare.value_or(false)) {
      PrintError("transfer", "--prepare applies to --type mariabackup only");
      return kExitUsage;
    }
    o.prepare = false;  // from the config file: ignored, like stop_slave
  }

  auto results = transfer::RunTransfer(o);
  if (!results.ok()) {
    PrintError("transfer", results.status().ToString());
    if (results.status().IsAborted()) return kExitInterrupted;
    return results.status().IsInvalidArgument() ? kExitUsage : kExitFailure;
  }
  int failed = 0;
  for (const auto& r : *results) {
    if (r.ok) {
      std::fprintf(stderr, "transfer to %s: OK (%s bytes in %.1f s)\n", r.target.c_str(),
                   std::to_string(r.bytes).c_str(), r.seconds);
    } else {
      ++failed;
      std::fprintf(stderr, "transfer to %s: FAILED: %s\n", r.target.c_str(), r.message.c_str());
    }
  }
  return failed == 0 ? kExitOk : kExitFailure;
}

}  // namespace dw::cli
