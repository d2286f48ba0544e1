#include "common_options.h"

#include <cstdlib>
#include <iostream>

#include <gflags/gflags.h>
#include <glog/logging.h>
#include <google/protobuf/util/message_differencer.h>

#include "common/output_file.h"
#include "config/loader.h"
#include "config/settings.h"
#include "graph/planner.h"
#include "open_watchdog.h"
#include "plugin/search_path.h"
#include "run_date.h"
#include "store/run_store.h"

namespace po = boost::program_options;

namespace trestle::cli {

void CommonOptions::AddPluginOptions(po::options_description& d) {
  d.add_options()("plugin-path", po::value(&plugin_path)->composing(),
                  "directory to load plugins from (repeatable; searched before TRESTLE_PLUGIN_PATH and the "
                  "install location)")(
      "allow-insecure-plugins", po::bool_switch(&allow_insecure_plugins),
      "load plugin libraries even when they or their directory are writable by others");
}

void CommonOptions::AddPipelineOptions(po::options_description& d) {
  d.add_options()("set", po::value(&overrides)->composing(),
                  "override an option: NODE.OPTION=VALUE (repeatable; VALUE is YAML, e.g. [a,b])")(
      "date", po::value(&date),
      "the date the run is for, YYYY-MM-DD: defines ${RUN_DATE}, ${RUN_DATE_NODASH}, ${RUN_DATE_PREV}, "
      "${RUN_DATE_NEXT}, ${RUN_YEAR}, ${RUN_MONTH} and ${RUN_DAY} for the pipeline file")(
      "shard", po::value(&shard_text)->notifier([this](const std::string&) { shard_given = true; }),
      "this process's share of the input, INDEX/COUNT (0 <= INDEX < COUNT, e.g. 1/3): defines ${SHARD_INDEX} and "
      "${SHARD_COUNT} for the pipeline file (0 and 1 without it); default: the environment's TRESTLE_SHARD");
}

core::Getenv CommonOptions::Environment() const {
  return [vars = variables, env = core::ProcessEnvironment()](const std::string& name) {
    auto it = vars.find(name);
    return it != vars.end() ? std::optional<std::string>(it->second) : env(name);
  };
}

bool CommonOptions::ResolveRunVariables(std::ostream& err) {
  if (!date.empty()) {
    auto parsed = ParseRunDate(date, "--date");
    if (!parsed.ok()) {
      err << "trestle: " << parsed.status().message() << "\n";
      return false;
    }
    for (auto& [k, v] : RunDateVariables(*parsed)) variables[k] = v;
    date = parsed->Text();
  }
  // --shard wins over the environment, so that a command line is what it says.
  const char* env = std::getenv("TRESTLE_SHARD");
  const bool from_flag = shard_given;
  const std::string text = from_flag ? shard_text : env != nullptr ? env : "";
  if (from_flag || !text.empty()) {
    auto parsed = ParseShard(text, from_flag ? "--shard" : "TRESTLE_SHARD");
    if (!parsed.ok()) {
      err << "trestle: " << parsed.status().message() << "\n";
      return false;
    }
    shard = *parsed;
  }
  for (auto& [k, v] : ShardVariables(shard)) variables[k] = v;
  if (shard.sharded()) ::setenv("TRESTLE_SHARD", shard.Text().c_str(), 1);
  else ::unsetenv("TRESTLE_SHARD");
  return true;
}

core::PluginRegistry CommonOptions::LoadRegistry() const {
  using core::PluginDescriptorCache;
  PluginDescriptorCache cache = PluginDescriptorCache::Open(
      PluginDescriptorCache::DefaultFile(std::getenv("TRESTLE_PLUGIN_CACHE"), std::getenv("XDG_CACHE_HOME"),
                                         std::getenv("HOME"), PluginDescriptorCache::ExecutablePath()),
      PluginDescriptorCache::ExecutableTag());
  core::PluginRegistry registry = core::PluginRegistry::Load(
      core::PluginSearchPath(plugin_path, std::getenv("TRESTLE_PLUGIN_PATH")), allow_insecure_plugins, &cache);
  if (core::Status saved = cache.Save(); !saved.ok())
    VLOG(1) << "plugin descriptor cache not saved: " << saved.message();
  return registry;
}

void ExplainPluginSearch(const CommonOptions& common, const core::PluginRegistry& registry, std::ostream& err) {
  const std::vector<std::string> dirs =
      core::PluginSearchPath(common.plugin_path, std::getenv("TRESTLE_PLUGIN_PATH"));
  if (dirs.empty()) {
    const std::string next_to_exe = core::ExecutablePluginDir();
    err << "note: no plugin directory was searched: no --plugin-path or TRESTLE_PLUGIN_PATH entry names an "
           "existing directory, and "
        << (next_to_exe.empty() ? "" : next_to_exe + " (next to the executable) and ") << core::InstallPluginDir()
        << " (the install location) do not exist\n";
  } else {
    err << "note: plugin directories searched, in order:\n";
    size_t found = 0;
    for (const std::string& dir : dirs) {
      const std::string prefix = dir.back() == '/' ? dir : dir + "/";
      auto in_dir = [&prefix](const std::string& file) {
        return file.compare(0, prefix.size(), prefix) == 0 && file.find('/', prefix.size()) == std::string::npos;
      };
      size_t found_here = 0, refused = 0;
      for (const auto& lib : registry.Libraries()) found_here += in_dir(lib.path);
      for (const auto& r : registry.Refusals()) refused += in_dir(r.path);
      found += found_here + refused;
      err << "  " << dir << ": ";
      if (found_here + refused == 0) err << "no plugin libraries";
      else err << found_here << (found_here == 1 ? " library" : " libraries");
      if (refused > 0) err << ", " << refused << " refused";
      err << "\n";
    }
    if (found == 0) err << "note: none of the searched directories holds a plugin library (*.so)\n";
  }
}

std::optional<core::ValidatedPipeline> ValidateOrReport(const std::string& file, const CommonOptions& common,
                                                        const core::PluginRegistry& registry, std::ostream& err) {
  core::LoadOptions lo;
  lo.overrides = common.overrides;
  lo.getenv = common.Environment();
  core::Diagnostics diags;
  auto v = core::ValidatePipelineFile(file, lo, registry, &diags);
  if (v.ok()) return std::move(v).value();
  err << diags.ToString();
  if (diags.empty()) err << v.status().message() << "\n";
  bool unknown_operator = false;
  for (const auto& d : diags.list()) unknown_operator |= d.message.find("unknown operator") != std::string::npos;
  if (unknown_operator) ExplainPluginSearch(common, registry, err);  // where the operator was looked for
  if (unknown_operator && !registry.Refusals().empty()) {
    err << "note: " << registry.Refusals().size() << " plugin librar"
        << (registry.Refusals().size() == 1 ? "y was" : "ies were") << " refused:\n";
    for (const auto& r : registry.Refusals()) err << "  " << r.status.message() << "\n";
  }
  err << diags.size() << " error" << (diags.size() == 1 ? "" : "s") << " in " << file << "\n";
  return std::nullopt;
}

std::unique_ptr<core::Plan> PlanOrReport(const std::string& file, const CommonOptions& common,
                                         const core::PluginRegistry& registry, std::ostream& err,
                                         config::Pipeline* pipeline, core::PlanControl* control,
                                         const std::vector<core::HostFile>& host_files) {
  auto validated = ValidateOrReport(file, common, registry, err);
  if (!validated) return nullptr;
  if (pipeline) *pipeline = validated->loaded.pipeline;
  core::PlanControl own;
  if (control == nullptr) control = &own;
  control->set_open_timeout_s(core::Effective(validated->loaded.pipeline.execution()).open_timeout_s);
  core::Diagnostics diags;
  std::optional<OpenWatchdog> watchdog;
  watchdog.emplace(control);
  auto plan = core::BuildPlan(*validated, registry, &diags, control, host_files);
  watchdog.reset();
  if (plan.ok()) return std::move(plan).value();
  if (plan.status().code() == core::Code::kCancelled) {
    err << "trestle: " << plan.status().message() << "; nothing was run\n";
    return nullptr;
  }
  err << diags.ToString() << diags.size() << " error" << (diags.size() == 1 ? "" : "s") << " in " << file << "\n";
  return nullptr;
}

core::Status CheckShardedSources(const std::string& file, const CommonOptions& common,
                                 const core::PluginRegistry& registry, const std::string& pipeline) {
  if (!common.shard.sharded()) return core::Status::Ok();
  // The file as this shard reads it, and as the next shard would: a source whose
  // options differ between the two reads a share.
  auto load = [&](int index) {
    CommonOptions as = common;
    as.variables["SHARD_INDEX"] = std::to_string(index);
    core::LoadOptions lo;
    lo.overrides = common.overrides;
    lo.getenv = as.Environment();
    return core::LoadPipelineFile(file, lo, nullptr);
  };
  auto mine = load(common.shard.index);
  auto other = load((common.shard.index + 1) % common.shard.count);
  if (!mine.ok() || !other.ok() || mine->pipeline.nodes_size() != other->pipeline.nodes_size())
    return core::Status::Ok();
  std::string sources;
  for (int i = 0; i < mine->pipeline.nodes_size(); ++i) {
    const config::Node& node = mine->pipeline.nodes(i);
    const core::OperatorInfo* op = registry.Find(node.type());
    if (op == nullptr || op->role != core::Role::kSource) continue;
    if (!google::protobuf::util::MessageDifferencer::Equals(node.options(), other->pipeline.nodes(i).options()))
      return core::Status::Ok();
    sources += (sources.empty() ? "\"" : ", \"") + node.name() + "\"";
  }
  const std::string n = std::to_string(common.shard.count);
  return core::InvalidArgument(
      "--shard " + common.shard.Text() + ": no source of pipeline \"" + pipeline + "\" is sharded (" +
      (sources.empty() ? std::string("it has no source") : "sources: " + sources) +
      "); every shard would read all of its input and the output would hold each row " + n +
      " times. Choose each shard's share in a source's options with ${SHARD_INDEX} and ${SHARD_COUNT}: "
      "shard_index/shard_count of csv_source and jsonl_source, or a WHERE clause of a database source's query "
      "with params (docs/scheduling.md, \"Sharded batch runs\")");
}

core::Status CheckCommandOutput(const std::string& path, const std::string& option, const std::string& state_dir) {
  core::Status usable = core::CheckOutputFile(path, option);
  if (!usable.ok()) return usable;
  const std::string store = core::RunStore::DefaultPath(state_dir);
  const std::string key = core::CanonicalPathKey(path);
  for (const char* suffix : {"", "-wal", "-shm", "-journal"})
    if (key == core::CanonicalPathKey(store + suffix))
      return core::InvalidArgument(option + ": \"" + path + "\" is the run store (" + store + suffix +
                                   "); writing it would lose every run recorded there");
  return core::Status::Ok();
}

bool ParseArgs(const std::vector<std::string>& args, const po::options_description& desc,
               const po::positional_options_description& pos, po::variables_map& vm, const std::string& usage,
               bool& help) {
  try {
    po::parsed_options parsed = po::command_line_parser(args).options(desc).positional(pos).allow_unregistered().run();
    po::store(parsed, vm);
    // Options the subcommand does not know are glog's and tuning flags, set through gflags.
    for (const std::string& raw : po::collect_unrecognized(parsed.options, po::exclude_positional)) {
      std::string flag = raw.substr(raw.find_first_not_of('-'));
      std::string name = flag.substr(0, flag.find('='));
      std::string value = flag.find('=') == std::string::npos ? "true" : flag.substr(flag.find('=') + 1);
      if (raw.rfind("--", 0) != 0 || gflags::SetCommandLineOption(name.c_str(), value.c_str()).empty())
        throw po::unknown_option(raw);
    }
    help = vm.count("help") > 0;
    if (help) {
      std::cout << usage << "\n\n" << desc << "\n";
      return true;
    }
    po::notify(vm);
    return true;
  } catch (const po::error& e) {
    std::cerr << "trestle: " << e.what() << "\n" << usage << "\n\n" << desc << "\n";
    return false;
  }
}

}  // namespace trestle::cli
