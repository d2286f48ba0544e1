#pragma once
/// OperatorSpec: what an operator declares about itself — name, doc, parameters
/// (type, default, required, range, enum, secret) and threading. Written as a chain:
///
///   OperatorSpec("clip", "Clamp a numeric column.")
///       .param<std::string>("column", "column to clamp").required()
///       .param<double>("lo", "lower bound", 0.0).reentrant();
///
/// Modifiers such as required(), range() and one_of() apply to the parameter declared
/// last. The spec is a plain value; the SDK turns it into the ABI tables.

#include <cstdio>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "trestle/c/abi.h"
#include "trestle/error.hpp"
#include "trestle/options.hpp"

namespace trestle {

struct ParamDecl {
  std::string name;
  std::string doc;
  int32_t type = TRESTLE_PARAM_STRING;
  bool required = false;
  bool secret = false;
  bool output_path = false;  ///< names a file the operator creates or replaces (ABI 1.2)
  bool input_path = false;   ///< names a file the operator reads
  std::optional<OptionValue> default_value;
  std::optional<double> min, max;
  std::vector<std::string> enum_values;
};

namespace detail {
template <typename T>
constexpr int32_t param_type_of() {
  if constexpr (std::is_same_v<T, bool>) return TRESTLE_PARAM_BOOL;
  else if constexpr (std::is_same_v<T, int64_t> || std::is_same_v<T, int>) return TRESTLE_PARAM_INT;
  else if constexpr (std::is_same_v<T, double>) return TRESTLE_PARAM_DOUBLE;
  else if constexpr (std::is_same_v<T, std::string>) return TRESTLE_PARAM_STRING;
  else if constexpr (std::is_same_v<T, StringList>) return TRESTLE_PARAM_STRING_LIST;
  else if constexpr (std::is_same_v<T, DoubleList>) return TRESTLE_PARAM_DOUBLE_LIST;
  else if constexpr (std::is_same_v<T, StringMap>) return TRESTLE_PARAM_STRING_MAP;
  else static_assert(sizeof(T) == 0, "unsupported parameter type");
}

/// Whether a default of type D may stand for a parameter of type T: the same kind of
/// value, never through a pointer, bool or narrowing conversion (a string literal for an
/// int64 parameter would be its address, "false" for a bool would be true, 2.5 for an
/// int64 would be 2).
template <typename T, typename D>
constexpr bool default_fits() {
  using V = std::remove_cv_t<std::remove_reference_t<D>>;
  if constexpr (std::is_same_v<T, bool>) return std::is_same_v<V, bool>;
  else if constexpr (std::is_same_v<T, int64_t> || std::is_same_v<T, int>)
    return std::is_integral_v<V> && !std::is_same_v<V, bool> && !std::is_same_v<V, char>;
  else if constexpr (std::is_same_v<T, double>)
    return std::is_arithmetic_v<V> && !std::is_same_v<V, bool> && !std::is_same_v<V, char>;
  else if constexpr (std::is_same_v<T, std::string>)
    return std::is_convertible_v<V, std::string> && !std::is_arithmetic_v<V>;
  else return std::is_same_v<V, T>;
}

inline std::string json_quote(const std::string& s) {
  std::string o = "\"";
  for (char ch : s) {
    switch (ch) {
      case '"': o += "\\\""; break;
      case '\\': o += "\\\\"; break;
      case '\n': o += "\\n"; break;
      case '\t': o += "\\t"; break;
      case '\r': o += "\\r"; break;
      default:
        if (static_cast<unsigned char>(ch) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", ch);
          o += buf;
        } else {
          o += ch;
        }
    }
  }
  return o + "\"";
}

inline std::string json_number(double d) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", d);
  return buf;
}

/// JSON text of an option value (used for defaults in the ABI tables).
inline std::string to_json(const OptionValue& v) {
  struct V {
    std::string operator()(bool b) const { return b ? "true" : "false"; }
    std::string operator()(int64_t i) const { return std::to_string(i); }
    std::string operator()(double d) const { return json_number(d); }
    std::string operator()(const std::string& s) const { return json_quote(s); }
    std::string operator()(const StringList& l) const {
      std::string o = "[";
      for (size_t i = 0; i < l.size(); ++i) {
        if (i) o += ',';
        o += json_quote(l[i]);
      }
      return o + "]";
    }
    std::string operator()(const DoubleList& l) const {
      std::string o = "[";
      for (size_t i = 0; i < l.size(); ++i) {
        if (i) o += ',';
        o += json_number(l[i]);
      }
      return o + "]";
    }
    std::string operator()(const StringMap& m) const {
      std::string o = "{";
      bool first = true;
      for (const auto& [k, vs] : m) {
        if (!first) o += ',';
        o += json_quote(k);
        o += ':';
        o += (*this)(vs);
        first = false;
      }
      return o + "}";
    }
  };
  return std::visit(V{}, v);
}
}  // namespace detail

