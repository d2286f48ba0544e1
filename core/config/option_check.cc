#include "config/option_check.h"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <tuple>

#include "config/field_path.h"
#include "config/scalar_text.h"

namespace trestle::core {
namespace {

using google::protobuf::Value;
using Json = nlohmann::json;

constexpr const char* kSecret = "<secret>";

std::string WithArticle(ParamType t) {
  std::string name = ParamTypeName(t);
  return (t == ParamType::kInt ? "an " : "a ") + name;
}

std::string Elements(double n) { return FormatNumber(n) + (n == 1 ? " element" : " elements"); }

class OptionChecker {
 public:
  /// `options` (present in the file when `has_options`) at `options_path`, of `owner`
  /// (e.g. node "score") for the summary error.
  OptionChecker(const LoadedPipeline& lp, const google::protobuf::Struct& options, bool has_options,
                std::string options_path, std::string owner, const OperatorInfo& op, Diagnostics* diags)
      : lp_(lp),
        options_(options),
        has_options_(has_options),
        owner_(std::move(owner)),
        op_(op),
        diags_(diags),
        options_path_(std::move(options_path)) {}

  Result<OptionValues> Run() {
    const size_t before = diags_->size();
    // Options that were there but could not be read (e.g. a list) were reported by the
    // loader; every required option would otherwise be reported missing as well.
    const bool unreadable = !has_options_ && diags_->Mentions(options_path_);
    failed_ = unreadable;
    CheckUnknownKeys();
    OptionValues values;
    const auto& fields = options_.fields();
    for (const ParamInfo& param : op_.params) {
      const std::string path = JoinPath(options_path_, param.name);
      auto it = fields.find(param.name);
      if (it != fields.end()) {
        if (diags_->Mentions(path)) {
          failed_ = true;
          continue;
        }
        OptionValue value;
        value.type = param.type;
        if (Convert(it->second, param, path, &value) && InRange(value, param, it->second, path)) {
          values.emplace_back(param.name, std::move(value));
        }
      } else if (param.default_json) {
        OptionValue value;
        value.type = param.type;
        if (FromDefault(param, &value)) values.emplace_back(param.name, std::move(value));
      } else if (param.required && !unreadable) {
        Add(options_path_, "missing required option " + Quote(param.name));
      }
    }
    if (failed_ || diags_->size() > before) {
      return InvalidArgument(owner_ + ": invalid options");
    }
    return values;
  }

 private:
  void Add(const std::string& path, std::string message) {
    failed_ = true;
    diags_->add(lp_.DiagnosticAt(path, std::move(message)));
  }

  // Unknown keys in file order, located at their value but named under "options".
  void CheckUnknownKeys() {
    std::vector<std::tuple<int, int, std::string>> unknown;
    for (const auto& [key, value] : options_.fields()) {
      if (op_.param(key) != nullptr) continue;
      SourceLocation at = lp_.locations.Lookup(JoinPath(options_path_, key));
      unknown.emplace_back(at.line, at.column, key);
    }
    std::sort(unknown.begin(), unknown.end());
    std::vector<std::string> names;
    for (const auto& p : op_.params) names.push_back(p.name);
    for (const auto& [line, column, key] : unknown) {
      std::string message = "unknown option " + Quote(key) + " for operator " + Quote(op_.name);
      std::string hint = DidYouMean(key, names);
      if (hint.empty() && names.empty()) hint = " (it takes no options)";
      if (hint.empty()) {
        hint = " (options: ";
        for (size_t i = 0; i < names.size(); ++i) hint += (i ? ", " : "") + names[i];
        hint += ")";
      }
      Diagnostic d = lp_.DiagnosticAt(JoinPath(options_path_, key), message + hint);
      d.path = options_path_;
      failed_ = true;
      diags_->add(std::move(d));
    }
  }

  // How a value reads in a message; "<secret>" for any scalar of a secret parameter.
  std::string Describe(const Value& v, const std::string& path, bool secret) const {
    switch (v.kind_case()) {
      case Value::kNullValue:
        return "null";
      case Value::kListValue:
        return "a list";
      case Value::kStructValue:
        return "a mapping";
      case Value::KIND_NOT_SET:
        return "nothing";
      case Value::kStringValue:
        return secret ? kSecret : Quote(v.string_value());
      case Value::kNumberValue:
      case Value::kBoolValue:
        return secret ? kSecret : *lp_.ScalarText(path, v);
    }
    return "an unknown value";
  }

