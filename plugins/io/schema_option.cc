#include "schema_option.h"

#include <trestle/error.hpp>

namespace trestle_io {

std::map<std::string, trestle::Type> parse_schema_option(const trestle::Options& o) {
  std::map<std::string, trestle::Type> out;
  if (!o.has("schema")) return out;
  for (const auto& [name, types] : o.get<trestle::StringMap>("schema")) {
    if (types.size() != 1)
      throw trestle::InvalidArgument("option \"schema\": column \"" + name + "\" must have exactly one type, got " +
                                     std::to_string(types.size()));
    trestle::Type t;
    if (!trestle::type_from_name(types[0], &t))
      throw trestle::InvalidArgument("option \"schema\": column \"" + name + "\" has unknown type \"" + types[0] +
                                     "\" (known: bool, int32, int64, float32, float64, utf8, timestamp)");
    out[name] = t;
  }
  return out;
}

std::string type_with_article(trestle::Type t) {
  switch (t) {
    case trestle::Type::Bool: return "a bool";
    case trestle::Type::Int32: return "an int32";
    case trestle::Type::Int64: return "an int64";
    case trestle::Type::Float32: return "a float32";
    case trestle::Type::Float64: return "a float64";
    case trestle::Type::Utf8: return "a utf8 string";
    case trestle::Type::TimestampUs: return "a timestamp";
  }
  return "a value";
}

}  // namespace trestle_io
