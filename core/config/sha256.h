#pragma once
/// SHA-256 (FIPS 180-4), used for the config hash recorded with every run. Not for
/// secrets or passwords; a plain value type with no dependencies.

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace trestle::core {

/// Incremental hasher: Update() any number of times, then Finish() once.
class Sha256 {
 public:
  using Digest = std::array<uint8_t, 32>;

  Sha256();
  void Update(std::string_view data);
  /// Pads, returns the digest and leaves the hasher unusable until Reset().
  Digest Finish();
  void Reset();

 private:
  void Compress(const uint8_t* block);

  std::array<uint32_t, 8> state_;
  std::array<uint8_t, 64> buffer_;
  size_t buffered_ = 0;
  uint64_t total_bytes_ = 0;
};

/// Lower-case hex digest of `data`.
std::string Sha256Hex(std::string_view data);
/// Lower-case hex of any digest.
std::string ToHex(const Sha256::Digest& digest);

}  // namespace trestle::core
