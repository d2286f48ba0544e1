#include "plugin/descriptor.h"

#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <set>
#include <system_error>
#include <utility>

#include <nlohmann/json.hpp>

namespace trestle::core {
namespace {

using nlohmann::json;

// The size of a struct up to and including `field`: what a producer built against the
// ABI version that introduced `field` has at least. Fields added in later minors are
// read only after checking struct_size against their own end.
#define TRESTLE_FIELD_END(Type, field) (offsetof(Type, field) + sizeof(Type::field))

constexpr size_t kDescriptorHeaderSize = TRESTLE_FIELD_END(TrestlePluginDescriptor, abi_minor);
constexpr size_t kDescriptorV1Size = TRESTLE_FIELD_END(TrestlePluginDescriptor, error);
constexpr size_t kOperatorV1Size = TRESTLE_FIELD_END(TrestleOperatorDef, monitor);
constexpr size_t kParamV1Size = TRESTLE_FIELD_END(TrestleParamSpec, num_enum_values);
constexpr size_t kLifecycleV1Size = TRESTLE_FIELD_END(TrestleLifecycleFns, destroy);
constexpr size_t kSourceV1Size = TRESTLE_FIELD_END(TrestleSourceFns, ack);
constexpr size_t kSinkPublishEnd = TRESTLE_FIELD_END(TrestleSinkFns, publish);  // ABI 1.2
constexpr size_t kProcessV1Size = TRESTLE_FIELD_END(TrestleProcessFns, process);
constexpr size_t kProcessFinishEnd = TRESTLE_FIELD_END(TrestleProcessFns, finish);  // ABI 1.3
constexpr size_t kSinkV1Size = TRESTLE_FIELD_END(TrestleSinkFns, commit);
constexpr size_t kMonitorV1Size = TRESTLE_FIELD_END(TrestleMonitorFns, observe);

#undef TRESTLE_FIELD_END

constexpr int32_t kKnownOperatorFlags = TRESTLE_OP_ORDERED_INPUT | TRESTLE_OP_AGGREGATE;

std::string Quote(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  out.append(1, '"').append(s).append(1, '"');
  return out;
}

std::string Number(double d) {
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, d);
  return ec == std::errc() ? std::string(buf, end) : std::to_string(d);
}

std::string Version(uint32_t major, uint32_t minor) {
  return std::to_string(major) + "." + std::to_string(minor);
}

std::string TooSmall(const std::string& what, uint32_t size, size_t needed) {
  return what + " has struct_size " + std::to_string(size) + ", smaller than the " +
         std::to_string(needed) + " bytes of ABI 1.0";
}

std::string WithArticle(const std::string& noun) {
  return (noun.find_first_of("aeiou") == 0 ? "an " : "a ") + noun;
}

bool IsStringArray(const json& j) {
  if (!j.is_array()) return false;
  for (const json& item : j)
    if (!item.is_string()) return false;
  return true;
}

bool IsNumberArray(const json& j) {
  if (!j.is_array()) return false;
  for (const json& item : j)
    if (!item.is_number()) return false;
  return true;
}

// A map value is a list of strings, or a single string standing for a list of one.
bool IsStringMap(const json& j) {
  if (!j.is_object()) return false;
  for (const auto& item : j.items())
    if (!item.value().is_string() && !IsStringArray(item.value())) return false;
  return true;
}

bool HasType(const json& j, ParamType type) {
  switch (type) {
    case ParamType::kBool: return j.is_boolean();
    case ParamType::kInt:
      return j.is_number_integer() &&
             !(j.is_number_unsigned() &&
               j.get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()));
    case ParamType::kDouble: return j.is_number();
    case ParamType::kString: return j.is_string();
    case ParamType::kStringList: return IsStringArray(j);
    case ParamType::kDoubleList: return IsNumberArray(j);
    case ParamType::kStringMap: return IsStringMap(j);
  }
  return false;
}

