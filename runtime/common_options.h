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
#include "shard.h"

namespace trestle::cli {

struct CommonOptions {
  std::vector<std::string> plugin_path;
  bool allow_insecure_plugins = false;
  std::vector<std::string> overrides;
  std::string date;  ///< --date, as given
  std::string shard_text;    ///< --shard, as given
  bool shard_given = false;  ///< --shard was given (also as --shard= with no value)
  /// The shard this run is (--shard, else TRESTLE_SHARD, else 0/1); set by
  /// ResolveRunVariables().
  Shard shard;
  /// Variables for ${...} in the pipeline file that come before the environment's
  /// (the run date's, run_date.h, and the shard's, shard.h); filled by
  /// ResolveRunVariables().
  std::map<std::string, std::string> variables;

  /// Adds --plugin-path and --allow-insecure-plugins.
  void AddPluginOptions(boost::program_options::options_description& d);
  /// Adds --set, --date and --shard.
  void AddPipelineOptions(boost::program_options::options_description& d);
  /// Checks --date and --shard (or TRESTLE_SHARD when --shard is not given) and defines
  /// their variables. Prints the problem and returns false for a date or shard that is
  /// not one. A sharded run (N > 1) also sets TRESTLE_SHARD=I/N in this process's
  /// environment, where operators that cannot see the run otherwise read it (the
  /// postgres_sink's lock key).
  bool ResolveRunVariables(std::ostream& err);
  /// ${...} lookups: `variables` first, then the process environment.
  core::Getenv Environment() const;
  /// The operators of every library on the plugin path. Libraries the plugin
  /// descriptor cache describes are loaded only when one of their operators is resolved
  /// (TRESTLE_PLUGIN_CACHE: the cache file, or "off"; see docs/ops-guide.md).
  core::PluginRegistry LoadRegistry() const;
};

/// Where plugins were looked for: each directory LoadRegistry() scanned, in order, with
/// the libraries found and refused there, or why none was scanned.
void ExplainPluginSearch(const CommonOptions& common, const core::PluginRegistry& registry, std::ostream& err);

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

/// For a sharded run (common.shard.count > 1): whether some source of `file` reads a
/// share of the input, i.e. has options that differ between this shard and another
/// (they use ${SHARD_INDEX}). INVALID_ARGUMENT naming the pipeline and its sources when
/// none does: every shard would read all of its input and the output would be
/// multiplied. OK for an unsharded run, and when the file does not load (validation
/// reports that).
core::Status CheckShardedSources(const std::string& file, const CommonOptions& common,
                                 const core::PluginRegistry& registry, const std::string& pipeline);

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
