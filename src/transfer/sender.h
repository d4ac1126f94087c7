// The sending side: reads a file, a directory tree or a byte stream once,
// compresses and seals each block once (worker threads), and writes the same
// wire bytes to every connected target (fan-out).
//
// Memory is bounded: at most ~4 blocks per worker are in flight.
// Thread-safety: one Sender runs one transfer; Abort() may be called from any
// thread (a signal watcher) and makes Run() return soon with Aborted.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "base/result.h"
#include "transfer/net.h"
#include "transfer/protocol.h"

namespace dw::transfer {

// One entry of the source, found by WalkSource.
struct SourceEntry {
  std::string abs_path;
  Entry entry;  // path relative to the parent of the source, metadata
};

// Lists the source (pre-order, children sorted by name): one entry for a file,
// the whole tree for a directory. Symlinks are not followed.
Result<std::vector<SourceEntry>> WalkSource(const std::string& path);

struct SenderOptions {
  std::string key;  // the transfer key (kKeySize bytes)
  bool encrypt = true;
  Codec codec = Codec::kZstd;
  int level = 1;  // compression level
  DigestAlgo digest = DigestAlgo::kXxh3;
  int threads = 0;       // 0 = number of CPUs
  uint64_t bwlimit = 0;  // bytes/s on the wire, 0 = unlimited
  bool send_owner = false;
  // Type "stream": read this fd to its end as one kStream entry named root.
  int stream_fd = -1;
  // Called on the reading thread with each file's (or the stream's) stream
  // path, size and full digest once its last block is read (the manifest).
  std::function<void(const std::string& path, uint64_t size, const std::string& digest)>
      on_file_digest;
};

struct TargetConn {
  std::string name;  // host, for messages
  std::unique_ptr<FrameConn> conn;
  Session session;
  Status status;                      // first failure of this target
  std::atomic<uint64_t> raw_sent{0};  // content bytes delivered to its socket
};

class Sender {
 public:
  explicit Sender(SenderOptions opts) : opts_(std::move(opts)) {}
  // Streams `entries` (or opts.stream_fd) to every target. Per-target results
  // are in targets[i]->status; the return value is OK if at least one target got
  // the whole stream and confirmed it.
  Status Run(const std::string& root, const std::vector<SourceEntry>& entries,
             const std::vector<std::unique_ptr<TargetConn>>& targets);
  void Abort();
  uint64_t total_bytes() const { return total_bytes_; }

 private:
  SenderOptions opts_;
  std::atomic<bool> aborted_{false};
  uint64_t total_bytes_ = 0;
};

}  // namespace dw::transfer
