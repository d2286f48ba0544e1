#pragma once
// SHA-256 (FIPS 180-4) for the Idempotency-Key header, computed by OpenSSL's libcrypto
// (EVP). Plugin code, so a libcrypto failure throws (std::bad_alloc: it can fail only
// for want of memory).

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

struct evp_md_ctx_st;  // OpenSSL's EVP_MD_CTX

namespace trestle_webhook {

/// Owns one OpenSSL digest context; movable, not copyable.
class Sha256 {
 public:
  Sha256();
  Sha256& update(std::string_view data);
  /// The digest; the object must not be updated afterwards.
  std::array<uint8_t, 32> digest();
  /// The digest as 64 lowercase hexadecimal digits.
  std::string hex();

 private:
  struct ContextDeleter {
    void operator()(evp_md_ctx_st* ctx) const;
  };
  std::unique_ptr<evp_md_ctx_st, ContextDeleter> ctx_;
};

/// SHA-256 of `data` as 64 lowercase hexadecimal digits.
std::string sha256_hex(std::string_view data);

}  // namespace trestle_webhook
