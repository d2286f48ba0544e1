// trestle plugins list | trestle plugins inspect [OPERATOR...]
#include <iostream>

#include "commands.h"
#include "common_options.h"
#include "exit_codes.h"
#include "operator_doc.h"

namespace po = boost::program_options;

namespace trestle::cli {

namespace {

int List(const Args& args) {
  CommonOptions common;
  po::options_description desc("trestle plugins list options");
  desc.add_options()("help,h", "show this help");
  common.AddPluginOptions(desc);
  po::variables_map vm;
  bool help = false;
  if (!ParseArgs(args, desc, {}, vm, "usage: trestle plugins list [options]", help)) return kExitUsage;
  if (help) return kExitOk;
  core::PluginRegistry reg = common.LoadRegistry();
  for (const auto& lib : reg.Libraries()) {
    std::cout << lib.name << " " << lib.version << "  ABI " << lib.abi_major << "." << lib.abi_minor
              << "\n  path:   " << lib.path << "\n  sha256: " << lib.sha256 << "\n  operators:\n";
    for (const auto& op : lib.operators) std::cout << "    " << op.name << " (" << core::RoleName(op.role) << ")\n";
  }
  if (reg.Libraries().empty()) {
    std::cout << "no plugin libraries found\n";
    ExplainPluginSearch(common, reg, std::cerr);
  }
  for (const auto& r : reg.Refusals()) std::cout << "refused: " << r.status.message() << "\n";
  // Every run warns about a refused library: so does the listing, by its exit code.
  if (!reg.Refusals().empty()) {
    std::cerr << "trestle plugins list: " << reg.Refusals().size() << " plugin librar"
              << (reg.Refusals().size() == 1 ? "y" : "ies") << " on the plugin path refused (see \"refused:\" above)\n";
    return kExitInvalidPipeline;
  }
  return kExitOk;
}

int Inspect(const Args& args) {
  CommonOptions common;
  std::vector<std::string> names;
  std::string format;
  po::options_description desc("trestle plugins inspect options");
  desc.add_options()("help,h", "show this help")("operator", po::value(&names), "operator name(s); none = all")(
      "format", po::value(&format)->default_value("text"), "text | markdown");
  common.AddPluginOptions(desc);
  po::positional_options_description pos;
  pos.add("operator", -1);
  po::variables_map vm;
  bool help = false;
  if (!ParseArgs(args, desc, pos, vm, "usage: trestle plugins inspect [OPERATOR...] [options]", help))
    return kExitUsage;
  if (help) return kExitOk;
  if (format != "text" && format != "markdown") {
    std::cerr << "trestle: --format must be text or markdown, not \"" << format << "\"\n";
    return kExitUsage;
  }
  core::PluginRegistry reg = common.LoadRegistry();
  if (names.empty()) names = reg.Names();
  int rc = kExitOk;
  for (const auto& name : names) {
    const core::OperatorInfo* op = reg.Find(name);
    if (op == nullptr) {
      std::cerr << "trestle: no plugin on the plugin path has an operator \"" << name << "\"\n";
      rc = kExitUsage;
      continue;
    }
    const std::string& version = reg.LibraryOf(name)->version;
    std::cout << (format == "markdown" ? OperatorMarkdown(*op, version) : OperatorText(*op, version));
    if (format == "text") std::cout << "\n";
  }
  return rc;
}

}  // namespace

int PluginsCommand(const Args& args) {
  if (!args.empty() && args[0] == "list") return List(Args(args.begin() + 1, args.end()));
  if (!args.empty() && args[0] == "inspect") return Inspect(Args(args.begin() + 1, args.end()));
  const bool help = !args.empty() && (args[0] == "--help" || args[0] == "-h");
  std::ostream& out = help ? std::cout : std::cerr;
  if (!help && !args.empty()) out << "trestle: unknown plugins subcommand \"" << args[0] << "\"\n";
  out << "usage: trestle plugins list [--plugin-path DIR]\n"
         "       trestle plugins inspect [OPERATOR...] [--format text|markdown] [--plugin-path DIR]\n";
  return help ? kExitOk : kExitUsage;
}

}  // namespace trestle::cli
