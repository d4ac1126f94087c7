// Compressing Sinks: gzip (libdeflate, parallel; or zlib, streaming), bzip2
// (own block encoder, parallel like lbzip2), zstd (libzstd workers).
//
// Each takes the next Sink of the chain (not owned, or owned via unique_ptr);
// Close() finishes the compressed data and closes the next Sink.
//
// Units (Sink::EndUnit): a unit is a gzip member, a bzip2 stream, a zstd frame.
// An empty unit (EndUnit with nothing appended since the last one) emits no bytes,
// but a chain that received no data at all still gets one empty unit at Close(),
// so the output is always a valid (empty) compressed file. Concatenating the
// outputs of several compressors gives one valid file that decodes to the
// concatenated inputs (how dump parts are joined, see docs/stream.md).
//
// Determinism: the same input and the same EndUnit() points give the same bytes,
// whatever the number of threads (bzip2 cuts blocks at fixed input offsets; gzip
// headers carry no name and no mtime).
//
// Thread-safety: one caller thread at a time. The parallel sinks use worker
// threads internally; downstream Sinks and the EndUnit callbacks are only ever
// called from the caller's thread, inside Append/EndUnit/Close.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "base/result.h"
#include "stream/sink.h"

namespace dw::stream {

enum class Compression { kNone, kGzip, kBzip2, kZstd };

const char* CompressionName(Compression c);  // "none", "gzip", "bzip2", "zstd"
// The file name extension for a compression: "", ".gz", ".bz2", ".zst".
const char* CompressionExtension(Compression c);
// From a file name's extension (.gz, .bz2, .zst); kNone for anything else.
Compression CompressionFromPath(std::string_view path);

// A core budget: worker threads shared by block-parallel compressors
// (BlockParallelSink: bzip2, gzip). Sinks given the same pool queue their blocks
// to the same `threads` workers (first come, first served), so files written at
// the same time together keep `threads` cores busy — not files x threads — and
// when one file is done, the others get all the workers. A sink of a shared pool
// never compresses on its caller's thread (the caller only waits), so the budget
// holds. Thread-safe; keep it alive (shared_ptr) while a sink uses it.
class CompressPool {
 public:
  explicit CompressPool(int threads);  // 0: all cores
  ~CompressPool();
  CompressPool(const CompressPool&) = delete;
  CompressPool& operator=(const CompressPool&) = delete;
  int threads() const { return n_; }
  // Runs `task` on a worker, in submission order. The destructor runs what is
  // still queued, then joins the workers.
  void Submit(std::function<void()> task);

 private:
  struct Impl;
  int n_;
  std::unique_ptr<Impl> impl_;
};

struct CompressOptions {
  // Compression level; 0 means the format's default (gzip 6 of 1..12, bzip2 9 of
  // 1..9, zstd 3 of 1..19+).
  int level = 0;
  // Worker threads; 0 means all cores. Ignored for bzip2/gzip when `pool` is set.
  int threads = 0;
  // Shared workers for bzip2/gzip (a core budget, see CompressPool); null: the
  // sink starts its own `threads` workers.
  std::shared_ptr<CompressPool> pool;
};

// Creates a compressing Sink of the given kind writing into `next` (gzip:
// ParallelGzipSink, bzip2: Bzip2Sink, zstd: ZstdSink; kNone returns
// nullptr: use `next` directly). Fails on an out-of-range level.
Result<std::unique_ptr<Sink>> NewCompressor(Compression c, Sink* next, const CompressOptions& opts);

class GzipSink final : public Sink {
 public:
  GzipSink(Sink* next, int level = 6);
  GzipSink(std::unique_ptr<Sink> next, int level = 6);
  ~GzipSink() override;
  Status Append(std::string_view data) override;
  Status EndUnit(OffsetCallback on_next_offset) override;
  Status Close() override;
  uint64_t BytesIn() const override { return bytes_in_; }

