#pragma once
// What the sinks store for a column value, and the column lists they take as options.
// Values are text that redis_stream_source reads back into the same type:
//   bool -> true/false, int32/int64 -> decimal, float32/float64 -> the shortest text
//   that reads back to the same value (nan, inf, -inf as such), utf8 -> its bytes,
//   timestamp -> "YYYY-MM-DDTHH:MM:SS.ffffff" (UTC).

#include <cstdint>
#include <string>
#include <vector>

#include <trestle/column.hpp>
#include <trestle/options.hpp>
#include <trestle/schema.hpp>

namespace trestle_redis {

/// Appends the text of row `r` of `c`, which must not be null there.
void append_value_text(std::string& out, const trestle::Column& c, int64_t r);

/// The input columns an option names, as indices, in the option's order; an empty
/// list means every input column except `exclude`. Throws InvalidArgument naming
/// `option` and the missing column (and the input's columns).
std::vector<size_t> resolve_columns(const trestle::Schema& input, const trestle::StringList& names,
                                    const std::string& option, const std::vector<std::string>& exclude = {});

}  // namespace trestle_redis
