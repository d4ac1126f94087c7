// Output files that never leave a partial file under the final name.
//
// OutputFile writes `<final>.inprog` (a stale one from a crash is replaced) and
// Publish() makes it `<final>`: flush, fdatasync, close, rename, fsync the
// directory. Without overwrite, an existing `<final>` is an AlreadyExists error
// naming it (and the temporary file is removed). Abandon(), or destroying the
// object without Publish(), removes the temporary file.
//
// Devices and pipes are written in place: when `<final>` exists and is neither a
// regular file nor a directory (/dev/null, a FIFO, a terminal; links followed),
// or is a descriptor link that leads to a regular file (/dev/stdout, /dev/fd/N,
// /proc/self/fd/N: stdout redirected to a file), OutputFile opens `<final>`
// itself (O_APPEND, no temporary file). Publish() then only flushes and closes,
// Abandon() only closes (bytes already written to a pipe cannot be taken back),
// and no overwrite is needed. A rename there would replace the device node (or
// the link) with a regular file.
//
// OpenOutput() builds a whole chain from a spec:
//   file:PATH  gzip:PATH  bzip2:PATH  zstd:PATH   explicit compression
//   PATH                                          compression from .gz/.bz2/.zst
//   -  file:-  gzip:-  ...                        stdout (nothing to publish)
// The chain is  compressor -> HashSink (if digests asked) -> OutputFile, so the
// digests are those of the final, compressed bytes (what md5sums files list).
//
//   DW_ASSIGN_OR_RETURN(auto out, OpenOutput(env, "x.xml.bz2", {}));
//   DW_RETURN_IF_ERROR(writer.WriteTo(out->sink()));
//   DW_RETURN_IF_ERROR(out->Publish());          // or out->Abandon() on failure
//
// Early writeback: a temporary file (not a device or pipe) starts writing each
// `bytes_per_sync` bytes to the disk as soon as they are written
// (WritableFile::RangeSync). A helper thread, started with the first range,
// waits for the range before the previous one to be written, marks it as not
// needed again (WritableFile::DropCache: a big output does not push the input's
// pages out of the page cache), and every 4 x bytes_per_sync makes what is
// written durable (WritableFile::SyncFlushed), so the fdatasync before
// publishing has almost nothing left. The writer only blocks when the helper is
// more than 4 x bytes_per_sync behind, which bounds the dirty page cache of a
// file to about 7 x bytes_per_sync. A writeback error (EIO, ENOSPC) is an
// IOError naming the file, and the file is not published.
//
// Thread-safety: one thread at a time (the helper thread is internal).
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "base/result.h"
#include "env/env.h"
#include "stream/compress.h"
#include "stream/hash.h"
#include "stream/sink.h"
#include "stream/verify.h"

namespace dw::stream {

// Suffix of the temporary name an OutputFile writes before publishing.
inline constexpr const char* kInprogSuffix = ".inprog";

// Default early-writeback step of output files (see above).
inline constexpr uint64_t kDefaultBytesPerSync = 16 << 20;

class OutputFile final : public Sink {
 public:
  // Creates (or truncates) `<final_path>.inprog`, or opens `<final_path>` if
  // WritesInPlace(). Opening a FIFO blocks until it has a reader.
  // bytes_per_sync: the early-writeback step (0: none; never in place).
  static Result<std::unique_ptr<OutputFile>> Create(Env* env, const std::string& final_path,
                                                    uint64_t bytes_per_sync = kDefaultBytesPerSync);
  // True if `path` is a device or pipe written in place (see above).
  static bool WritesInPlace(Env* env, const std::string& path);
  ~OutputFile() override;

  Status Append(std::string_view data) override;
  Status EndUnit(OffsetCallback on_next_offset) override;
  // Flushes and syncs the data (in place: flushes only) and closes the file;
  // does not rename.
  Status Close() override;
  uint64_t BytesIn() const override { return bytes_; }

  // Close() if needed, then rename to the final path (see above; in place:
  // Close() only).
  Status Publish(bool overwrite);
  // Removes the temporary file (in place: closes). Idempotent; a no-op after
  // Publish().
  void Abandon();

  const std::string& final_path() const { return final_path_; }
  // The path being written: `<final>.inprog`, or `<final>` itself in place.
  std::string write_path() const { return in_place_ ? final_path_ : final_path_ + kInprogSuffix; }
  bool in_place() const { return in_place_; }

 private:
  OutputFile(Env* env, std::string final_path, std::unique_ptr<WritableFile> file, bool in_place,
             uint64_t bytes_per_sync);
  class Syncer;
  // Starts writeback of [started_, bytes_) and has the Syncer wait for [0, prev_started_).
  Status Writeback();
  // Stops the Syncer (if any) and returns its first error.
  Status StopSyncer();
  Env* env_;
  std::string final_path_;
  std::unique_ptr<WritableFile> file_;
  bool in_place_;
  uint64_t bytes_per_sync_;
  uint64_t started_ = 0;       // writeback started for [0, started_)
  uint64_t prev_started_ = 0;  // started_ before the last Writeback()
  std::unique_ptr<Syncer> syncer_;
  uint64_t bytes_ = 0;
  bool closed_ = false;
  bool done_ = false;  // published or abandoned
  Status status_;
};

struct OutputOptions {
  CompressOptions compress;  // level and threads
  bool overwrite = false;    // Publish() may replace an existing file (not needed for devices)
  unsigned digests = 0;      // HashKind mask computed over the final bytes
  // Early writeback step of the file (see OutputFile); 0 turns it off.
  uint64_t bytes_per_sync = kDefaultBytesPerSync;
};

// A chain ready to be written: sink() is its head.
class Output {
 public:
  virtual ~Output() = default;
  virtual Sink* sink() = 0;
  // Closes the chain and publishes the file (stdout: flushes). After an error the
  // temporary file is removed and nothing exists under the final name.
  virtual Status Publish() = 0;
  // Drops everything written; nothing is left on disk. Idempotent.
  virtual void Abandon() = 0;
  // The final path ("-" for stdout).
  virtual const std::string& path() const = 0;
  virtual Compression compression() const = 0;
  // Digests of the written (compressed) bytes; valid after Publish().
  virtual const Digests& digests() const = 0;
  // Bytes written to the file (compressed); valid after Publish().
  virtual uint64_t bytes_out() const = 0;
  // After sink()->Close(), before Publish(): the cheap completeness check of the
  // temporary file (stream/verify.h CheckWrittenTail): its size is what was
  // written, it starts with the format's magic, and its last unit, read back,
  // decodes completely to as many bytes as went into it. result->tail: the last
  // `tail_bytes` of the data (from that unit); result->decompressed_bytes: all
  // the data given to the chain. Block compressors (bzip2, gzip) and plain files
  // are checked this way; other chains (zstd) are decoded whole. Not for stdout.
  // `joined_last_unit`: for a plain chain copying already compressed bytes (parts
  // joined by byte copy), where the last unit starts; the file is then checked
  // as the format its name says, and decompressed_bytes is that unit's size.
  virtual Status CheckWritten(VerifyResult* result, size_t tail_bytes,
                              std::optional<uint64_t> joined_last_unit = std::nullopt) = 0;
};

Result<std::unique_ptr<Output>> OpenOutput(Env* env, std::string_view spec,
                                           const OutputOptions& opts);

}  // namespace dw::stream
