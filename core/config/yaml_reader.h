#pragma once
/// YAML and JSON (read with yaml-cpp, which gives line/column marks) into a
/// config::Pipeline, field by field through protobuf reflection. Internal to core/config.

#include <string>
#include <string_view>

#include "config/reader_context.h"
#include "proto/pipeline.pb.h"

namespace trestle::core {

/// Reads one YAML or JSON document. Field-level problems (unknown keys, wrong types,
/// unset variables) go to ctx.diags and the field is left unset; returns false only
/// when nothing could be read (syntax error, empty file, not a mapping).
bool ReadYamlPipeline(std::string_view text, bool json, const ReaderContext& ctx,
                      config::Pipeline* out);

/// Reads a --set value (a YAML scalar, flow sequence or flow mapping) into `out`,
/// recording locations under `path`. An empty text is the empty string.
bool ReadYamlValue(std::string_view text, const ReaderContext& ctx, const std::string& path,
                   google::protobuf::Value* out);

}  // namespace trestle::core