  std::optional<std::string> AsString(const Value& v, const std::string& path) const {
    if (v.kind_case() == Value::kStringValue) return v.string_value();
    return lp_.ScalarText(path, v);
  }
  std::optional<double> AsDouble(const Value& v) const {
    if (v.kind_case() == Value::kNumberValue) return v.number_value();
    if (v.kind_case() == Value::kStringValue) return ParseNumber(v.string_value());
    return std::nullopt;
  }
  std::optional<int64_t> AsInt(const Value& v, const std::string& path) const {
    if (v.kind_case() == Value::kNumberValue) return ParseInteger(*lp_.ScalarText(path, v));
    if (v.kind_case() == Value::kStringValue) return ParseInteger(v.string_value());
    return std::nullopt;
  }
  static std::optional<bool> AsBool(const Value& v) {
    if (v.kind_case() == Value::kBoolValue) return v.bool_value();
    if (v.kind_case() == Value::kStringValue) {
      if (v.string_value() == "true") return true;
      if (v.string_value() == "false") return false;
    }
    return std::nullopt;
  }
  static bool IsScalar(const Value& v) {
    return v.kind_case() == Value::kStringValue || v.kind_case() == Value::kNumberValue ||
           v.kind_case() == Value::kBoolValue;
  }

  // `option "x" must be a T, got D[ at SUFFIX]`, located at the offending element.
  bool TypeError(const ParamInfo& p, const Value& bad, const std::string& bad_path,
                 const std::string& suffix) {
    Add(bad_path, "option " + Quote(p.name) + " must be " + WithArticle(p.type) + ", got " +
                      Describe(bad, bad_path, p.secret) + suffix);
    return false;
  }

  // A scalar or a list of scalars as strings; `suffix` names the place in the option.
  bool StringList(const ParamInfo& p, const Value& v, const std::string& path,
                  const std::string& suffix, std::vector<std::string>* out) {
    if (v.kind_case() != Value::kListValue) {
      std::optional<std::string> s = AsString(v, path);
      if (!s) return TypeError(p, v, path, suffix);
      out->push_back(std::move(*s));
      return true;
    }
    for (int i = 0; i < v.list_value().values_size(); ++i) {
      const Value& element = v.list_value().values(i);
      std::string element_path = IndexPath(path, i);
      std::optional<std::string> s =
          IsScalar(element) ? AsString(element, element_path) : std::nullopt;
      if (!s) {
        std::string at = (suffix.empty() ? " at " : suffix) + "[" + std::to_string(i) + "]";
        return TypeError(p, element, element_path, at);
      }
      out->push_back(std::move(*s));
    }
    return true;
  }

  bool Convert(const Value& v, const ParamInfo& p, const std::string& path, OptionValue* out) {
    switch (p.type) {
      case ParamType::kBool: {
        std::optional<bool> b = AsBool(v);
        if (!b) return TypeError(p, v, path, "");
        out->boolean = *b;
        return true;
      }
      case ParamType::kInt: {
        std::optional<int64_t> n = AsInt(v, path);
        if (!n) return TypeError(p, v, path, "");
        out->integer = *n;
        return true;
      }
      case ParamType::kDouble: {
        std::optional<double> d = AsDouble(v);
        if (!d) return TypeError(p, v, path, "");
        out->number = *d;
        return true;
      }
      case ParamType::kString: {
        std::optional<std::string> s = AsString(v, path);
        if (!s) return TypeError(p, v, path, "");
        out->string = std::move(*s);
        return true;
      }
      case ParamType::kStringList:
        if (!IsScalar(v) && v.kind_case() != Value::kListValue) return TypeError(p, v, path, "");
        return StringList(p, v, path, "", &out->strings);
      case ParamType::kDoubleList: {
        if (v.kind_case() != Value::kListValue) {
          std::optional<double> d = AsDouble(v);
          if (!d) return TypeError(p, v, path, "");
          out->numbers.push_back(*d);
          return true;
        }
        for (int i = 0; i < v.list_value().values_size(); ++i) {
          const Value& element = v.list_value().values(i);
          std::optional<double> d = AsDouble(element);
          if (!d) {
            return TypeError(p, element, IndexPath(path, i), " at [" + std::to_string(i) + "]");
          }
          out->numbers.push_back(*d);
        }
        return true;
      }
      case ParamType::kStringMap: {
        if (v.kind_case() != Value::kStructValue) return TypeError(p, v, path, "");
        std::vector<std::string> keys;
        for (const auto& [key, value] : v.struct_value().fields()) keys.push_back(key);
        std::sort(keys.begin(), keys.end());
        for (const auto& key : keys) {
          const Value& value = v.struct_value().fields().at(key);
          std::string value_path = JoinPath(path, key);
          std::vector<std::string> strings;
          if (!IsScalar(value) && value.kind_case() != Value::kListValue) {
            return TypeError(p, value, value_path, " at ." + key);
          }
          if (!StringList(p, value, value_path, " at ." + key, &strings)) return false;
          out->map.emplace_back(key, std::move(strings));
        }
        return true;
      }
    }
    return TypeError(p, v, path, "");
  }

