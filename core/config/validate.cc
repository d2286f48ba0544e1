#include "config/validate.h"

#include "config/option_check.h"
#include "config/structure_check.h"

namespace trestle::core {
namespace {

template <typename LoadFn>
Result<ValidatedPipeline> Validate(LoadFn load, const LoadOptions& options,
                                   const OperatorCatalog& catalog, Diagnostics* diags) {
  Diagnostics local;
  Diagnostics* out = diags != nullptr ? diags : &local;
  const size_t before = out->size();
  LoadOptions keep_going = options;
  keep_going.continue_on_error = true;
  Result<LoadedPipeline> loaded = load(keep_going, out);
  if (!loaded.ok()) return loaded.status();

  CheckStructure(*loaded, catalog, out);
  ValidatedPipeline validated;
  const config::Pipeline& pipeline = loaded->pipeline;
  for (int i = 0; i < pipeline.nodes_size(); ++i) {
    const OperatorInfo* op = catalog.Find(pipeline.nodes(i).type());
    Result<OptionValues> values =
        op != nullptr ? CheckOptions(*loaded, i, *op, out) : Result<OptionValues>(OptionValues{});
    validated.options.push_back(values.ok() ? std::move(values).value() : OptionValues{});
    const config::Shadow& shadow = pipeline.nodes(i).serving().shadow();
    const OperatorInfo* shadow_op = pipeline.nodes(i).serving().has_shadow() ? catalog.Find(shadow.type()) : nullptr;
    Result<OptionValues> shadow_values =
        shadow_op != nullptr ? CheckShadowOptions(*loaded, i, *shadow_op, out) : Result<OptionValues>(OptionValues{});
    validated.shadow_options.push_back(shadow_values.ok() ? std::move(shadow_values).value() : OptionValues{});
  }
  if (out->size() > before) {
    out->SortByLocation(before);
    return out->ToStatus(before);
  }
  validated.loaded = std::move(loaded).value();
  return validated;
}

}  // namespace

Result<ValidatedPipeline> ValidatePipelineFile(const std::string& path, const LoadOptions& options,
                                               const OperatorCatalog& catalog, Diagnostics* diags) {
  return Validate(
      [&](const LoadOptions& o, Diagnostics* d) { return LoadPipelineFile(path, o, d); }, options,
      catalog, diags);
}

Result<ValidatedPipeline> ValidatePipelineText(std::string_view text, Format format,
                                               const std::string& display_name,
                                               const LoadOptions& options,
                                               const OperatorCatalog& catalog, Diagnostics* diags) {
  return Validate(
      [&](const LoadOptions& o, Diagnostics* d) {
        return LoadPipelineText(text, format, display_name, o, d);
      },
      options, catalog, diags);
}

}  // namespace trestle::core
