#include "base/status.h"

#include <cerrno>
#include <cstring>

namespace dw {

Status::Status(Code code, std::string_view msg)
    : state_(std::make_shared<const State>(State{code, std::string(msg)})) {}

Status Status::FromErrno(std::string_view context, int err) {
  std::string msg(context);
  msg += ": ";
  msg += std::strerror(err);
  switch (err) {
    case ENOENT:
      return NotFound(msg);
    case EEXIST:
      return AlreadyExists(msg);
    case EINVAL:
      return InvalidArgument(msg);
    case ECONNREFUSED:
    case ECONNRESET:
    case EPIPE:
    case ETIMEDOUT:
    case EHOSTUNREACH:
    case ENETUNREACH:
      return Unavailable(msg);
    default:
      return IOError(msg);
  }
}

const std::string& Status::message() const {
  static const std::string kEmpty;
  return state_ ? state_->message : kEmpty;
}

std::string Status::ToString() const { return ok() ? "OK" : state_->message; }

Status Status::WithContext(std::string_view context) const {
  if (ok()) return *this;
  std::string msg(context);
  msg += ": ";
  msg += state_->message;
  return Status(state_->code, msg);
}

Status Status::MoreInteresting(const Status& a, const Status& b) {
  return static_cast<int>(b.code()) > static_cast<int>(a.code()) ? b : a;
}

const char* CodeName(Status::Code code) {
  switch (code) {
    case Status::Code::kOk: return "OK";
    case Status::Code::kNotFound: return "not found";
    case Status::Code::kAlreadyExists: return "already exists";
    case Status::Code::kInvalidArgument: return "invalid argument";
    case Status::Code::kNotSupported: return "not supported";
    case Status::Code::kCorruption: return "corruption";
    case Status::Code::kIOError: return "I/O error";
    case Status::Code::kUnavailable: return "unavailable";
    case Status::Code::kAborted: return "aborted";
  }
  return "unknown";
}

}  // namespace dw
