#pragma once
// SHA-256 (FIPS 180-4), for the Idempotency-Key header: small and dependency-free
// because a plugin links neither OpenSSL nor the runtime's core.

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace trestle_webhook {

class Sha256 {
 public:
  Sha256();
  Sha256& update(std::string_view data);
  /// The digest; the object must not be updated afterwards.
  std::array<uint8_t, 32> digest();
  /// The digest as 64 lowercase hexadecimal digits.
  std::string hex();

 private:
  void block(const uint8_t* p);
  std::array<uint32_t, 8> h_;
  std::array<uint8_t, 64> buf_{};
  size_t used_ = 0;
  uint64_t bytes_ = 0;
};

/// SHA-256 of `data` as 64 lowercase hexadecimal digits.
std::string sha256_hex(std::string_view data);

}  // namespace trestle_webhook
