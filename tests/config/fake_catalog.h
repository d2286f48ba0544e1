#pragma once
// A small in-memory OperatorCatalog for the config tests; the real one is the plugin
// registry.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "plugin/operator_info.h"

namespace trestle::core::testing {

inline ParamInfo Param(std::string name, ParamType type, bool required = false,
                       std::optional<std::string> default_json = std::nullopt) {
  ParamInfo p;
  p.name = std::move(name);
  p.type = type;
  p.required = required;
  p.default_json = std::move(default_json);
  return p;
}

inline ParamInfo Range(ParamInfo p, std::optional<double> min, std::optional<double> max) {
  p.min = min;
  p.max = max;
  return p;
}

inline ParamInfo Secret(ParamInfo p) {
  p.secret = true;
  return p;
}

inline ParamInfo Enum(ParamInfo p, std::vector<std::string> values) {
  p.enum_values = std::move(values);
  return p;
}

class FakeCatalog : public OperatorCatalog {
 public:
  FakeCatalog() {
    Add("csv_source", Role::kSource,
        {Param("path", ParamType::kString, true),
         Param("delimiter", ParamType::kString, false, R"(",")")});
    Add("scale", Role::kTransform,
        {Range(Param("columns", ParamType::kStringList, true), 1, std::nullopt),
         Enum(Param("method", ParamType::kString, false, R"("standard")"),
              {"standard", "min_max"})});
    Add("bucketize", Role::kTransform,
        {Range(Param("bins", ParamType::kDoubleList, true), 1, 8),
         Param("groups", ParamType::kStringMap),
         Range(Param("max_rows", ParamType::kInt), 1, std::nullopt),
         Param("keep", ParamType::kBool, false, "true"), Param("label", ParamType::kString),
         Enum(Param("modes", ParamType::kStringList, false, R"(["fast"])"), {"fast", "exact"})});
    Add("linear", Role::kModel,
        {Param("model", ParamType::kString, true),
         Range(Param("threshold", ParamType::kDouble, false, "0.5"), 0, 1)});
    Add("xgboost", Role::kModel, {Param("model", ParamType::kString, true)});
    Add("csv_sink", Role::kSink, {Param("path", ParamType::kString, true)});
    Add("http_sink", Role::kSink,
        {Param("url", ParamType::kString, true), Secret(Param("api_key", ParamType::kString, true)),
         Secret(Range(Param("pin", ParamType::kInt), 1000, 9999))});
    Add("drift_monitor", Role::kMonitor, {Param("reference", ParamType::kString, true)});
  }

  const OperatorInfo* Find(std::string_view name) const override {
    for (const auto& op : ops_) {
      if (op.name == name) return &op;
    }
    return nullptr;
  }

  std::vector<std::string> Names() const override {
    std::vector<std::string> names;
    for (const auto& op : ops_) names.push_back(op.name);
    return names;
  }

 private:
  void Add(std::string name, Role role, std::vector<ParamInfo> params) {
    OperatorInfo op;
    op.name = std::move(name);
    op.plugin = "fake";
    op.role = role;
    op.params = std::move(params);
    ops_.push_back(std::move(op));
  }

  std::vector<OperatorInfo> ops_;
};

}  // namespace trestle::core::testing
