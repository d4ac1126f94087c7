// Sink: where bytes go. Writers (XML, SQL, JSON) write into a Sink and never open
// files; compressors and hashers are Sinks that transform or observe the bytes
// and pass them to the next Sink; the last one is a file (or stdout, or a socket).
//
//   XmlWriter -> Bzip2Sink -> HashSink(md5,sha1) -> FileSink("x.bz2.inprog")
//
// Contract:
//   - Append() may be called any number of times, then Close() exactly once.
//   - After a failed call the Sink is broken: later calls return the same error.
//   - Close() flushes everything down the chain and closes the downstream Sinks it
//     owns. It does not publish anything: publishing (rename) is the file layer's
//     job (see stream/file_sink.h), done only after Close() succeeded.
// Thread-safety: a Sink is used by one thread at a time (a compressor may use
// worker threads internally).
#pragma once

#include <cstdint>
#include <functional>
#include <string_view>

#include "base/status.h"

namespace dw {

// Called with the offset, in the final output of a chain, at which a unit starts.
using OffsetCallback = std::function<void(uint64_t offset)>;

class Sink {
 public:
  virtual ~Sink() = default;

  virtual Status Append(std::string_view data) = 0;

  // Ends the current independently decodable unit: a gzip member, a bzip2 stream,
  // a zstd frame. Everything appended before decodes on its own, and bytes
  // appended after start a new unit. This is what lets outputs be split into
  // parts that are later joined by plain concatenation, and what multistream
  // bz2 files are made of (100 pages per stream).
  //
  // If `on_next_offset` is set it is called, exactly once and in the order of the
  // EndUnit() calls, with the offset in the chain's final output at which the NEXT
  // unit starts (= the compressed size of everything before). A parallel
  // compressor may call it later, from another thread, but always before Close()
  // returns. Sinks that do not compress forward the call downstream; the last
  // sink reports its byte count.
  virtual Status EndUnit(OffsetCallback on_next_offset) = 0;

  // Flushes and closes. Idempotent.
  virtual Status Close() = 0;

  // Bytes accepted by this Sink so far (uncompressed, before this Sink's transform).
  virtual uint64_t BytesIn() const = 0;
};

}  // namespace dw
