#include "exec/findings.h"

namespace trestle::core {

void FindingsOutbox::Add(nlohmann::json finding) {
  std::lock_guard<std::mutex> l(mu_);
  pending_.push_back(std::move(finding));
}

std::vector<nlohmann::json> FindingsOutbox::Take() {
  std::lock_guard<std::mutex> l(mu_);
  std::vector<nlohmann::json> out;
  out.swap(pending_);
  return out;
}

trestle::Schema FindingsSchema() {
  using trestle::Type;
  return trestle::Schema({{"time", Type::TimestampUs, true},
                          {"window_start", Type::TimestampUs, true},
                          {"monitor", Type::Utf8, false},
                          {"feature", Type::Utf8, true},
                          {"code", Type::Utf8, true},
                          {"statistic", Type::Utf8, true},
                          {"value", Type::Float64, true},
                          {"threshold", Type::Float64, true},
                          {"top_values", Type::Utf8, true},
                          {"message", Type::Utf8, true}});
}

trestle::Batch FindingsBatch(const std::string& monitor, const std::vector<nlohmann::json>& findings) {
  using trestle::ColumnBuilder;
  using trestle::Type;
  const auto n = static_cast<int64_t>(findings.size());
  ColumnBuilder time(Type::TimestampUs, n), start(Type::TimestampUs, n), mon(Type::Utf8, n), feature(Type::Utf8, n),
      code(Type::Utf8, n), statistic(Type::Utf8, n), value(Type::Float64, n), threshold(Type::Float64, n),
      top(Type::Utf8, n), message(Type::Utf8, n);
  auto ts = [](ColumnBuilder& b, const nlohmann::json& f, const char* key) {
    if (f.contains(key) && f[key].is_number_integer()) b.append_ts(f[key].get<int64_t>());
    else b.append_null();
  };
  auto str = [](ColumnBuilder& b, const nlohmann::json& f, const char* key) {
    if (f.contains(key) && f[key].is_string()) b.append_str(f[key].get<std::string>());
    else b.append_null();
  };
  auto num = [](ColumnBuilder& b, const nlohmann::json& f, const char* key) {
    if (f.contains(key) && f[key].is_number()) b.append_f64(f[key].get<double>());
    else b.append_null();
  };
  for (const auto& f : findings) {
    ts(time, f, "time_us");
    ts(start, f, "window_start_us");
    mon.append_str(monitor);
    str(feature, f, "feature");
    str(code, f, "code");
    str(statistic, f, "statistic");
    num(value, f, "value");
    num(threshold, f, "threshold");
    if (f.contains("top_values")) top.append_str(f["top_values"].dump());
    else top.append_null();
    str(message, f, "message");
  }
  return trestle::Batch(FindingsSchema(), {time.finish(), start.finish(), mon.finish(), feature.finish(), code.finish(),
                                           statistic.finish(), value.finish(), threshold.finish(), top.finish(),
                                           message.finish()});
}

}  // namespace trestle::core
