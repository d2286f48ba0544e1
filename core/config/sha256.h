#pragma once
/// SHA-256 (FIPS 180-4), used for the config hash recorded with every run and for the
/// fingerprints of plugin libraries and model files. Computed by OpenSSL's libcrypto
/// (its SHA256_* functions); not for secrets or passwords.

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

struct SHA256state_st;  // OpenSSL's SHA256_CTX, kept out of this header

namespace trestle::core {

/// Incremental hasher: Update() any number of times, then Finish() once. Owns one
/// OpenSSL SHA-256 context; movable, not copyable. A failure inside libcrypto (which
/// only running out of memory can cause) throws std::bad_alloc, as an allocation would.
class Sha256 {
 public:
  using Digest = std::array<uint8_t, 32>;

  Sha256();
  void Update(std::string_view data);
  /// Returns the digest and leaves the hasher unusable until Reset().
  Digest Finish();
  void Reset();

 private:
  struct ContextDeleter {
    void operator()(SHA256state_st* context) const;
  };
  std::unique_ptr<SHA256state_st, ContextDeleter> context_;
};

/// Lower-case hex digest of `data`.
std::string Sha256Hex(std::string_view data);
/// Lower-case hex of any digest.
std::string ToHex(const Sha256::Digest& digest);

}  // namespace trestle::core
