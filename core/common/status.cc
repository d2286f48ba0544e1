#include "common/status.h"

#include <cerrno>
#include <cstring>

namespace trestle::core {

std::string CodeName(Code code) {
  switch (code) {
    case Code::kOk: return "OK";
    case Code::kInvalidArgument: return "INVALID_ARGUMENT";
    case Code::kDataError: return "DATA_ERROR";
    case Code::kUnavailable: return "UNAVAILABLE";
    case Code::kDeadlineExceeded: return "DEADLINE_EXCEEDED";
    case Code::kResourceExhausted: return "RESOURCE_EXHAUSTED";
    case Code::kInternal: return "INTERNAL";
    case Code::kCancelled: return "CANCELLED";
  }
  return "UNKNOWN(" + std::to_string(static_cast<int32_t>(code)) + ")";
}

Code CodeFromAbi(int32_t raw) {
  if (raw >= TRESTLE_OK && raw <= TRESTLE_CANCELLED) return static_cast<Code>(raw);
  return Code::kInternal;
}

bool IsRetryable(Code code) {
  return code == Code::kUnavailable || code == Code::kDeadlineExceeded ||
         code == Code::kResourceExhausted;
}

std::string Status::ToString() const {
  return ok() ? "OK" : CodeName(code_) + ": " + message_;
}

Status Status::WithContext(const std::string& prefix) const {
  if (ok()) return *this;
  return {code_, prefix + ": " + message_};
}

Status ErrnoStatus(int err, const std::string& what) {
  const std::string m = what + ": " + std::strerror(err);
  switch (err) {
    case ENOSPC:
    case EDQUOT:
    case EFBIG: return {Code::kResourceExhausted, m};
    case EACCES:
    case EPERM:
    case EROFS:
    case EISDIR:
    case ENOTDIR:
    case ENOENT:
    case ELOOP:
    case ENAMETOOLONG: return {Code::kInvalidArgument, m};
    default: return {Code::kUnavailable, m};
  }
}

}  // namespace trestle::core