bool IsKnownParamType(int32_t t) { return t >= TRESTLE_PARAM_BOOL && t <= TRESTLE_PARAM_STRING_MAP; }
bool IsKnownRole(int32_t r) { return r >= TRESTLE_ROLE_SOURCE && r <= TRESTLE_ROLE_MONITOR; }
bool IsKnownThreading(int32_t t) {
  return t >= TRESTLE_THREADING_SERIAL && t <= TRESTLE_THREADING_PER_WORKER;
}

// Checks one operator definition and copies it; messages start with what they are about.
class OperatorReader {
 public:
  OperatorReader(const std::string& plugin, size_t index) : plugin_(plugin), index_(index) {}

  Result<PluginOperator> Read(const TrestleOperatorDef* def) {
    if (def == nullptr) return Fail("operator #" + std::to_string(index_) + " is NULL");
    if (def->struct_size < kOperatorV1Size)
      return Fail(TooSmall("operator #" + std::to_string(index_), def->struct_size, kOperatorV1Size));
    if (def->name == nullptr || def->name[0] == '\0')
      return Fail("operator #" + std::to_string(index_) + " has no name");
    if (!IsValidOperatorName(def->name))
      return Fail("operator #" + std::to_string(index_) + ": name " + Quote(def->name) +
                  " is not valid (lower-case letters, digits and '_', starting with a letter)");
    op_ = "operator " + Quote(def->name);
    if (!IsKnownRole(def->role)) return Fail(op_ + ": unknown role " + std::to_string(def->role));
    if (!IsKnownThreading(def->threading))
      return Fail(op_ + ": unknown threading " + std::to_string(def->threading));
    if ((def->flags & ~kKnownOperatorFlags) != 0)
      return Fail(op_ + ": unknown flags " + std::to_string(def->flags & ~kKnownOperatorFlags) +
                  " (built for a newer ABI than this host's " + std::to_string(TRESTLE_ABI_MAJOR) + "." +
                  std::to_string(TRESTLE_ABI_MINOR) + "?)");
    TRESTLE_RETURN_IF_ERROR(CheckFunctions(*def));

    PluginOperator out;
    out.def = def;
    OperatorInfo& info = out.info;
    info.name = def->name;
    info.doc = def->doc != nullptr ? def->doc : "";
    info.plugin = plugin_;
    info.role = static_cast<Role>(def->role);
    info.threading = static_cast<Threading>(def->threading);
    info.ordered_input = (def->flags & TRESTLE_OP_ORDERED_INPUT) != 0;
    info.two_phase = info.role == Role::kSink && def->sink->struct_size >= kSinkPublishEnd &&
                     def->sink->publish != nullptr;
    info.aggregating = (def->flags & TRESTLE_OP_AGGREGATE) != 0;
    info.input_doc = def->input_doc != nullptr ? def->input_doc : "";
    info.output_doc = def->output_doc != nullptr ? def->output_doc : "";

    if (def->num_params > 0 && def->params == nullptr)
      return Fail(op_ + ": params is NULL but num_params is " + std::to_string(def->num_params));
    std::set<std::string, std::less<>> names;
    for (size_t i = 0; i < def->num_params; ++i) {
      Result<ParamInfo> p = ReadParam(def->params[i], i);
      if (!p.ok()) return p.status();
      if (!names.insert(p->name).second) return Fail(ParamPrefix(p->name) + "declared twice");
      info.params.push_back(std::move(p).value());
    }
    return out;
  }

 private:
  static Status Fail(std::string message) { return InvalidArgument(std::move(message)); }

  std::string ParamPrefix(const std::string& name) const {
    return "parameter " + Quote(name) + " of " + op_ + ": ";
  }

