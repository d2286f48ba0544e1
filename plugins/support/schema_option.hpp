#pragma once
// The `schema` option that sources share (csv_source, jsonl_source, sqlite_source,
// postgres_source): column name -> [type name], declaring or overriding column types.

#include <map>
#include <string>

#include <trestle/options.hpp>
#include <trestle/types.hpp>

namespace trestle_support {

/// Reads the `schema` option (absent: empty). Throws trestle::InvalidArgument naming the
/// column for a type it does not know or a list that is not exactly one type.
std::map<std::string, trestle::Type> parse_schema_option(const trestle::Options& o);

}  // namespace trestle_support
