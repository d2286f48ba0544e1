#pragma once
// Rows of any ABI 1 batch as JSON objects, one object at a time: the io plugin writes
// them one per line (jsonl_sink, stdout_sink), webhook_sink as the elements of an array.
//
//   null, NaN, +-Inf     -> null
//   bool                 -> true / false
//   int32, int64         -> integer
//   float32, float64     -> the shortest number that reads back to the same value, with
//                           ".0" when it would read as an integer
//   timestamp[us]        -> "YYYY-MM-DDTHH:MM:SS.ffffff" (UTC), with "Z" when asked for
//   utf8                 -> string; control characters escaped, invalid UTF-8 -> U+FFFD

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <trestle/batch.hpp>
#include <trestle/schema.hpp>

namespace trestle_support {

struct JsonStats {
  int64_t non_finite = 0;    ///< NaN/Inf values written as null
  int64_t invalid_utf8 = 0;  ///< bytes of invalid UTF-8 replaced by U+FFFD
};

/// How JsonRowWriter ends timestamps: "2024-05-01T12:00:00.000000" (kNone) or
/// "2024-05-01T12:00:00.000000Z" (kZ, ISO 8601's UTC designator).
enum class TimestampSuffix { kNone, kZ };

/// Writes rows of batches of one schema; the keys are escaped once.
class JsonRowWriter {
 public:
  explicit JsonRowWriter(const trestle::Schema& schema, TimestampSuffix suffix = TimestampSuffix::kNone);

  /// Appends row `r` of `batch` as one JSON object, keys in column order, and nothing
  /// before or after it. Counts into `stats` when not null.
  void append_row(std::string& out, const trestle::Batch& batch, int64_t r, JsonStats* stats) const;

 private:
  std::vector<std::string> keys_;  // `{"a":`, `,"b":`...
  bool z_;
};

/// Length of the valid UTF-8 sequence at p[0] >= 0x80 (at most `left` bytes), or 0.
size_t utf8_sequence_length(const unsigned char* p, size_t left);

/// `s` as a JSON string literal. Counts replaced bytes into `stats` when not null.
void append_json_string(std::string& out, std::string_view s, JsonStats* stats);

}  // namespace trestle_support
