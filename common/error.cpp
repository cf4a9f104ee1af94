#include "common/error.h"

#include <cerrno>
#include <cstring>

namespace attest {

std::string_view code_name(Code c) noexcept {
  switch (c) {
    case Code::InvalidArgument:
      return "invalid argument";
    case Code::NotFound:
      return "not found";
    case Code::PermissionDenied:
      return "permission denied";
    case Code::FailedPrecondition:
      return "failed precondition";
    case Code::Unavailable:
      return "unavailable";
    case Code::DeadlineExceeded:
      return "deadline exceeded";
    case Code::Unauthenticated:
      return "unauthenticated";
    case Code::Unsupported:
      return "unsupported";
    case Code::Corrupt:
      return "corrupt input";
    case Code::Internal:
      return "internal error";
  }
  return "unknown";
}

std::string Error::to_string() const { return message; }

std::string quoted(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 2);
  out += '\'';
  out += text;
  out += '\'';
  return out;
}

Code code_for_errno(int err) noexcept {
  switch (err) {
    case ENOENT:
    case ENXIO:
    case ENODEV:
      return Code::NotFound;
    case EACCES:
    case EPERM:
    case EROFS:
      return Code::PermissionDenied;
    case ETIMEDOUT:
      return Code::DeadlineExceeded;
    case EAGAIN:
    case EBUSY:
    case EINTR:
    case ECONNREFUSED:
      return Code::Unavailable;
    case EINVAL:
    case EFBIG:
    case E2BIG:
      return Code::InvalidArgument;
    case ENOTTY:
    case EOPNOTSUPP:
      return Code::Unsupported;
    default:
      return Code::Internal;
  }
}

std::unexpected<Error> os_error(int err, std::string_view what) {
  std::string msg(what);
  msg += ": ";
  msg += std::strerror(err);
  msg += " (errno " + std::to_string(err) + ")";
  return fail(code_for_errno(err), std::move(msg), err);
}

}  // namespace attest
