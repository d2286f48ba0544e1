#include "schema_option.hpp"

#include <trestle/error.hpp>

namespace trestle_support {

std::map<std::string, trestle::Type> parse_schema_option(const trestle::Options& o) {
  std::map<std::string, trestle::Type> out;
  if (!o.has("schema")) return out;
  for (const auto& [name, types] : o.get<trestle::StringMap>("schema")) {
    if (types.size() != 1)
      throw trestle::InvalidArgument("option \"schema\": column \"" + name + "\" needs exactly one type, got " +
                                     std::to_string(types.size()) + " (e.g. " + name + ": [int64])");
    trestle::Type t;
    if (!trestle::type_from_name(types[0], &t))
      throw trestle::InvalidArgument("option \"schema\": column \"" + name + "\" has unknown type \"" + types[0] +
                                     "\" (known: bool, int32, int64, float32, float64, utf8, timestamp)");
    out[name] = t;
  }
  return out;
}

}  // namespace trestle_support
