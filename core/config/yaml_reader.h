#pragma once
/// YAML and JSON into a config::Pipeline, field by field through protobuf reflection,
/// from the DocTree that text_parse.h builds (YAML with yaml-cpp, JSON strictly with
/// nlohmann::json; both with line/column marks). Internal to core/config.

#include <string>
#include <string_view>

#include "config/reader_context.h"
#include "proto/pipeline.pb.h"

namespace trestle::core {

/// Reads one YAML or JSON document. Field-level problems (unknown keys, wrong types,
/// unset variables, duplicate keys) go to ctx.diags and the field is left unset; returns
/// false only when nothing could be read (syntax error, empty file, not a mapping, a
/// limit of limits.h exceeded).
bool ReadYamlPipeline(std::string_view text, bool json, const ReaderContext& ctx,
                      config::Pipeline* out);

/// Reads a --set value (a YAML scalar, flow sequence or flow mapping) into `out`,
/// recording locations under `path`. An empty text is the empty string.
bool ReadYamlValue(std::string_view text, const ReaderContext& ctx, const std::string& path,
                   google::protobuf::Value* out);

}  // namespace trestle::core
