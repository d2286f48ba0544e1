// trestle graph FILE --format text|dot|mermaid
#include <iostream>
#include <map>
#include <sstream>

#include "commands.h"
#include "common_options.h"
#include "exit_codes.h"

namespace po = boost::program_options;

namespace trestle::cli {

namespace {

struct GraphNode {
  std::string name, type, role;
  std::vector<std::string> inputs;
};

std::string Dot(const std::string& title, const std::vector<GraphNode>& nodes) {
  std::ostringstream o;
  o << "digraph \"" << title << "\" {\n  rankdir=LR;\n  node [fontname=\"Helvetica\"];\n";
  for (const auto& n : nodes) {
    const char* shape = n.role == "source" ? "invhouse" : n.role == "sink" ? "house" : n.role == "model" ? "box3d"
                        : n.role == "monitor" ? "note" : "box";
    o << "  \"" << n.name << "\" [shape=" << shape << ", label=\"" << n.name << "\\n" << n.type << "\"];\n";
  }
  for (const auto& n : nodes)
    for (const auto& in : n.inputs)
      o << "  \"" << in << "\" -> \"" << n.name << "\"" << (n.role == "monitor" ? " [style=dashed]" : "") << ";\n";
  o << "}\n";
  return o.str();
}

std::string Mermaid(const std::vector<GraphNode>& nodes) {
  std::ostringstream o;
  o << "flowchart LR\n";
  // Ids by position: names that differ only in punctuation must stay apart.
  std::map<std::string, std::string> ids;
  for (size_t i = 0; i < nodes.size(); ++i) ids[nodes[i].name] = "n" + std::to_string(i);
  auto id = [&](const std::string& name) { return ids[name]; };
  for (const auto& n : nodes) {
    std::string label = "\"" + n.name + "<br/>" + n.type + "\"";
    if (n.role == "source") o << "  " << id(n.name) << "[/" << label << "/]\n";
    else if (n.role == "sink") o << "  " << id(n.name) << "[(" << label << ")]\n";
    else if (n.role == "model") o << "  " << id(n.name) << "[[" << label << "]]\n";
    else if (n.role == "monitor") o << "  " << id(n.name) << "{{" << label << "}}\n";
    else o << "  " << id(n.name) << "[" << label << "]\n";
  }
  for (const auto& n : nodes)
    for (const auto& in : n.inputs) o << "  " << id(in) << (n.role == "monitor" ? " -.-> " : " --> ") << id(n.name) << "\n";
  return o.str();
}

std::string Text(const std::string& title, const std::vector<GraphNode>& nodes) {
  std::ostringstream o;
  o << "pipeline " << title << "\n";
  for (const auto& n : nodes) {
    o << "  " << n.name << " [" << n.type << ", " << n.role << "]";
    if (!n.inputs.empty()) {
      o << " <- ";
      for (size_t i = 0; i < n.inputs.size(); ++i) o << (i ? ", " : "") << n.inputs[i];
    }
    o << "\n";
  }
  return o.str();
}

}  // namespace

int GraphCommand(const Args& args) {
  CommonOptions common;
  std::string file, format;
  po::options_description desc("trestle graph options");
  desc.add_options()("help,h", "show this help")("file", po::value(&file)->required(), "pipeline file")(
      "format", po::value(&format)->default_value("text"), "text | dot | mermaid");
  common.AddPluginOptions(desc);
  common.AddPipelineOptions(desc);
  po::positional_options_description pos;
  pos.add("file", 1);
  po::variables_map vm;
  bool help = false;
  if (!ParseArgs(args, desc, pos, vm, "usage: trestle graph FILE [--format text|dot|mermaid]", help))
    return kExitUsage;
  if (help) return kExitOk;
  if (!common.ResolveRunVariables(std::cerr)) return kExitUsage;
  if (format != "text" && format != "dot" && format != "mermaid") {
    std::cerr << "trestle: --format must be text, dot or mermaid, not \"" << format << "\"\n";
    return kExitUsage;
  }
  core::PluginRegistry registry = common.LoadRegistry();
  auto validated = ValidateOrReport(file, common, registry, std::cerr);
  if (!validated) return kExitInvalidPipeline;
  std::vector<GraphNode> nodes;
  for (const auto& n : validated->loaded.pipeline.nodes()) {
    const core::OperatorInfo* op = registry.Find(n.type());
    nodes.push_back({n.name(), n.type(), op ? core::RoleName(op->role) : "?", {n.inputs().begin(), n.inputs().end()}});
  }
  const std::string& title = validated->loaded.pipeline.pipeline();
  std::cout << (format == "dot" ? Dot(title, nodes) : format == "mermaid" ? Mermaid(nodes) : Text(title, nodes));
  return kExitOk;
}

}  // namespace trestle::cli