 private:
  struct Impl;
  Status Deflate(std::string_view data, bool finish);
  std::unique_ptr<Sink> owned_;
  Sink* next_;
  std::unique_ptr<Impl> impl_;
  uint64_t bytes_in_ = 0;
  bool unit_open_ = false;  // bytes appended since the last member ended
  bool any_unit_ = false;   // at least one member written
  bool closed_ = false;
  Status status_;
};

// Block-parallel compression: the input is cut into fixed-size blocks, each
// compressed by a worker thread into one complete unit of the format (a bzip2
// stream, a gzip member), written in order. EndUnit() ends the current block
// early. At most 2*threads blocks are in flight, so memory stays bounded.
// Workers: a shared CompressPool (a core budget), or `threads` own workers; with
// own workers, a caller that has to wait compresses a queued block itself.
// `compress` must be thread-safe; it is also called once with empty input at
// Close() when no data came at all (an empty but valid file).
class BlockParallelSink : public Sink {
 public:
  using BlockFn = std::function<Status(std::string_view in, std::string* out)>;
  BlockParallelSink(Sink* next, size_t block_size, int threads, BlockFn compress,
                    std::shared_ptr<CompressPool> pool = nullptr);
  ~BlockParallelSink() override;
  Status Append(std::string_view data) override;
  Status EndUnit(OffsetCallback on_next_offset) override;
  Status Close() override;
  uint64_t BytesIn() const override { return bytes_in_; }

  // What was written downstream, for checking the output without decoding it
  // all (stream/verify.h CheckWrittenTail): the offset where the last unit (the
  // last non-empty block, or the empty unit of an empty file) starts, relative
  // to the first byte this sink wrote, and how many input bytes it holds. Valid
  // after Close().
  uint64_t LastUnitOffset() const { return last_unit_offset_; }
  uint64_t LastUnitInputBytes() const { return last_unit_in_; }
  uint64_t BytesOut() const { return bytes_out_; }

  struct State;

 protected:
  std::unique_ptr<Sink> owned_;

 private:
  Status Submit(OffsetCallback cb);
  Status WriteDone(bool wait_all);
  Sink* next_;
  size_t block_size_;
  std::string cur_;
  std::shared_ptr<State> state_;  // shared with queued tasks
  std::shared_ptr<CompressPool> pool_;
  bool own_pool_ = false;
  uint64_t bytes_in_ = 0;
  uint64_t bytes_out_ = 0;
  uint64_t last_unit_offset_ = 0;
  uint64_t last_unit_in_ = 0;
  bool any_unit_ = false;
  bool closed_ = false;
  Status status_;
};

// Parallel bzip2, like lbzip2/pbzip2: blocks of 100k*level-19 bytes (level 9:
// 899,981), each an independent bzip2 stream (a multistream file), encoded by
// stream/bzip2_encoder.h. About 20 MB per thread (sort arrays, reused).
class Bzip2Sink final : public BlockParallelSink {
 public:
  Bzip2Sink(Sink* next, int level = 9, int threads = 0,
            std::shared_ptr<CompressPool> pool = nullptr);
  Bzip2Sink(std::unique_ptr<Sink> next, int level = 9, int threads = 0);
};

// Parallel gzip (libdeflate): 1 MiB blocks, each an independent gzip member
// (header without name, mtime 0). What NewCompressor() uses for gzip; GzipSink
// above is the streaming single-thread form (one member per unit).
class ParallelGzipSink final : public BlockParallelSink {
 public:
  ParallelGzipSink(Sink* next, int level = 6, int threads = 0,
                   std::shared_ptr<CompressPool> pool = nullptr);
  ParallelGzipSink(std::unique_ptr<Sink> next, int level = 6, int threads = 0);
};

// zstd with nbWorkers threads (threads=1 still compresses on one worker thread
// so the output does not depend on the thread count); frames carry a checksum.
class ZstdSink final : public Sink {
 public:
  ZstdSink(Sink* next, int level = 3, int threads = 0);
  ZstdSink(std::unique_ptr<Sink> next, int level = 3, int threads = 0);
  ~ZstdSink() override;
  Status Append(std::string_view data) override;
  Status EndUnit(OffsetCallback on_next_offset) override;
  Status Close() override;
  uint64_t BytesIn() const override { return bytes_in_; }

 private:
  struct Impl;
  Status Compress(std::string_view data, bool end);
  std::unique_ptr<Sink> owned_;
  Sink* next_;
  std::unique_ptr<Impl> impl_;
  uint64_t bytes_in_ = 0;
  bool unit_open_ = false;
  bool any_unit_ = false;
  bool closed_ = false;
  Status status_;
};

}  // namespace dw::stream
