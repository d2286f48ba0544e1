#pragma once
/// The whole check of a pipeline file: load (YAML/JSON/pbtxt, interpolation, --set),
/// structure, then every node's options, reporting all problems of all stages at once.
/// This is what `trestle validate` and `trestle run` call before building a graph.

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "config/diagnostic.h"
#include "config/loader.h"
#include "plugin/operator_info.h"

namespace trestle::core {

/// A pipeline that passed every check. Plain value; owns everything.
struct ValidatedPipeline {
  LoadedPipeline loaded;
  /// Validated options per node, same order as loaded.pipeline.nodes().
  std::vector<OptionValues> options;
  /// Validated options of each node's shadow model (empty for nodes without one).
  std::vector<OptionValues> shadow_options;
};

/// Loads with options.continue_on_error forced on, so that one run reports load,
/// structure and option problems together, sorted by line. On any problem returns
/// INVALID_ARGUMENT (first diagnostic, "(and N more)") and `diags` (may be null) holds
/// them all.
Result<ValidatedPipeline> ValidatePipelineFile(const std::string& path, const LoadOptions& options,
                                               const OperatorCatalog& catalog, Diagnostics* diags);

/// Same from text (for tests and stdin); `display_name` is the file in diagnostics.
Result<ValidatedPipeline> ValidatePipelineText(std::string_view text, Format format,
                                               const std::string& display_name,
                                               const LoadOptions& options,
                                               const OperatorCatalog& catalog, Diagnostics* diags);

}  // namespace trestle::core
