#pragma once
/// --set overrides: "NODE.OPTION=VALUE" or "NODE.OPTION.SUB=VALUE" replaces (or adds) one
/// option of one node after the file is read. Internal to core/config; used by loader.

#include <string>
#include <vector>

#include "config/diagnostic.h"
#include "config/source_map.h"
#include "proto/pipeline.pb.h"

namespace trestle::core {

/// Applies `overrides` in order. VALUE is read as YAML (scalar, [flow, list] or
/// {flow: map}), never interpolated. NODE is the longest node name that prefixes the
/// left side followed by '.', so node names may contain dots. Locations of the values
/// are recorded with origin "--set NODE.OPTION" (the value itself is never echoed, as
/// it may be a secret). Problems go to `diags`.
void ApplyOverrides(const std::vector<std::string>& overrides, config::Pipeline* pipeline,
                    SourceMap* locations, std::vector<Diagnostic>* diags);

}  // namespace trestle::core