  Status CheckFunctions(const TrestleOperatorDef& def) const {
    const TrestleLifecycleFns* lc = def.lifecycle;
    if (lc == nullptr) return Fail(op_ + ": the lifecycle table is NULL");
    TRESTLE_RETURN_IF_ERROR(TableSize("lifecycle", lc->struct_size, kLifecycleV1Size));
    TRESTLE_RETURN_IF_ERROR(Function("lifecycle", lc->create != nullptr, "create"));
    TRESTLE_RETURN_IF_ERROR(Function("lifecycle", lc->open != nullptr, "open"));
    TRESTLE_RETURN_IF_ERROR(Function("lifecycle", lc->close != nullptr, "close"));
    TRESTLE_RETURN_IF_ERROR(Function("lifecycle", lc->destroy != nullptr, "destroy"));

    const Role role = static_cast<Role>(def.role);
    const std::string role_name = RoleName(role);
    // Exactly the role's table is present (process serves transforms and models).
    struct Table {
      const char* name;
      const void* ptr;
      bool wanted;
    };
    const Table tables[] = {
        {"source", def.source, role == Role::kSource},
        {"process", def.process, role == Role::kTransform || role == Role::kModel},
        {"sink", def.sink, role == Role::kSink},
        {"monitor", def.monitor, role == Role::kMonitor},
    };
    for (const Table& t : tables) {
      if (t.wanted && t.ptr == nullptr)
        return Fail(op_ + ": " + WithArticle(role_name) + " needs the " + t.name +
                    " table, which is NULL");
      if (!t.wanted && t.ptr != nullptr)
        return Fail(op_ + ": " + WithArticle(role_name) + " must not have a " + t.name +
                    " table (only the table of its role is set)");
    }

    // Each table's size is checked before any of its functions is read.
    switch (role) {
      case Role::kSource:
        TRESTLE_RETURN_IF_ERROR(TableSize("source", def.source->struct_size, kSourceV1Size));
        TRESTLE_RETURN_IF_ERROR(Function("source", def.source->next != nullptr, "next"));
        return Function("source", def.source->ack != nullptr, "ack");
      case Role::kTransform:
      case Role::kModel: {
        TRESTLE_RETURN_IF_ERROR(TableSize("process", def.process->struct_size, kProcessV1Size));
        TRESTLE_RETURN_IF_ERROR(Function("process", def.process->process != nullptr, "process"));
        if ((def.flags & TRESTLE_OP_AGGREGATE) == 0) return Status::Ok();
        if (role != Role::kTransform) return Fail(op_ + ": only a transform can be aggregating (TRESTLE_OP_AGGREGATE)");
        TRESTLE_RETURN_IF_ERROR(TableSize("process", def.process->struct_size, kProcessFinishEnd));
        return Function("process", def.process->finish != nullptr, "finish");
      }
      case Role::kSink:
        TRESTLE_RETURN_IF_ERROR(TableSize("sink", def.sink->struct_size, kSinkV1Size));
        TRESTLE_RETURN_IF_ERROR(Function("sink", def.sink->write != nullptr, "write"));
        return Function("sink", def.sink->commit != nullptr, "commit");
      case Role::kMonitor:
        TRESTLE_RETURN_IF_ERROR(TableSize("monitor", def.monitor->struct_size, kMonitorV1Size));
        return Function("monitor", def.monitor->observe != nullptr, "observe");
    }
    return Status::Ok();
  }

  Status TableSize(const char* table, uint32_t size, size_t needed) const {
    if (size >= needed) return Status::Ok();
    return Fail(op_ + ": " + TooSmall(std::string("the ") + table + " table", size, needed));
  }

  Status Function(const char* table, bool present, const char* fn_name) const {
    if (present) return Status::Ok();
    return Fail(op_ + ": " + table + " function \"" + fn_name + "\" is NULL");
  }

