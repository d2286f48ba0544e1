#pragma once
/// Status and Result<T>: how core reports failure (core code does not throw).
/// Both are plain values; a Result owns its value or its error.

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <variant>

#include "trestle/c/abi.h"

namespace trestle::core {

enum class Code : int32_t {
  kOk = TRESTLE_OK,
  kInvalidArgument = TRESTLE_INVALID_ARGUMENT,
  kDataError = TRESTLE_DATA_ERROR,
  kUnavailable = TRESTLE_UNAVAILABLE,
  kDeadlineExceeded = TRESTLE_DEADLINE_EXCEEDED,
  kResourceExhausted = TRESTLE_RESOURCE_EXHAUSTED,
  kInternal = TRESTLE_INTERNAL,
  kCancelled = TRESTLE_CANCELLED,
};

/// "INVALID_ARGUMENT", "DATA_ERROR"...; "UNKNOWN(n)" for codes outside the enum.
std::string CodeName(Code code);
/// The Code for a raw ABI status; unknown values become kInternal.
Code CodeFromAbi(int32_t raw);
/// True for the codes retried with backoff (UNAVAILABLE, DEADLINE_EXCEEDED,
/// RESOURCE_EXHAUSTED).
bool IsRetryable(Code code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Code code, std::string message) : code_(code), message_(std::move(message)) {}
  static Status Ok() { return {}; }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  /// "CODE: message".
  std::string ToString() const;
  /// The same code with `prefix + ": "` before the message.
  Status WithContext(const std::string& prefix) const;

 private:
  Code code_ = Code::kOk;
  std::string message_;
};

inline Status InvalidArgument(std::string m) { return {Code::kInvalidArgument, std::move(m)}; }
inline Status DataError(std::string m) { return {Code::kDataError, std::move(m)}; }
inline Status Internal(std::string m) { return {Code::kInternal, std::move(m)}; }
inline Status Unavailable(std::string m) { return {Code::kUnavailable, std::move(m)}; }
/// A failed system call as a Status "what: strerror(err)": a full disk or quota
/// (ENOSPC, EDQUOT, EFBIG) is RESOURCE_EXHAUSTED, a path or permission problem
/// INVALID_ARGUMENT, anything else UNAVAILABLE.
Status ErrnoStatus(int err, const std::string& what);

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {}  // NOLINT: must not be OK

  bool ok() const { return std::holds_alternative<T>(v_); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(v_);
  }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() { return value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace trestle::core

#define TRESTLE_RETURN_IF_ERROR(expr)              \
  do {                                             \
    ::trestle::core::Status _st = (expr);          \
    if (!_st.ok()) return _st;                     \
  } while (0)
