// Status: the result of an operation that can fail, without exceptions.
//
// An OK status is cheap to create and copy. A failed status carries a code and a
// one-line message that names the thing that failed ("open /srv/x.xml: No such
// file or directory"). Library code returns Status (or Result<T>); only the CLI
// turns a Status into an exit code and a line on stderr.
//
// Thread-safety: a Status is a value; distinct objects may be used concurrently.
#pragma once

#include <memory>
#include <string>
#include <string_view>

namespace dw {

class [[nodiscard]] Status {
 public:
  // Ordered by how interesting a failure is when several threads fail at once:
  // MoreInteresting() keeps the higher one (see wdt's getMoreInterestingError).
  enum class Code : int {
    kOk = 0,
    kNotFound,         // a file, table, page, wiki that does not exist
    kAlreadyExists,    // target exists and overwriting was not asked for
    kInvalidArgument,  // bad usage, bad config value
    kNotSupported,     // valid but not implemented (e.g. an unknown content model)
    kCorruption,       // bad data: corrupt blob, truncated stream, bad checksum
    kIOError,          // the OS said no: disk full, permission denied, EIO
    kUnavailable,      // a peer or server cannot be reached, connection dropped
    kAborted,          // cancelled (signal, lock lost, other thread failed)
  };

  Status() noexcept = default;  // OK

  static Status OK() { return Status(); }
  static Status NotFound(std::string_view msg) { return Status(Code::kNotFound, msg); }
  static Status AlreadyExists(std::string_view msg) { return Status(Code::kAlreadyExists, msg); }
  static Status InvalidArgument(std::string_view msg) {
    return Status(Code::kInvalidArgument, msg);
  }
  static Status NotSupported(std::string_view msg) { return Status(Code::kNotSupported, msg); }
  static Status Corruption(std::string_view msg) { return Status(Code::kCorruption, msg); }
  static Status IOError(std::string_view msg) { return Status(Code::kIOError, msg); }
  static Status Unavailable(std::string_view msg) { return Status(Code::kUnavailable, msg); }
  static Status Aborted(std::string_view msg) { return Status(Code::kAborted, msg); }

  // An IOError (or NotFound/AlreadyExists for ENOENT/EEXIST) from an errno value,
  // with the context in front: FromErrno("open /x", ENOENT) -> "open /x: No such file...".
  static Status FromErrno(std::string_view context, int err);

  bool ok() const { return state_ == nullptr; }
  Code code() const { return state_ ? state_->code : Code::kOk; }
  bool IsNotFound() const { return code() == Code::kNotFound; }
  bool IsAlreadyExists() const { return code() == Code::kAlreadyExists; }
  bool IsInvalidArgument() const { return code() == Code::kInvalidArgument; }
  bool IsCorruption() const { return code() == Code::kCorruption; }
  bool IsIOError() const { return code() == Code::kIOError; }
  bool IsUnavailable() const { return code() == Code::kUnavailable; }
  bool IsAborted() const { return code() == Code::kAborted; }

  // The message alone ("" when OK).
  const std::string& message() const;
  // "OK" or the message (the message already names what failed).
  std::string ToString() const;

  // A copy whose message is "<context>: <message>". OK stays OK.
  Status WithContext(std::string_view context) const;

  // Keeps the more interesting of two statuses (the higher code; the first on ties).
  static Status MoreInteresting(const Status& a, const Status& b);

 private:
  struct State {
    Code code;
    std::string message;
  };
  Status(Code code, std::string_view msg);
  std::shared_ptr<const State> state_;  // null means OK
};

const char* CodeName(Status::Code code);

}  // namespace dw

// Returns from the enclosing function if the expression is not OK.
#define DW_RETURN_IF_ERROR(expr)          \
  do {                                    \
    ::dw::Status _dw_st = (expr);         \
    if (!_dw_st.ok()) return _dw_st;      \
  } while (0)
