#pragma once
// Rows of any ABI 1 batch as JSON objects, for request bodies. Written here rather than
// shared with the io plugin because plugins do not link each other.
//
//   null, NaN, +-Inf     -> null
//   bool                 -> true / false
//   int32, int64         -> integer
//   float32, float64     -> the shortest number that reads back to the same value
//   timestamp[us]        -> "YYYY-MM-DDTHH:MM:SS.ffffffZ" (ISO 8601, UTC)
//   utf8                 -> string; control characters escaped, invalid UTF-8 -> U+FFFD

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <trestle/batch.hpp>

namespace trestle_webhook {

struct JsonStats {
  int64_t non_finite = 0;    ///< NaN/Inf values written as null
  int64_t invalid_utf8 = 0;  ///< bytes of invalid UTF-8 replaced by U+FFFD
};

/// Writes rows of batches of one schema; the keys are escaped once.
class RowWriter {
 public:
  explicit RowWriter(const trestle::Schema& schema);
  /// Appends rows [begin, end) of `batch` as JSON objects separated by commas (no
  /// brackets), keys in column order.
  void append_rows(std::string& out, const trestle::Batch& batch, int64_t begin, int64_t end,
                   JsonStats* stats) const;

 private:
  std::vector<std::string> keys_;  // `{"a":`, `,"b":`...
};

/// Length of the valid UTF-8 sequence at p[0] >= 0x80 (at most `left` bytes), or 0.
size_t utf8_sequence_length(const unsigned char* p, size_t left);
/// `s` as a JSON string literal.
void append_json_string(std::string& out, std::string_view s, JsonStats* stats);
/// "YYYY-MM-DDTHH:MM:SS.ffffffZ" of microseconds since the Unix epoch (UTC).
void append_iso8601(std::string& out, int64_t micros);

}  // namespace trestle_webhook
