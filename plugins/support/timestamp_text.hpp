#pragma once
// ISO-8601 timestamps <-> microseconds since the Unix epoch (UTC, proleptic Gregorian).
// Shared by the io plugin's sources and sinks and by row_json.hpp.

#include <cstdint>
#include <string>
#include <string_view>

namespace trestle_support {

/// "YYYY-MM-DD HH:MM:SS" or with 'T', an optional fraction of 1 to 9 digits (beyond
/// microseconds truncated) and an optional "Z" or "+HH:MM"/"-HH:MM" offset, which is
/// applied to give UTC. False for anything else, including impossible dates.
bool parse_timestamp(std::string_view s, int64_t* micros);

/// Appends "YYYY-MM-DDTHH:MM:SS.ffffff" (UTC, always six fraction digits).
void append_timestamp(std::string& out, int64_t micros);

}  // namespace trestle_support
