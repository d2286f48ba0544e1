#pragma once
/// Exceptions an operator throws. The SDK's trampolines catch every exception at the
/// ABI boundary and turn it into a status code plus message; nothing C++ crosses.

#include <cstdint>
#include <stdexcept>
#include <string>

#include "trestle/c/abi.h"

namespace trestle {

/// Base of all SDK errors: a TrestleStatusCode and a message.
class Error : public std::runtime_error {
 public:
  Error(int32_t code, const std::string& message) : std::runtime_error(message), code_(code) {}
  int32_t code() const noexcept { return code_; }

 private:
  int32_t code_;
};

/// Bad options or an input schema the operator cannot work with; refused at validate.
struct InvalidArgument : Error {
  explicit InvalidArgument(const std::string& m) : Error(TRESTLE_INVALID_ARGUMENT, m) {}
};
/// A bad batch; the node's on_error policy decides (dead-letter, skip or fail).
struct DataError : Error {
  explicit DataError(const std::string& m) : Error(TRESTLE_DATA_ERROR, m) {}
};
/// A dependency is unreachable; the host retries with backoff.
struct Unavailable : Error {
  explicit Unavailable(const std::string& m) : Error(TRESTLE_UNAVAILABLE, m) {}
};
struct DeadlineExceeded : Error {
  explicit DeadlineExceeded(const std::string& m) : Error(TRESTLE_DEADLINE_EXCEEDED, m) {}
};
struct ResourceExhausted : Error {
  explicit ResourceExhausted(const std::string& m) : Error(TRESTLE_RESOURCE_EXHAUSTED, m) {}
};
/// A bug; fails the run.
struct Internal : Error {
  explicit Internal(const std::string& m) : Error(TRESTLE_INTERNAL, m) {}
};

}  // namespace trestle
