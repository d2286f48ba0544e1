#pragma once
/// One row of a batch as a JSON object {column: value}, for dead letters and reports.
/// Nulls and non-finite floats become null (JSON has no NaN); timestamps ISO-8601 UTC.

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "trestle/batch.hpp"

namespace trestle::core {

nlohmann::json RowToJson(const trestle::Batch& batch, int64_t row);
/// Microseconds since the epoch as "YYYY-MM-DDTHH:MM:SS.ffffffZ".
std::string IsoTimestampMicros(int64_t micros);
/// The current time as IsoTimestampMicros.
std::string NowIso();

}  // namespace trestle::core
