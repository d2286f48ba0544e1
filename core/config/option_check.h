#pragma once
/// Checking one node's options against its operator's declared parameters: unknown and
/// missing keys, type conversion, ranges, enums, defaults. Also the redacted JSON of a
/// node's options for reports and logs. Values of secret parameters never appear in
/// any message or output here.

#include <string>

#include "common/status.h"
#include "config/diagnostic.h"
#include "config/loader.h"
#include "plugin/operator_info.h"
#include "proto/pipeline.pb.h"

namespace trestle::core {

/// Validates `loaded.pipeline.nodes(node_index).options` against `op` and converts them:
///   bool: true/false (or the strings "true"/"false");
///   int: integral numbers, or strings holding one ("42", "1e3");
///   double: numbers, or strings holding one;
///   string: strings, and numbers/bools as their source text (`2` -> "2", `1.10` -> "1.10");
///   list<string> / list<double>: a list of such scalars, or one scalar as a list of one;
///   map<string, list<string>>: a mapping whose values are scalars or lists of scalars.
/// Then min/max (element count for lists and maps) and enum values (did you mean), and
/// defaults from ParamInfo::default_json for absent parameters. The result is in the
/// operator's parameter order; an absent optional parameter without default is left out.
/// Every problem is added to `diags` (may be null) at the value's line and column, and
/// makes the result INVALID_ARGUMENT. An option at a path `diags` already mentions (e.g.
/// an unset variable) is not reported again but still fails the node.
Result<OptionValues> CheckOptions(const LoadedPipeline& loaded, int node_index,
                                  const OperatorInfo& op, Diagnostics* diags);

/// The same for the options of the node's shadow model (`serving.shadow.options`).
Result<OptionValues> CheckShadowOptions(const LoadedPipeline& loaded, int node_index, const OperatorInfo& op,
                                        Diagnostics* diags);

/// The node's options as compact JSON with sorted keys, the value of every secret
/// parameter replaced by "<secret>" (also of unknown keys that look like a misspelt
/// secret parameter name). Numbers with an integral value print as integers.
std::string RedactedOptionsJson(const config::Node& node, const OperatorInfo& op);
std::string RedactedOptionsJson(const google::protobuf::Struct& options, const OperatorInfo& op);

}  // namespace trestle::core
