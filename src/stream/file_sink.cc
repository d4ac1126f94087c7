#include "stream/file_sink.h"

#include <unistd.h>

#include <cerrno>

namespace dw::stream {

Status FileSink::Append(std::string_view data) {
  if (!status_.ok()) return status_;
  if (closed_) return status_ = Status::IOError("append after close");
  status_ = file_->Append(data);
  if (status_.ok()) bytes_ += data.size();
  return status_;
}

Status FileSink::EndUnit(OffsetCallback on_next_offset) {
  if (!status_.ok()) return status_;
  if (on_next_offset) on_next_offset(bytes_);
  return Status::OK();
}

Status FileSink::Close() {
  if (closed_) return status_;
  closed_ = true;
  Status s = file_->Close();
  if (status_.ok()) status_ = s;
  return status_;
}

StdoutSink::~StdoutSink() { (void)Flush(); }

Status StdoutSink::WriteAll(std::string_view data) {
  while (!data.empty()) {
    ssize_t w = ::write(1, data.data(), data.size());
    if (w < 0) {
      if (errno == EINTR) continue;
      return Status::FromErrno("write stdout", errno);
    }
    data.remove_prefix(static_cast<size_t>(w));
  }
  return Status::OK();
}

Status StdoutSink::Flush() {
  if (!status_.ok()) return status_;
  status_ = WriteAll(buf_);
  buf_.clear();
  return status_;
}

Status StdoutSink::Append(std::string_view data) {
  if (!status_.ok()) return status_;
  bytes_ += data.size();
  if (buf_.empty() && data.size() >= kBufSize) {
    // A big piece (an export's 1 MiB buffer): written as is, not copied.
    status_ = WriteAll(data);
    return status_;
  }
  buf_.append(data);
  if (buf_.size() >= kBufSize) return Flush();
  return Status::OK();
}

Status StdoutSink::EndUnit(OffsetCallback on_next_offset) {
  if (!status_.ok()) return status_;
  if (on_next_offset) on_next_offset(bytes_);
  return Status::OK();
}

Status StdoutSink::Close() { return Flush(); }

}  // namespace dw::stream
