// trestle validate FILE
#include <cstdlib>
#include <iostream>

#include "commands.h"
#include "common_options.h"
#include "exit_codes.h"

namespace po = boost::program_options;

namespace trestle::cli {

int ValidateCommand(const Args& args) {
  CommonOptions common;
  std::string file;
  bool offline = false;
  po::options_description desc("trestle validate options");
  desc.add_options()("help,h", "show this help")("file", po::value(&file)->required(), "pipeline file")(
      "offline", po::bool_switch(&offline),
      "do not connect to databases or other servers: operators check only what the pipeline file declares");
  common.AddPluginOptions(desc);
  common.AddPipelineOptions(desc);
  po::positional_options_description pos;
  pos.add("file", 1);
  po::variables_map vm;
  bool help = false;
  if (!ParseArgs(args, desc, pos, vm, "usage: trestle validate FILE [options]", help)) return kExitUsage;
  if (help) return kExitOk;
  if (!common.ResolveRunVariables(std::cerr)) return kExitUsage;
  // Operators that reach a server at open() (databases) skip it and trust the schema
  // the pipeline declares (documented in docs/plugin-guide.md).
  if (offline) ::setenv("TRESTLE_OFFLINE", "1", 1);

  core::PluginRegistry registry = common.LoadRegistry();
  std::unique_ptr<core::Plan> plan = PlanOrReport(file, common, registry, std::cerr);
  if (!plan) return kExitInvalidPipeline;
  if (core::Status sharded = CheckShardedSources(file, common, registry, plan->pipeline); !sharded.ok()) {
    std::cerr << file << ": " << sharded.message() << "\n1 error in " << file << "\n";
    return kExitInvalidPipeline;
  }
  size_t edges = 0;
  for (const auto& n : plan->nodes) edges += n->inputs.size();
  std::cout << file << ": valid (pipeline \"" << plan->pipeline << "\", " << plan->nodes.size() << " nodes, "
            << edges << " edges" << (common.shard.sharded() ? ", shard " + common.shard.Text() : std::string())
            << ")\n";
  return kExitOk;
}

}  // namespace trestle::cli
