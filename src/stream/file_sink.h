// The last Sinks of a chain: a WritableFile, stdout, or memory.
//
// Ownership: FileSink does not own its WritableFile unless given a unique_ptr.
// Close() closes the file (it does not sync or rename: see stream/output.h for
// temporary names, fsync and publishing).
// EndUnit() reports the byte count written so far (the offset of the next unit).
// Thread-safety: one thread at a time, like every Sink.
#pragma once

#include <memory>
#include <string>

#include "env/env.h"
#include "stream/sink.h"

namespace dw::stream {

class FileSink final : public Sink {
 public:
  explicit FileSink(WritableFile* file) : file_(file) {}
  explicit FileSink(std::unique_ptr<WritableFile> file) : owned_(std::move(file)) {
    file_ = owned_.get();
  }
  Status Append(std::string_view data) override;
  Status EndUnit(OffsetCallback on_next_offset) override;
  Status Close() override;
  uint64_t BytesIn() const override { return bytes_; }
  WritableFile* file() const { return file_; }

 private:
  std::unique_ptr<WritableFile> owned_;
  WritableFile* file_;
  uint64_t bytes_ = 0;
  Status status_;
  bool closed_ = false;
};

// Writes to file descriptor 1, buffered (pieces of 1 MiB or more, when nothing
// is buffered, are written directly). Close() flushes but leaves fd 1 open.
// A write error (EPIPE, ENOSPC) is an IOError naming "stdout".
class StdoutSink final : public Sink {
 public:
  StdoutSink() = default;
  ~StdoutSink() override;
  Status Append(std::string_view data) override;
  Status EndUnit(OffsetCallback on_next_offset) override;
  Status Close() override;
  uint64_t BytesIn() const override { return bytes_; }

 private:
  static constexpr size_t kBufSize = 1 << 20;
  Status Flush();
  static Status WriteAll(std::string_view data);
  std::string buf_;
  uint64_t bytes_ = 0;
  Status status_;
};

// Collects everything in a string (tests, small in-memory outputs).
class StringSink final : public Sink {
 public:
  explicit StringSink(std::string* out) : out_(out) {}
  Status Append(std::string_view data) override {
    if (closed_) return Status::IOError("append to a closed string sink");
    out_->append(data);
    return Status::OK();
  }
  Status EndUnit(OffsetCallback cb) override {
    if (cb) cb(out_->size());
    return Status::OK();
  }
  Status Close() override {
    closed_ = true;
    return Status::OK();
  }
  uint64_t BytesIn() const override { return out_->size(); }

 private:
  std::string* out_;
  bool closed_ = false;
};

}  // namespace dw::stream
