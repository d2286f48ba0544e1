#include "exec/row_json.h"

#include <chrono>
#include <cmath>
#include <ctime>

namespace trestle::core {

nlohmann::json RowToJson(const trestle::Batch& batch, int64_t row) {
  nlohmann::json o = nlohmann::json::object();
  for (size_t i = 0; i < batch.num_columns(); ++i) {
    const auto& c = batch.column(i);
    const std::string& name = batch.schema().field(i).name;
    if (c.is_null(row)) {
      o[name] = nullptr;
      continue;
    }
    switch (c.type()) {
      case trestle::Type::Bool: o[name] = c.bool_at(row); break;
      case trestle::Type::Int32: o[name] = c.i32(row); break;
      case trestle::Type::Int64: o[name] = c.i64(row); break;
      case trestle::Type::TimestampUs: o[name] = IsoTimestampMicros(c.ts(row)); break;
      case trestle::Type::Float32:
      case trestle::Type::Float64: {
        double v = c.as_double(row);
        if (std::isfinite(v)) o[name] = v;
        else o[name] = nullptr;
        break;
      }
      case trestle::Type::Utf8: o[name] = std::string(c.str(row)); break;
    }
  }
  return o;
}

std::string IsoTimestampMicros(int64_t micros) {
  int64_t secs = micros / 1000000;
  int64_t frac = micros % 1000000;
  if (frac < 0) frac += 1000000, secs -= 1;
  std::time_t t = static_cast<std::time_t>(secs);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%06lldZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<long long>(frac));
  return buf;
}

std::string NowIso() {
  auto now = std::chrono::system_clock::now().time_since_epoch();
  return IsoTimestampMicros(std::chrono::duration_cast<std::chrono::microseconds>(now).count());
}

}  // namespace trestle::core
