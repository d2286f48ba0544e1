#pragma once
// The `min_rows` option of the database sources: a scheduled job whose day has not been
// loaded yet reads zero rows and would "succeed" with empty output; with min_rows the
// run fails instead (exit 1, retryable), naming the source and the count.

#include <cstdint>
#include <string>

#include <trestle/error.hpp>

namespace trestle_support {

inline constexpr const char* kMinRowsDoc =
    "the query must return at least this many rows, else the run fails (DATA_ERROR, nothing published): e.g. 1 "
    "so that a day whose data is not loaded yet fails instead of publishing empty results; 0 = no check";

/// Throws trestle::DataError when a finished query returned fewer than `min_rows` rows.
inline void check_min_rows(int64_t rows, int64_t min_rows, const std::string& where) {
  if (rows >= min_rows) return;
  throw trestle::DataError(where + ": the query returned " + std::to_string(rows) + " rows, fewer than min_rows " +
                           std::to_string(min_rows) + " (is the data for this run loaded yet?)");
}

}  // namespace trestle_support
