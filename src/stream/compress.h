// Compressing Sinks: gzip (zlib), bzip2 (libbz2, parallel like lbzip2), zstd.
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
// Thread-safety: one caller thread at a time. Bzip2Sink and ZstdSink use worker
// threads internally; downstream Sinks and the EndUnit callbacks are only ever
// called from the caller's thread, inside Append/EndUnit/Close.
#pragma once

#include <cstdint>
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

struct CompressOptions {
  // Compression level; 0 means the format's default (gzip 6, bzip2 9, zstd 3).
  int level = 0;
  // Worker threads for bzip2/zstd; 0 means all cores. Ignored by gzip.
  int threads = 0;
};

// Creates a compressing Sink of the given kind writing into `next` (kNone returns
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

// Parallel bzip2: the input is cut into blocks of 100k*level-19 bytes (level 9:
// 899,981), each compressed by a worker as one independent bzip2 stream (a
// multistream file, like lbzip2/pbzip2 write). At most 2*threads blocks are in
// flight, so memory stays bounded (~4 MB per thread at level 9).
class Bzip2Sink final : public Sink {
 public:
  Bzip2Sink(Sink* next, int level = 9, int threads = 0);
  Bzip2Sink(std::unique_ptr<Sink> next, int level = 9, int threads = 0);
  ~Bzip2Sink() override;
  Status Append(std::string_view data) override;
  Status EndUnit(OffsetCallback on_next_offset) override;
  Status Close() override;
  uint64_t BytesIn() const override { return bytes_in_; }

  struct Pool;

 private:
  Status Submit(OffsetCallback cb);
  Status WriteDone(bool wait_all);
  std::unique_ptr<Sink> owned_;
  Sink* next_;
  int level_;
  size_t block_size_;
  std::string cur_;
  std::unique_ptr<Pool> pool_;
  uint64_t bytes_in_ = 0;
  bool any_unit_ = false;
  bool closed_ = false;
  Status status_;
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