  bool InRange(const OptionValue& value, const ParamInfo& p, const Value& written,
               const std::string& path) {
    const std::string name = Quote(p.name);
    auto bounds = [&](double n, const std::string& shown) {
      if ((!p.min || n >= *p.min) && (!p.max || n <= *p.max)) return true;
      std::string message = "option " + name + " = " + (p.secret ? kSecret : shown);
      if (p.min && p.max) {
        message += " is out of range [" + FormatNumber(*p.min) + ", " + FormatNumber(*p.max) + "]";
      } else if (p.min) {
        message += " must be >= " + FormatNumber(*p.min);
      } else {
        message += " must be <= " + FormatNumber(*p.max);
      }
      Add(path, std::move(message));
      return false;
    };
    auto length = [&](size_t size) {
      double n = static_cast<double>(size);
      if ((!p.min || n >= *p.min) && (!p.max || n <= *p.max)) return true;
      std::string message = "option " + name + " must have ";
      if (p.min && p.max) {
        message += "between " + FormatNumber(*p.min) + " and " + Elements(*p.max);
      } else if (p.min) {
        message += "at least " + Elements(*p.min);
      } else {
        message += "at most " + Elements(*p.max);
      }
      Add(path, message + ", got " + std::to_string(size));
      return false;
    };
    auto allowed = [&](const std::string& s, const std::string& at, const std::string& suffix) {
      if (p.enum_values.empty() ||
          std::find(p.enum_values.begin(), p.enum_values.end(), s) != p.enum_values.end()) {
        return true;
      }
      std::string list;
      for (const auto& e : p.enum_values) list += (list.empty() ? "" : ", ") + e;
      std::string message = "option " + name + " must be one of [" + list + "], got ";
      message += p.secret ? std::string(kSecret) + suffix
                          : Quote(s) + suffix + DidYouMean(s, p.enum_values);
      Add(at, std::move(message));
      return false;
    };
    switch (p.type) {
      case ParamType::kBool:
        return true;
      case ParamType::kInt:
        return bounds(static_cast<double>(value.integer), std::to_string(value.integer));
      case ParamType::kDouble: {
        std::optional<std::string> text = lp_.ScalarText(path, written);
        return bounds(value.number, text ? *text : FormatNumber(value.number));
      }
      case ParamType::kString:
        return allowed(value.string, path, "");
      case ParamType::kStringList: {
        if (!length(value.strings.size())) return false;
        for (size_t i = 0; i < value.strings.size(); ++i) {
          bool list = written.kind_case() == Value::kListValue;
          std::string at = list ? IndexPath(path, static_cast<int>(i)) : path;
          std::string suffix = list ? " at [" + std::to_string(i) + "]" : "";
          if (!allowed(value.strings[i], at, suffix)) return false;
        }
        return true;
      }
      case ParamType::kDoubleList:
        return length(value.numbers.size());
      case ParamType::kStringMap:
        return length(value.map.size());
    }
    return true;
  }

  bool FromDefault(const ParamInfo& p, OptionValue* out) {
    bool ok = false;
    try {
      Json j = Json::parse(*p.default_json, nullptr, /*allow_exceptions=*/false);
      ok = !j.is_discarded() && FromJson(j, p.type, out);
    } catch (const std::exception&) {
      ok = false;
    }
    if (!ok) {
      Add(options_path_, "operator " + Quote(op_.name) + " declares an invalid default for " +
                             "option " + Quote(p.name) + " (a bug in plugin " + Quote(op_.plugin) +
                             ")");
    }
    return ok;
  }

  static bool StringsFromJson(const Json& j, std::vector<std::string>* out) {
    if (j.is_string()) {
      out->push_back(j.get<std::string>());
      return true;
    }
    if (!j.is_array()) return false;
    for (const Json& e : j) {
      if (!e.is_string()) return false;
      out->push_back(e.get<std::string>());
    }
    return true;
  }

