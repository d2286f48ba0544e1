#pragma once
/// Host-side copies of what a plugin declares about its operators. Owned by the
/// registry that loaded them; plain values, safe to copy, independent of the library.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace trestle::core {

enum class ParamType { kBool = 1, kInt, kDouble, kString, kStringList, kDoubleList, kStringMap };
enum class Role { kSource = 1, kTransform, kModel, kSink, kMonitor };
enum class Threading { kSerial = 0, kReentrant, kPerWorker };

std::string ParamTypeName(ParamType t);  // "bool", "int", "double", "string", "list<string>"...
std::string RoleName(Role r);            // "source", "transform", "model", "sink", "monitor"
std::string ThreadingName(Threading t);  // "serial", "reentrant", "per_worker"

struct ParamInfo {
  std::string name;
  std::string doc;
  ParamType type = ParamType::kString;
  bool required = false;
  bool secret = false;
  bool output_path = false;  ///< a string naming a file the operator writes (ABI 1.2)
  bool input_path = false;   ///< a string naming a file the operator reads
  std::optional<std::string> default_json;  ///< default as JSON text
  std::optional<double> min, max;           ///< value bounds (list length for lists)
  std::vector<std::string> enum_values;     ///< allowed strings; empty = any
};

struct OperatorInfo {
  std::string name;
  std::string doc;
  std::string plugin;  ///< name of the plugin that declares it
  Role role = Role::kTransform;
  Threading threading = Threading::kSerial;
  bool ordered_input = false;
  /// Sinks: publishes in two phases (final commit prepares, publish shows; ABI 1.2).
  bool two_phase = false;
  /// Transforms: absorbs its input and emits its result at the end (ABI 1.3 finish).
  bool aggregating = false;
  std::vector<ParamInfo> params;
  std::string input_doc, output_doc;

  const ParamInfo* param(std::string_view n) const {
    for (const auto& p : params)
      if (p.name == n) return &p;
    return nullptr;
  }
};

/// Looks operators up by name; implemented by the plugin registry (and by tests).
class OperatorCatalog {
 public:
  virtual ~OperatorCatalog() = default;
  virtual const OperatorInfo* Find(std::string_view name) const = 0;
  virtual std::vector<std::string> Names() const = 0;
};

/// One option value after validation against its ParamInfo: only the member that
/// matches `type` is meaningful.
struct OptionValue {
  ParamType type = ParamType::kString;
  bool boolean = false;
  int64_t integer = 0;
  double number = 0;
  std::string string;
  std::vector<std::string> strings;
  std::vector<double> numbers;
  std::vector<std::pair<std::string, std::vector<std::string>>> map;
};

/// Validated options of one node, in the operator's parameter order, defaults filled.
using OptionValues = std::vector<std::pair<std::string, OptionValue>>;

}  // namespace trestle::core
