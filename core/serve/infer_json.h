#pragma once
/// Internal to the infer codec (infer_request.cc, infer_values.cc): reading a request body
/// into a DOM under the depth limit, and wording refusals that name a field by its JSON
/// path. Not part of the serve API; everything lives in trestle::core::infer.

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/status.h"

namespace trestle::core::infer {

using Json = nlohmann::json;

/// Parses a request body. INVALID_ARGUMENT "nested deeper than 64 levels" (checked by a
/// scan before parsing, so code walking the DOM may recurse), or "malformed JSON at byte
/// N: <parser's reason>".
Result<Json> ParseBody(std::string_view body);

/// Compact JSON text; invalid UTF-8 replaced, so it is always valid.
std::string Dump(const Json& j);
/// `s` as a JSON string literal: "name".
std::string Quote(const std::string& s);
/// `base.key`, or `base["odd key"]` when the key is not an identifier; `key` at the top.
std::string Member(const std::string& base, const std::string& key);
/// `base[i]`.
std::string Index(const std::string& base, size_t i);
/// A value as shown after "got": short, never the whole of a large array or string.
std::string Describe(const Json& v);

/// INVALID_ARGUMENT "path: what" ("what" alone for the empty path).
Status Refuse(const std::string& path, const std::string& what);
/// INVALID_ARGUMENT "path: expected <what>, got <Describe(got)>".
Status Expected(const std::string& path, const std::string& what, const Json& got);

}  // namespace trestle::core::infer
