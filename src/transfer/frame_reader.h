// The receiver's read pipeline: one thread reads frames off the connection
// (and hands each to the relay's forward callback as it arrives), worker
// threads open (AES-GCM), decode and decompress them in parallel, and Next()
// returns them in stream order. So receiving, decrypting, decompressing and the
// caller's hashing and writing overlap instead of taking turns.
//
// Memory is bounded: at most `depth` frames are read ahead of the caller.
// Errors come out of Next() in stream order: a frame that fails to open or
// decode, or the connection's end, is reported where it sits in the stream.
// Thread-safety: Next() from one thread; the destructor stops the reader by
// shutting down the connection's receive side (sending still works, e.g. the
// receiver's verdict) and joins every thread.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "base/result.h"
#include "transfer/net.h"
#include "transfer/protocol.h"

namespace dw::transfer {

// Replaces a compressed Data frame's bytes by the raw bytes (codec kNone);
// Corruption if they do not decompress to raw_len bytes. Uses one
// decompression context per thread.
Status DecompressData(Data* d);

class FrameReader {
 public:
  // `conn` must outlive the reader; workers 0 = number of CPUs (at least 2).
  explicit FrameReader(FrameConn* conn, size_t workers = 0, size_t depth = 0);
  ~FrameReader();
  FrameReader(const FrameReader&) = delete;
  FrameReader& operator=(const FrameReader&) = delete;

  // The next frame of the stream, Data already decompressed.
  Result<Frame> Next();

 private:
  struct Slot {
    uint64_t seq = 0;
    std::string body;
    std::optional<Result<Frame>> out;
  };
  void ReadLoop();
  void WorkLoop();

  FrameConn* conn_;
  size_t depth_;
  std::mutex mu_;
  std::condition_variable read_cv_, work_cv_, out_cv_;
  std::deque<std::shared_ptr<Slot>> order_;  // read, not yet taken by Next()
  std::deque<std::shared_ptr<Slot>> todo_;   // read, not yet opened
  std::vector<std::string> spare_;           // body buffers to reuse (no page faults)
  Status read_status_;                       // why reading stopped
  bool read_done_ = false, stop_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace dw::transfer
