#pragma once
/// Options: an operator's validated parameter values, read by name and type. The host
/// has already checked them against the operator's spec (types, required, ranges,
/// enums) and filled defaults, so get<T>() fails only on a programming error.

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "trestle/c/abi.h"
#include "trestle/error.hpp"

namespace trestle {

using StringList = std::vector<std::string>;
using DoubleList = std::vector<double>;
using StringMap = std::map<std::string, std::vector<std::string>>;
using OptionValue = std::variant<bool, int64_t, double, std::string, StringList, DoubleList, StringMap>;

class Options {
 public:
  Options() = default;

  bool has(const std::string& name) const { return values_.count(name) != 0; }

  /// The value of `name` as T: bool, int64_t (or int), double, std::string,
  /// StringList, DoubleList or StringMap. Throws InvalidArgument naming the option when
  /// it has no value or another type (an int64 reads as double too).
  template <typename T>
  T get(const std::string& name) const {
    auto it = values_.find(name);
    if (it == values_.end()) throw InvalidArgument("option \"" + name + "\" has no value");
    if constexpr (std::is_same_v<T, int>) {
      return static_cast<int>(get<int64_t>(name));
    } else if constexpr (std::is_same_v<T, double>) {
      if (auto* i = std::get_if<int64_t>(&it->second)) return static_cast<double>(*i);
      if (auto* d = std::get_if<double>(&it->second)) return *d;
      throw InvalidArgument("option \"" + name + "\" is not a number");
    } else {
      if (auto* v = std::get_if<T>(&it->second)) return *v;
      throw InvalidArgument("option \"" + name + "\" has another type than the one asked for");
    }
  }
  /// get<T>(name) when set, else `fallback`.
  template <typename T>
  T get_or(const std::string& name, T fallback) const {
    return has(name) ? get<T>(name) : fallback;
  }
  /// A text fallback: only for std::string options (for a bool one, "false" would be a
  /// pointer, and true).
  template <typename T, size_t N, std::enable_if_t<!std::is_class_v<T> || std::is_same_v<T, std::string>, int> = 0>
  T get_or(const std::string& name, const char (&fallback)[N]) const {
    static_assert(std::is_same_v<T, std::string>, "a text fallback for an option that is not a std::string");
    return has(name) ? get<T>(name) : T(fallback);
  }
  /// A floating-point fallback for an integer option would be truncated: refused.
  template <typename T, typename F, std::enable_if_t<std::is_floating_point_v<F> && std::is_integral_v<T>, int> = 0>
  T get_or(const std::string& name, F fallback) const = delete;

  Options& set(const std::string& name, OptionValue v) {
    values_[name] = std::move(v);
    return *this;
  }
  const std::map<std::string, OptionValue>& values() const { return values_; }

  /// Reads the host's option table (borrowed for the call).
  static Options from_abi(const TrestleOptions* in) {
    Options o;
    if (in == nullptr) return o;
    for (size_t i = 0; i < in->num_values; ++i) {
      const TrestleOptionValue* v = in->values[i];
      std::string name = v->name;
      switch (v->type) {
        case TRESTLE_PARAM_BOOL: o.set(name, v->boolean != 0); break;
        case TRESTLE_PARAM_INT: o.set(name, static_cast<int64_t>(v->integer)); break;
        case TRESTLE_PARAM_DOUBLE: o.set(name, v->number); break;
        case TRESTLE_PARAM_STRING: o.set(name, std::string(v->string ? v->string : "")); break;
        case TRESTLE_PARAM_STRING_LIST: o.set(name, StringList(v->strings, v->strings + v->num_strings)); break;
        case TRESTLE_PARAM_DOUBLE_LIST: o.set(name, DoubleList(v->numbers, v->numbers + v->num_numbers)); break;
        case TRESTLE_PARAM_STRING_MAP: {
          StringMap m;
          for (size_t k = 0; k < v->num_strings; ++k)
            m[v->strings[k]] = StringList(v->map_values[k], v->map_values[k] + v->map_counts[k]);
          o.set(name, std::move(m));
          break;
        }
        default: throw InvalidArgument("option \"" + name + "\" has an unknown type code");
      }
    }
    return o;
  }

 private:
  std::map<std::string, OptionValue> values_;
};

/// Lays out Options as the C option table. Owns every string and array the table
/// points to; the table is valid while this object lives and is not modified.
class OptionsTable {
 public:
  explicit OptionsTable(const Options& o) {
    for (const auto& [name, value] : o.values()) entries_.push_back(Entry::make(name, value));
    for (auto& e : entries_) e.bind(), ptrs_.push_back(&e.c);
    table_.struct_size = sizeof(TrestleOptions);
    table_.values = ptrs_.data();
    table_.num_values = ptrs_.size();
  }
  OptionsTable(const OptionsTable&) = delete;
  OptionsTable& operator=(const OptionsTable&) = delete;
  const TrestleOptions* get() const { return &table_; }

 private:
  struct Entry {
    TrestleOptionValue c{};
    std::string name, str;
    std::vector<std::string> strings;
    std::vector<const char*> string_ptrs;
    std::vector<double> numbers;
    std::vector<std::vector<const char*>> map_items;
    std::vector<const char* const*> map_ptrs;
    std::vector<size_t> map_counts;
    std::vector<std::vector<std::string>> map_strings;

    static Entry make(const std::string& name, const OptionValue& v) {
      Entry e;
      e.name = name;
      e.c.struct_size = sizeof(TrestleOptionValue);
      std::visit([&e](const auto& x) { e.assign(x); }, v);
      return e;
    }
    void assign(bool b) { c.type = TRESTLE_PARAM_BOOL; c.boolean = b; }
    void assign(int64_t i) { c.type = TRESTLE_PARAM_INT; c.integer = i; }
    void assign(double d) { c.type = TRESTLE_PARAM_DOUBLE; c.number = d; }
    void assign(const std::string& s) { c.type = TRESTLE_PARAM_STRING; str = s; }
    void assign(const StringList& l) { c.type = TRESTLE_PARAM_STRING_LIST; strings = l; }
    void assign(const DoubleList& l) { c.type = TRESTLE_PARAM_DOUBLE_LIST; numbers = l; }
    void assign(const StringMap& m) {
      c.type = TRESTLE_PARAM_STRING_MAP;
      for (const auto& [k, vs] : m) strings.push_back(k), map_strings.push_back(vs);
    }
    // Pointers are taken only once the entry sits at its final address.
    void bind() {
      c.name = name.c_str();
      c.string = str.c_str();
      for (const auto& s : strings) string_ptrs.push_back(s.c_str());
      c.strings = string_ptrs.data();
      c.num_strings = string_ptrs.size();
      c.numbers = numbers.data();
      c.num_numbers = numbers.size();
      for (const auto& vs : map_strings) {
        map_items.emplace_back();
        for (const auto& s : vs) map_items.back().push_back(s.c_str());
        map_counts.push_back(vs.size());
      }
      for (const auto& items : map_items) map_ptrs.push_back(items.data());
      c.map_values = map_ptrs.data();
      c.map_counts = map_counts.data();
    }
  };
  std::vector<Entry> entries_;
  std::vector<const TrestleOptionValue*> ptrs_;
  TrestleOptions table_{};
};

}  // namespace trestle