  Result<ParamInfo> ReadParam(const TrestleParamSpec* spec, size_t index) const {
    const std::string which = "parameter #" + std::to_string(index) + " of " + op_;
    if (spec == nullptr) return Fail(which + " is NULL");
    if (spec->struct_size < kParamV1Size) return Fail(TooSmall(which, spec->struct_size, kParamV1Size));
    if (spec->name == nullptr || spec->name[0] == '\0') return Fail(which + " has no name");
    const std::string at = ParamPrefix(spec->name);
    if (!IsKnownParamType(spec->type)) return Fail(at + "unknown type " + std::to_string(spec->type));

    ParamInfo p;
    p.name = spec->name;
    p.doc = spec->doc != nullptr ? spec->doc : "";
    p.type = static_cast<ParamType>(spec->type);
    p.required = (spec->flags & TRESTLE_PARAM_REQUIRED) != 0;
    p.secret = (spec->flags & TRESTLE_PARAM_SECRET) != 0;
    p.output_path = (spec->flags & TRESTLE_PARAM_OUTPUT_PATH) != 0;
    p.input_path = (spec->flags & TRESTLE_PARAM_INPUT_PATH) != 0 && p.type == ParamType::kString;
    if (p.output_path && p.type != ParamType::kString)
      return Fail(at + "only a string parameter can name an output path, not " + WithArticle(ParamTypeName(p.type)));
    const std::string type_name = ParamTypeName(p.type);

    if (spec->num_enum_values > 0) {
      if (p.type != ParamType::kString && p.type != ParamType::kStringList)
        return Fail(at + "allowed values are given, but only string and list<string> parameters take "
                         "them, not " + WithArticle(type_name));
      if (spec->enum_values == nullptr)
        return Fail(at + "enum_values is NULL but num_enum_values is " +
                    std::to_string(spec->num_enum_values));
      for (size_t i = 0; i < spec->num_enum_values; ++i) {
        if (spec->enum_values[i] == nullptr)
          return Fail(at + "allowed value #" + std::to_string(i) + " is NULL");
        p.enum_values.emplace_back(spec->enum_values[i]);
      }
    }

    const bool has_min = (spec->flags & TRESTLE_PARAM_HAS_MIN) != 0;
    const bool has_max = (spec->flags & TRESTLE_PARAM_HAS_MAX) != 0;
    if ((has_min || has_max) && (p.type == ParamType::kBool || p.type == ParamType::kString))
      return Fail(at + "has a range, but ranges bound numbers and list lengths, not " +
                  WithArticle(type_name));
    if (has_min) {
      if (std::isnan(spec->min)) return Fail(at + "min is not a number");
      p.min = spec->min;
    }
    if (has_max) {
      if (std::isnan(spec->max)) return Fail(at + "max is not a number");
      p.max = spec->max;
    }
    if (p.min && p.max && *p.min > *p.max)
      return Fail(at + "min " + Number(*p.min) + " is greater than max " + Number(*p.max));

    if ((spec->flags & TRESTLE_PARAM_HAS_DEFAULT) != 0) {
      if (p.required) return Fail(at + "is both required and has a default; declare one or the other");
      if (spec->default_value == nullptr) return Fail(at + "HAS_DEFAULT is set but default_value is NULL");
      Result<std::string> normalized = CheckDefault(p, spec->default_value, at);
      if (!normalized.ok()) return normalized.status();
      p.default_json = std::move(normalized).value();
    }
    return p;
  }

  // The default as normalized JSON text, or why it does not fit its parameter.
  static Result<std::string> CheckDefault(const ParamInfo& p, const char* raw, const std::string& at) {
    const std::string type_name = ParamTypeName(p.type);
    json value = json::parse(raw, nullptr, /*allow_exceptions=*/false);
    if (value.is_discarded()) {
      std::string msg = at + "default " + Quote(raw) + " is not " + WithArticle(type_name);
      if (p.type == ParamType::kString) msg += " (defaults are JSON text: a string is written in quotes)";
      return Fail(msg);
    }
    const std::string shown = std::string("default ") + raw;
    if (!HasType(value, p.type)) return Fail(at + shown + " is not " + WithArticle(type_name));

    std::optional<double> measured;  // the number, or the length of a list or map
    std::string unit;
    switch (p.type) {
      case ParamType::kInt:
      case ParamType::kDouble: measured = value.get<double>(); break;
      case ParamType::kStringList:
      case ParamType::kDoubleList:
      case ParamType::kStringMap:
        measured = static_cast<double>(value.size());
        unit = value.size() == 1 ? " entry" : " entries";
        break;
      case ParamType::kBool:
      case ParamType::kString: break;
    }
    if (measured) {
      const std::string amount = unit.empty() ? "" : " has " + Number(*measured) + unit + ",";
      if (p.min && *measured < *p.min)
        return Fail(at + shown + (unit.empty() ? " is below the minimum " : amount + " fewer than the minimum ") +
                    Number(*p.min));
      if (p.max && *measured > *p.max)
        return Fail(at + shown + (unit.empty() ? " is above the maximum " : amount + " more than the maximum ") +
                    Number(*p.max));
    }

    if (!p.enum_values.empty()) {
      auto allowed = [&](const std::string& s) {
        for (const std::string& e : p.enum_values)
          if (e == s) return true;
        return false;
      };
      std::vector<std::string> items;
      if (value.is_string()) items.push_back(value.get<std::string>());
      else
        for (const json& item : value) items.push_back(item.get<std::string>());
      for (const std::string& item : items) {
        if (allowed(item)) continue;
        std::string list;
        for (const std::string& e : p.enum_values) list += (list.empty() ? "" : ", ") + Quote(e);
        return Fail(at + "default value " + Quote(item) + " is not one of the allowed values " + list);
      }
    }
    return value.dump();
  }

