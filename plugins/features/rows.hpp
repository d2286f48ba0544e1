#pragma once
// Leaving rejected rows out of a batch.

#include <algorithm>
#include <cstdint>
#include <vector>

#include <trestle/sdk.hpp>

namespace features {

/// The rows r of `b` with keep[r] != 0; `b` itself (nothing copied) when that is all.
inline trestle::Batch keep_rows(const trestle::Batch& b, const std::vector<uint8_t>& keep) {
  if (std::find(keep.begin(), keep.end(), 0) == keep.end()) return b;
  return b.filter(keep);
}

}  // namespace features