  static bool FromJson(const Json& j, ParamType type, OptionValue* out) {
    switch (type) {
      case ParamType::kBool:
        if (!j.is_boolean()) return false;
        out->boolean = j.get<bool>();
        return true;
      case ParamType::kInt:
        if (j.is_number_integer()) {
          out->integer = j.get<int64_t>();
          return true;
        }
        if (j.is_number_float() && std::trunc(j.get<double>()) == j.get<double>()) {
          std::optional<int64_t> n = ParseInteger(FormatNumber(j.get<double>()));
          if (!n) return false;
          out->integer = *n;
          return true;
        }
        return false;
      case ParamType::kDouble:
        if (!j.is_number()) return false;
        out->number = j.get<double>();
        return true;
      case ParamType::kString:
        if (!j.is_string()) return false;
        out->string = j.get<std::string>();
        return true;
      case ParamType::kStringList:
        return StringsFromJson(j, &out->strings);
      case ParamType::kDoubleList:
        if (!j.is_array()) return false;
        for (const Json& e : j) {
          if (!e.is_number()) return false;
          out->numbers.push_back(e.get<double>());
        }
        return true;
      case ParamType::kStringMap:
        if (!j.is_object()) return false;
        for (const auto& [key, value] : j.items()) {
          std::vector<std::string> strings;
          if (!StringsFromJson(value, &strings)) return false;
          out->map.emplace_back(key, std::move(strings));
        }
        return true;
    }
    return false;
  }

  const LoadedPipeline& lp_;
  const google::protobuf::Struct& options_;
  bool has_options_;
  std::string owner_;
  const OperatorInfo& op_;
  Diagnostics* diags_;
  const std::string options_path_;
  bool failed_ = false;
};

Json ToJson(const Value& v) {
  switch (v.kind_case()) {
    case Value::kNumberValue: {
      double d = v.number_value();
      if (!std::isfinite(d)) return nullptr;
      if (std::trunc(d) == d && std::fabs(d) < 9007199254740992.0) {
        return static_cast<int64_t>(d);
      }
      return d;
    }
    case Value::kStringValue:
      return v.string_value();
    case Value::kBoolValue:
      return v.bool_value();
    case Value::kStructValue: {
      Json object = Json::object();
      for (const auto& [key, value] : v.struct_value().fields()) object[key] = ToJson(value);
      return object;
    }
    case Value::kListValue: {
      Json array = Json::array();
      for (const Value& e : v.list_value().values()) array.push_back(ToJson(e));
      return array;
    }
    case Value::kNullValue:
    case Value::KIND_NOT_SET:
      return nullptr;
  }
  return nullptr;
}

}  // namespace

Result<OptionValues> CheckOptions(const LoadedPipeline& loaded, int node_index,
                                  const OperatorInfo& op, Diagnostics* diags) {
  if (node_index < 0 || node_index >= loaded.pipeline.nodes_size()) {
    return InvalidArgument("no node with index " + std::to_string(node_index));
  }
  Diagnostics ignored;
  const config::Node& node = loaded.pipeline.nodes(node_index);
  return OptionChecker(loaded, node.options(), node.has_options(), JoinPath(IndexPath("nodes", node_index), "options"),
                       "node " + Quote(node.name()), op, diags != nullptr ? diags : &ignored)
      .Run();
}

Result<OptionValues> CheckShadowOptions(const LoadedPipeline& loaded, int node_index, const OperatorInfo& op,
                                        Diagnostics* diags) {
  if (node_index < 0 || node_index >= loaded.pipeline.nodes_size()) {
    return InvalidArgument("no node with index " + std::to_string(node_index));
  }
  Diagnostics ignored;
  const config::Shadow& shadow = loaded.pipeline.nodes(node_index).serving().shadow();
  const std::string path = JoinPath(JoinPath(JoinPath(IndexPath("nodes", node_index), "serving"), "shadow"), "options");
  return OptionChecker(loaded, shadow.options(), shadow.has_options(), path,
                       "the shadow of node " + Quote(loaded.pipeline.nodes(node_index).name()), op,
                       diags != nullptr ? diags : &ignored)
      .Run();
}

std::string RedactedOptionsJson(const config::Node& node, const OperatorInfo& op) {
  return RedactedOptionsJson(node.options(), op);
}

std::string RedactedOptionsJson(const google::protobuf::Struct& options, const OperatorInfo& op) {
  std::vector<std::string> secret_names;
  for (const auto& p : op.params) {
    if (p.secret) secret_names.push_back(p.name);
  }
  try {
    Json out = Json::object();
    for (const auto& [key, value] : options.fields()) {
      const ParamInfo* param = op.param(key);
      bool secret = param != nullptr ? param->secret : !SuggestNames(key, secret_names).empty();
      out[key] = secret ? Json(kSecret) : ToJson(value);
    }
    return out.dump(-1, ' ', false, Json::error_handler_t::replace);
  } catch (const std::exception&) {
    return "{}";
  }
}

}  // namespace trestle::core
