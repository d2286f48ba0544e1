#pragma once
// The wording the file sources share for messages about column types and values, and
// the `schema` option (plugins/support/schema_option.hpp).

#include <map>
#include <string>
#include <string_view>

#include <trestle/options.hpp>
#include <trestle/types.hpp>

#include "schema_option.hpp"

namespace trestle_io {

using trestle_support::parse_schema_option;

/// "a bool", "an int64"...: for messages such as "\"x\" is not an int64".
std::string type_with_article(trestle::Type t);

/// `v` in double quotes for a message, cut after 200 bytes (at a UTF-8 character
/// boundary) with "..." after it.
std::string quote_excerpt(std::string_view v);

/// Why a value of column `column` is refused: `what` (e.g. "\"x\"" or "an object") is
/// not of type `t`. For an inferred type the reason says so and how to declare another.
std::string misfit_reason(const std::string& column, std::string_view what, trestle::Type t, bool inferred);

}  // namespace trestle_io