  const std::string& plugin_;
  size_t index_;
  std::string op_;
};

}  // namespace

bool IsValidOperatorName(std::string_view name) {
  if (name.empty() || name[0] < 'a' || name[0] > 'z') return false;
  for (char c : name)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  return true;
}

Result<PluginDescription> ReadPluginDescriptor(const TrestlePluginDescriptor* d) {
  if (d == nullptr)
    return InvalidArgument(std::string("the entry function ") + TRESTLE_PLUGIN_ENTRY_NAME +
                           " returned NULL instead of a descriptor");
  if (d->struct_size < kDescriptorHeaderSize)
    return InvalidArgument(TooSmall("the descriptor", d->struct_size, kDescriptorV1Size) +
                           " (is this a Trestle plugin?)");
  const std::string host = Version(TRESTLE_ABI_MAJOR, TRESTLE_ABI_MINOR);
  if (d->abi_major != TRESTLE_ABI_MAJOR)
    return InvalidArgument("built for ABI " + Version(d->abi_major, d->abi_minor) +
                           ", this runtime supports ABI " + std::to_string(TRESTLE_ABI_MAJOR) +
                           ".x (" + host + ")");
  if (d->abi_minor > TRESTLE_ABI_MINOR)
    return InvalidArgument("built for ABI " + Version(d->abi_major, d->abi_minor) +
                           ", newer than this runtime's ABI " + host +
                           "; upgrade the runtime or rebuild the plugin against SDK " + host);
  if (d->struct_size < kDescriptorV1Size)
    return InvalidArgument(TooSmall("the descriptor", d->struct_size, kDescriptorV1Size));
  if (d->error != nullptr) return InvalidArgument(std::string("the plugin reported: ") + d->error);
  if (d->name == nullptr || d->name[0] == '\0')
    return InvalidArgument("the descriptor has no plugin name");
  if (d->version == nullptr || d->version[0] == '\0')
    return InvalidArgument("plugin " + Quote(d->name) + " has no version");

  PluginDescription out;
  out.name = d->name;
  out.version = d->version;
  out.abi_major = d->abi_major;
  out.abi_minor = d->abi_minor;
  if (d->num_operators == 0) return InvalidArgument("plugin " + Quote(out.name) + " declares no operators");
  if (d->operators == nullptr)
    return InvalidArgument("plugin " + Quote(out.name) + ": operators is NULL but num_operators is " +
                           std::to_string(d->num_operators));
  std::set<std::string, std::less<>> names;
  for (size_t i = 0; i < d->num_operators; ++i) {
    Result<PluginOperator> op = OperatorReader(out.name, i).Read(d->operators[i]);
    if (!op.ok()) return op.status();
    if (!names.insert(op->info.name).second)
      return InvalidArgument("operator " + Quote(op->info.name) + " is declared twice");
    out.operators.push_back(std::move(op).value());
  }
  return out;
}

}  // namespace trestle::core
