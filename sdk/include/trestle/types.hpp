#pragma once
/// Column types of ABI 1 and their Arrow format strings.

#include <cstring>
#include <string>

namespace trestle {

enum class Type { Bool, Int32, Int64, Float32, Float64, Utf8, TimestampUs };

/// Arrow C Data Interface format string of a type ("g" for float64...).
inline const char* arrow_format(Type t) {
  switch (t) {
    case Type::Bool: return "b";
    case Type::Int32: return "i";
    case Type::Int64: return "l";
    case Type::Float32: return "f";
    case Type::Float64: return "g";
    case Type::Utf8: return "u";
    case Type::TimestampUs: return "tsu:";
  }
  return "";
}

/// Parses an ABI 1 format string; false for anything else.
inline bool type_from_arrow_format(const char* f, Type* out) {
  static const Type all[] = {Type::Bool,    Type::Int32, Type::Int64,      Type::Float32,
                             Type::Float64, Type::Utf8,  Type::TimestampUs};
  if (f == nullptr) return false;
  for (Type t : all) {
    if (std::strcmp(f, arrow_format(t)) == 0) {
      *out = t;
      return true;
    }
  }
  return false;
}

/// "bool", "int32", "int64", "float32", "float64", "utf8", "timestamp[us]".
inline const char* type_name(Type t) {
  switch (t) {
    case Type::Bool: return "bool";
    case Type::Int32: return "int32";
    case Type::Int64: return "int64";
    case Type::Float32: return "float32";
    case Type::Float64: return "float64";
    case Type::Utf8: return "utf8";
    case Type::TimestampUs: return "timestamp[us]";
  }
  return "?";
}

/// Inverse of type_name; also accepts "string", "double", "float", "int", "timestamp".
inline bool type_from_name(const std::string& n, Type* out) {
  struct Alias { const char* name; Type type; };
  static const Alias aliases[] = {
      {"bool", Type::Bool},           {"boolean", Type::Bool},      {"int32", Type::Int32},
      {"int64", Type::Int64},         {"int", Type::Int64},         {"float32", Type::Float32},
      {"float", Type::Float32},       {"float64", Type::Float64},   {"double", Type::Float64},
      {"utf8", Type::Utf8},           {"string", Type::Utf8},       {"timestamp[us]", Type::TimestampUs},
      {"timestamp", Type::TimestampUs}};
  for (const auto& a : aliases) {
    if (n == a.name) {
      *out = a.type;
      return true;
    }
  }
  return false;
}

/// True for the types whose values read as a number (bool counts as 0/1).
inline bool is_numeric(Type t) { return t != Type::Utf8; }

}  // namespace trestle
