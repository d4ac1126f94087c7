// The receiving side: reads one stream from an authenticated connection and
// builds the copy under a staging directory next to the target
// (DIR/.<name>.dwtx-partial/<name>), verifies every file's digest (and with
// `verify_after` re-reads it from disk after fsync), then renames the copy to
// DIR/<name>. Nothing outside the staging directory is touched until that rename.
//
// Paths in the stream are validated (ValidateStreamPath) and opened with
// openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS), so `../`, absolute names and
// symlinks planted by the stream cannot lead a write outside the copy.
// Thread-safety: one Receiver per transfer; Abort() from any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "base/result.h"
#include "env/env.h"
#include "transfer/net.h"
#include "transfer/protocol.h"

namespace dw::transfer {

struct ReceiverOptions {
  // Publishing the copy (the renames into DIR and DIR's fsync) goes through
  // this Env (nullptr = Env::Default()), so tests can inject a failing rename
  // or sync. The stream's files are written with openat2 below the staging
  // directory (RESOLVE_BENEATH), which Env does not offer.
  Env* env = nullptr;
  std::string dir;   // target directory (exists)
  std::string name;  // basename of the source: the copy lands at dir/name
  std::string key;
  bool encrypt = true;
  DigestAlgo digest = DigestAlgo::kXxh3;
  bool force = false;        // replace an existing dir/name
  bool resume = false;       // keep partial copies on failure, continue them
  bool verify_after = true;  // --checksum: re-read written files after fsync
  bool set_owner = false;    // root: chown to the sender's uid/gid
  // Type "stream": pipe the kStream entry into this command (argv) run in the
  // staging directory, e.g. {"mbstream", "-x"}; the copy is that directory.
  std::vector<std::string> stream_command;
  // Type "stream": run this command (argv) in the unpacked copy once the
  // stream is verified and before the copy is published, e.g. {"mariabackup",
  // "--prepare", "--target-dir=."}; its output goes to a log file in the
  // staging directory, a failure fails the target (naming its last line).
  std::vector<std::string> after_command;
  // Type "decompress": the staging directory is the copy (no top directory).
};

class Receiver {
 public:
  explicit Receiver(ReceiverOptions opts);
  ~Receiver();
  std::string staging_dir() const;
  std::string final_path() const;

  // Creates/locks the staging directory (a stale one is removed unless resume).
  Status Prepare();
  // Runs the stream on an authenticated connection; sends the verdict back.
  Status Run(FrameConn* conn, const Session& session);
  // Removes the staging directory unless opts.resume (then it is kept).
  void Cleanup(bool success);
  void Abort() { aborted_ = true; }
  uint64_t bytes_received() const { return bytes_; }

 private:
  Status Receive(FrameConn* conn);
  Status SendResumeState(FrameConn* conn);
  Status RunAfterCommand();

  ReceiverOptions opts_;
  int stage_fd_ = -1;
  bool prepared_ = false;
  std::atomic<bool> aborted_{false};
  std::atomic<uint64_t> bytes_{0};
  // From the resume scan: path -> (size, prefix digest) reported to the sender.
  struct Have {
    uint64_t size;
    std::string digest;
    bool complete;
  };
  std::map<std::string, Have> have_;
};

}  // namespace dw::transfer
