#include "plugin/library_info_json.h"

#include <exception>
#include <string>
#include <utility>

namespace trestle::core {
namespace {

using nlohmann::json;

json ParamToJson(const ParamInfo& p) {
  json j = {{"name", p.name},
            {"doc", p.doc},
            {"type", static_cast<int>(p.type)},
            {"required", p.required},
            {"secret", p.secret},
            {"output_path", p.output_path},
            {"input_path", p.input_path},
            {"enum", p.enum_values}};
  if (p.default_json) j["default"] = *p.default_json;
  if (p.min) j["min"] = *p.min;
  if (p.max) j["max"] = *p.max;
  return j;
}

json OperatorToJson(const OperatorInfo& op) {
  json params = json::array();
  for (const ParamInfo& p : op.params) params.push_back(ParamToJson(p));
  return {{"name", op.name},
          {"doc", op.doc},
          {"plugin", op.plugin},
          {"role", static_cast<int>(op.role)},
          {"threading", static_cast<int>(op.threading)},
          {"ordered_input", op.ordered_input},
          {"two_phase", op.two_phase},
          {"aggregating", op.aggregating},
          {"params", std::move(params)},
          {"input_doc", op.input_doc},
          {"output_doc", op.output_doc}};
}

// json::at and get<> throw on a missing field or a wrong type: FromJson turns that into
// nullopt. Enums are checked against their ranges.
template <typename E>
E EnumAt(const json& j, const char* field, int lo, int hi) {
  const int v = j.at(field).get<int>();
  if (v < lo || v > hi) throw std::out_of_range(field);
  return static_cast<E>(v);
}

ParamInfo ParamFromJson(const json& j) {
  ParamInfo p;
  p.name = j.at("name").get<std::string>();
  p.doc = j.at("doc").get<std::string>();
  p.type = EnumAt<ParamType>(j, "type", static_cast<int>(ParamType::kBool), static_cast<int>(ParamType::kStringMap));
  p.required = j.at("required").get<bool>();
  p.secret = j.at("secret").get<bool>();
  p.output_path = j.at("output_path").get<bool>();
  p.input_path = j.at("input_path").get<bool>();
  p.enum_values = j.at("enum").get<std::vector<std::string>>();
  if (j.contains("default")) p.default_json = j.at("default").get<std::string>();
  if (j.contains("min")) p.min = j.at("min").get<double>();
  if (j.contains("max")) p.max = j.at("max").get<double>();
  return p;
}

OperatorInfo OperatorFromJson(const json& j) {
  OperatorInfo op;
  op.name = j.at("name").get<std::string>();
  op.doc = j.at("doc").get<std::string>();
  op.plugin = j.at("plugin").get<std::string>();
  op.role = EnumAt<Role>(j, "role", static_cast<int>(Role::kSource), static_cast<int>(Role::kMonitor));
  op.threading = EnumAt<Threading>(j, "threading", static_cast<int>(Threading::kSerial),
                                   static_cast<int>(Threading::kPerWorker));
  op.ordered_input = j.at("ordered_input").get<bool>();
  op.two_phase = j.at("two_phase").get<bool>();
  op.aggregating = j.at("aggregating").get<bool>();
  for (const json& p : j.at("params")) op.params.push_back(ParamFromJson(p));
  op.input_doc = j.at("input_doc").get<std::string>();
  op.output_doc = j.at("output_doc").get<std::string>();
  return op;
}

}  // namespace

json LibraryInfoToJson(const PluginLibraryInfo& info) {
  json ops = json::array();
  for (const OperatorInfo& op : info.operators) ops.push_back(OperatorToJson(op));
  return {{"sha256", info.sha256},         {"name", info.name},           {"version", info.version},
          {"abi_major", info.abi_major},   {"abi_minor", info.abi_minor}, {"operators", std::move(ops)}};
}

std::optional<PluginLibraryInfo> LibraryInfoFromJson(const json& j) {
  try {
    PluginLibraryInfo info;
    info.sha256 = j.at("sha256").get<std::string>();
    info.name = j.at("name").get<std::string>();
    info.version = j.at("version").get<std::string>();
    info.abi_major = j.at("abi_major").get<uint32_t>();
    info.abi_minor = j.at("abi_minor").get<uint32_t>();
    for (const json& op : j.at("operators")) info.operators.push_back(OperatorFromJson(op));
    return info;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

}  // namespace trestle::core
