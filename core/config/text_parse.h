#pragma once
/// YAML and JSON text into a DocTree, with positions. YAML goes through yaml-cpp's event
/// parser; JSON is strict RFC 8259 (nlohmann::json: no comments, trailing commas, single
/// quotes, unquoted keys, NaN or Infinity). Internal to core/config.

#include <string_view>

#include "config/doc_tree.h"

namespace trestle::core {

/// Parses every document of a YAML text and keeps the first in `out->tree`. On a syntax
/// error ("YAML syntax error: ...", a tab in the indentation named as such and located
/// at the tab) or an exceeded limit, returns false with `problem` set. `depth` as for
/// DocBuilder.
bool ParseYamlText(std::string_view text, int depth, ParsedText* out, DocProblem* problem);

/// Parses a JSON text (a UTF-8 byte order mark is skipped). On a syntax error ("JSON
/// syntax error: ...", located at the offending token) or an exceeded limit, returns
/// false with `problem` set.
bool ParseJsonText(std::string_view text, ParsedText* out, DocProblem* problem);

}  // namespace trestle::core
