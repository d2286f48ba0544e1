#pragma once
/// Protobuf text format (.pbtxt/.textproto/.txtpb) into a config::Pipeline, with the
/// line and column of every field from a ParseInfoTree. Internal to core/config.

#include <string_view>

#include "config/reader_context.h"
#include "proto/pipeline.pb.h"

namespace trestle::core {

/// Parses `text`; string fields are then interpolated. Returns false when the text does
/// not parse (the parser stops at its first error) or is empty; interpolation problems
/// go to ctx.diags with the field left unset (a list element empty, an option null).
bool ReadTextprotoPipeline(std::string_view text, const ReaderContext& ctx, config::Pipeline* out);

}  // namespace trestle::core
