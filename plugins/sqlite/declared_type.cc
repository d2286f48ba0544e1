#include "declared_type.h"

#include <cctype>

namespace trestle_sqlite {
namespace {

bool contains(const std::string& upper, const char* word) { return upper.find(word) != std::string::npos; }

}  // namespace

DeclaredKind declared_kind(std::string_view declared) {
  std::string u;
  for (char c : declared) u += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (contains(u, "INT")) return DeclaredKind::Integer;
  if (contains(u, "CHAR") || contains(u, "CLOB") || contains(u, "TEXT")) return DeclaredKind::Text;
  if (contains(u, "BLOB")) return DeclaredKind::Blob;
  if (u.find_first_not_of(" \t\r\n") == std::string::npos) return DeclaredKind::Untyped;
  if (contains(u, "REAL") || contains(u, "FLOA") || contains(u, "DOUB")) return DeclaredKind::Real;
  if (contains(u, "BOOL")) return DeclaredKind::Bool;
  if (contains(u, "DATE") || contains(u, "TIME")) return DeclaredKind::Timestamp;
  return DeclaredKind::Numeric;
}

std::optional<trestle::Type> type_for_declared(std::string_view declared) {
  switch (declared_kind(declared)) {
    case DeclaredKind::Integer: return trestle::Type::Int64;
    case DeclaredKind::Text: return trestle::Type::Utf8;
    case DeclaredKind::Real:
    case DeclaredKind::Numeric: return trestle::Type::Float64;
    case DeclaredKind::Bool: return trestle::Type::Bool;
    case DeclaredKind::Timestamp: return trestle::Type::TimestampUs;
    case DeclaredKind::Blob:
    case DeclaredKind::Untyped: return std::nullopt;
  }
  return std::nullopt;
}

bool holds(std::string_view declared, trestle::Type t) {
  const DeclaredKind k = declared_kind(declared);
  if (k == DeclaredKind::Untyped) return true;
  switch (t) {
    case trestle::Type::Int32:
    case trestle::Type::Int64:
      return k == DeclaredKind::Integer || k == DeclaredKind::Real || k == DeclaredKind::Numeric;
    case trestle::Type::Float32:
    case trestle::Type::Float64: return k == DeclaredKind::Real || k == DeclaredKind::Numeric;
    case trestle::Type::Bool:
      return k == DeclaredKind::Bool || k == DeclaredKind::Integer || k == DeclaredKind::Numeric;
    case trestle::Type::Utf8:
    case trestle::Type::TimestampUs: return k == DeclaredKind::Text || k == DeclaredKind::Timestamp;
  }
  return false;
}

std::string declared_types_for(trestle::Type t) {
  switch (t) {
    case trestle::Type::Int32:
    case trestle::Type::Int64: return "INTEGER, REAL or NUMERIC columns";
    case trestle::Type::Float32:
    case trestle::Type::Float64: return "REAL or NUMERIC columns";
    case trestle::Type::Bool: return "BOOLEAN, INTEGER or NUMERIC columns";
    case trestle::Type::Utf8:
    case trestle::Type::TimestampUs: return "TEXT (CHAR, CLOB) or DATE/TIME columns";
  }
  return "";
}

const char* declared_type_to_create(trestle::Type t) {
  switch (t) {
    case trestle::Type::Int32:
    case trestle::Type::Int64: return "INTEGER";
    case trestle::Type::Float32:
    case trestle::Type::Float64: return "REAL";
    case trestle::Type::Bool: return "BOOLEAN";
    case trestle::Type::Utf8: return "TEXT";
    case trestle::Type::TimestampUs: return "TIMESTAMP";
  }
  return "";
}

const char* affinity_keyword(std::string_view declared) {
  switch (declared_kind(declared)) {
    case DeclaredKind::Integer: return "INTEGER";
    case DeclaredKind::Text: return "TEXT";
    case DeclaredKind::Blob:
    case DeclaredKind::Untyped: return "";
    case DeclaredKind::Real: return "REAL";
    case DeclaredKind::Bool:
    case DeclaredKind::Timestamp:
    case DeclaredKind::Numeric: return "NUMERIC";
  }
  return "";
}

}  // namespace trestle_sqlite
