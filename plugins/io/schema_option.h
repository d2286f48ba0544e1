#pragma once
// The `schema` option of the sources: column name -> [type name].

#include <map>
#include <string>

#include <trestle/options.hpp>
#include <trestle/types.hpp>

namespace trestle_io {

/// Reads the `schema` option (absent: empty). Throws InvalidArgument naming the column
/// for a type it does not know or a list that is not exactly one type.
std::map<std::string, trestle::Type> parse_schema_option(const trestle::Options& o);

/// "a bool", "an int64"...: for messages such as "\"x\" is not an int64".
std::string type_with_article(trestle::Type t);

}  // namespace trestle_io