class OperatorSpec {
 public:
  OperatorSpec(std::string name, std::string doc) : name_(std::move(name)), doc_(std::move(doc)) {}

  /// Declares a parameter without a default (give it one, or mark it required()).
  template <typename T>
  OperatorSpec& param(const std::string& name, const std::string& doc) {
    ParamDecl p;
    p.name = name;
    p.doc = doc;
    p.type = detail::param_type_of<T>();
    params_.push_back(std::move(p));
    return *this;
  }
  /// Declares a parameter with a default value, which must be of the parameter's kind
  /// (detail::default_fits): `param<int64_t>("rows", "...", "5")` does not compile.
  template <typename T, typename D>
  OperatorSpec& param(const std::string& name, const std::string& doc, D default_value) {
    static_assert(detail::default_fits<T, D>(),
                  "the default value's type does not match the parameter's type: give a bool for bool, an integer for "
                  "int64_t, a number for double, text for std::string, and the list or map type itself for lists and "
                  "maps");
    param<T>(name, doc);
    if constexpr (std::is_same_v<T, int>) params_.back().default_value = OptionValue(static_cast<int64_t>(default_value));
    else params_.back().default_value = OptionValue(T(std::move(default_value)));
    return *this;
  }
  OperatorSpec& required() { return last().required = true, *this; }
  OperatorSpec& secret() { return last().secret = true, *this; }
  /// The last (string) parameter names a file the operator creates or replaces: the
  /// host refuses two nodes writing one file and cleans up after dead runs.
  OperatorSpec& output_path() { return last().output_path = true, *this; }
  OperatorSpec& input_path() { return last().input_path = true, *this; }
  /// Inclusive bounds of a number, or of a list's length.
  OperatorSpec& range(double lo, double hi) { return last().min = lo, last().max = hi, *this; }
  OperatorSpec& min(double lo) { return last().min = lo, *this; }
  OperatorSpec& max(double hi) { return last().max = hi, *this; }
  OperatorSpec& one_of(std::vector<std::string> values) { return last().enum_values = std::move(values), *this; }

  OperatorSpec& serial() { return threading_ = TRESTLE_THREADING_SERIAL, *this; }
  OperatorSpec& reentrant() { return threading_ = TRESTLE_THREADING_REENTRANT, *this; }
  OperatorSpec& per_worker() { return threading_ = TRESTLE_THREADING_PER_WORKER, *this; }
  /// Sinks: wants batches in source order.
  OperatorSpec& ordered_input() { return flags_ |= TRESTLE_OP_ORDERED_INPUT, *this; }
  /// Transforms: absorbs its input (process() returns no rows) and emits its result
  /// from Transform::finish() once all input went through (ABI 1.3). The host runs it
  /// as one serial instance, so that one instance sees every row.
  OperatorSpec& aggregating() { return flags_ |= TRESTLE_OP_AGGREGATE, *this; }
  /// What input the operator requires, and what it outputs, for `plugins inspect`.
  OperatorSpec& input_doc(std::string s) { return input_doc_ = std::move(s), *this; }
  OperatorSpec& output_doc(std::string s) { return output_doc_ = std::move(s), *this; }

  const std::string& name() const { return name_; }
  const std::string& doc() const { return doc_; }
  const std::vector<ParamDecl>& params() const { return params_; }
  int32_t threading() const { return threading_; }
  int32_t flags() const { return flags_; }
  const std::string& input_doc() const { return input_doc_; }
  const std::string& output_doc() const { return output_doc_; }

 private:
  ParamDecl& last() {
    if (params_.empty()) throw InvalidArgument("operator \"" + name_ + "\": a parameter modifier comes before any param<>()");
    return params_.back();
  }

  std::string name_, doc_;
  std::vector<ParamDecl> params_;
  int32_t threading_ = TRESTLE_THREADING_SERIAL;
  int32_t flags_ = 0;
  std::string input_doc_, output_doc_;
};

}  // namespace trestle
