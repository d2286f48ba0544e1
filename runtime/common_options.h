#pragma once
/// Options every subcommand that touches plugins or pipeline files shares, and the
/// helpers that turn them into a plugin registry and a validated pipeline.

#include <iosfwd>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/program_options.hpp>

#include "config/validate.h"
#include "graph/plan.h"
#include "graph/plan_control.h"
#include "graph/planner.h"
#include "plugin/registry.h"

namespace trestle::cli {

struct CommonOptions {
  std::vector<std::string> plugin_path;
  bool allow_insecure_plugins = false;
  std::vector<std::string> overrides;
  std::string date;  ///< --date, as given
  /// Variables for ${...} in the pipeline file that come before the environment's
  /// (the run date's, run_date.h); filled by ResolveDate().
  std::map<std::string, std::string> variables;

  /// Adds --plugin-path and --allow-insecure-plugins.
  void AddPluginOptions(boost::program_options::options_description& d);
  /// Adds --set and --date.
  void AddPipelineOptions(boost::program_options::options_description& d);
  /// Checks --date and defines its variables. Prints the problem and returns false for
  /// a date that is not one.
  bool ResolveDate(std::ostream& err);
  /// ${...} lookups: `variables` first, then the process environment.
  core::Getenv Environment() const;
  core::PluginRegistry LoadRegistry() const;
};

/// Validates `file` against `registry`, printing every diagnostic to `err`. Notes
/// refused plugin libraries when an operator is unknown.
std::optional<core::ValidatedPipeline> ValidateOrReport(const std::string& file, const CommonOptions& common,
                                                        const core::PluginRegistry& registry, std::ostream& err);

/// Validates `file` and builds its plan (creating and opening every operator, which
/// checks the schemas through the graph). Prints every problem to `err` and returns
/// null when the pipeline is invalid. `pipeline`, when given, receives the pipeline as
/// written (its execution and serve sections, say).
/// Operators' create/open calls are bounded by execution.open_timeout_s (and, with
/// `control`, may be interrupted through it; see runtime/open_watchdog.h).
std::unique_ptr<core::Plan> PlanOrReport(const std::string& file, const CommonOptions& common,
                                         const core::PluginRegistry& registry, std::ostream& err,
                                         config::Pipeline* pipeline = nullptr, core::PlanControl* control = nullptr,
                                         const std::vector<core::HostFile>& host_files = {});

/// Whether a command may write `path` for its option `option` (e.g. "--report"): a
/// regular file or a new path (core::CheckOutputFile), and not the run store of
/// `state_dir` (runs.db and its journal files). INVALID_ARGUMENT naming both, if not.
core::Status CheckCommandOutput(const std::string& path, const std::string& option, const std::string& state_dir);

/// Parses a subcommand's arguments. Returns false (after printing the problem and the
/// usage to stderr) on a usage error; sets `help` when --help was asked for.
bool ParseArgs(const std::vector<std::string>& args, const boost::program_options::options_description& desc,
               const boost::program_options::positional_options_description& pos,
               boost::program_options::variables_map& vm, const std::string& usage, bool& help);

}  // namespace trestle::cli
