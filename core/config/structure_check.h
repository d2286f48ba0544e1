#pragma once
/// Structural checks of a loaded pipeline against the operator catalog: names, types,
/// inputs and graph shape (no cycles, roles wired sensibly), error policy and numeric
/// ranges. Option values are option_check.h's job.

#include "config/diagnostic.h"
#include "config/loader.h"
#include "plugin/operator_info.h"

namespace trestle::core {

/// Adds one located diagnostic per problem to `diags` (all of them, not just the
/// first); adds nothing for a sound pipeline. A problem at a path `diags` already
/// mentions is not reported again. Borrows its arguments for the call only.
void CheckStructure(const LoadedPipeline& loaded, const OperatorCatalog& catalog,
                    Diagnostics* diags);

}  // namespace trestle::core
