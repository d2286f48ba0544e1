#include "plugin/operator_info.h"

namespace trestle::core {

std::string ParamTypeName(ParamType t) {
  switch (t) {
    case ParamType::kBool: return "bool";
    case ParamType::kInt: return "int";
    case ParamType::kDouble: return "double";
    case ParamType::kString: return "string";
    case ParamType::kStringList: return "list<string>";
    case ParamType::kDoubleList: return "list<double>";
    case ParamType::kStringMap: return "map<string, list<string>>";
  }
  return "unknown";
}

std::string RoleName(Role r) {
  switch (r) {
    case Role::kSource: return "source";
    case Role::kTransform: return "transform";
    case Role::kModel: return "model";
    case Role::kSink: return "sink";
    case Role::kMonitor: return "monitor";
  }
  return "unknown";
}

std::string ThreadingName(Threading t) {
  switch (t) {
    case Threading::kSerial: return "serial";
    case Threading::kReentrant: return "reentrant";
    case Threading::kPerWorker: return "per_worker";
  }
  return "unknown";
}

}  // namespace trestle::core
