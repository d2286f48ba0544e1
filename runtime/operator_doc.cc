#include "operator_doc.h"

#include <sstream>

namespace trestle::cli {

namespace {

std::string Range(const core::ParamInfo& p) {
  std::ostringstream o;
  bool list = p.type == core::ParamType::kStringList || p.type == core::ParamType::kDoubleList;
  if (p.min && p.max) o << (list ? "length " : "") << "[" << *p.min << ", " << *p.max << "]";
  else if (p.min) o << (list ? "length " : "") << ">= " << *p.min;
  else if (p.max) o << (list ? "length " : "") << "<= " << *p.max;
  if (!p.enum_values.empty()) {
    o << "one of ";
    for (size_t i = 0; i < p.enum_values.size(); ++i) o << (i ? ", " : "") << p.enum_values[i];
  }
  return o.str();
}

std::string Default(const core::ParamInfo& p) {
  if (p.required) return "required";
  if (p.secret && p.default_json) return "<secret>";
  return p.default_json ? *p.default_json : "none";
}

}  // namespace

std::string OperatorText(const core::OperatorInfo& op, const std::string& plugin_version) {
  std::ostringstream o;
  o << op.name << " (" << core::RoleName(op.role) << ", " << core::ThreadingName(op.threading) << ")"
    << (op.ordered_input ? ", ordered input" : "") << "  from plugin " << op.plugin << " " << plugin_version << "\n  "
    << op.doc << "\n";
  if (!op.input_doc.empty()) o << "  input:  " << op.input_doc << "\n";
  if (!op.output_doc.empty()) o << "  output: " << op.output_doc << "\n";
  o << "  parameters:\n";
  if (op.params.empty()) o << "    (none)\n";
  for (const auto& p : op.params) {
    o << "    " << p.name << ": " << core::ParamTypeName(p.type) << ", " << Default(p);
    std::string r = Range(p);
    if (!r.empty()) o << ", " << r;
    if (p.secret) o << ", secret";
    o << "\n        " << p.doc << "\n";
  }
  return o.str();
}

std::string OperatorMarkdown(const core::OperatorInfo& op, const std::string& plugin_version) {
  std::ostringstream o;
  o << "### `" << op.name << "`\n\n"
    << op.doc << "\n\n"
    << "- role: " << core::RoleName(op.role) << "; threading: " << core::ThreadingName(op.threading)
    << (op.ordered_input ? "; wants input in source order" : "") << "\n"
    << "- plugin: `" << op.plugin << "` " << plugin_version << "\n";
  if (!op.input_doc.empty()) o << "- input: " << op.input_doc << "\n";
  if (!op.output_doc.empty()) o << "- output: " << op.output_doc << "\n";
  o << "\n";
  if (op.params.empty()) {
    o << "No parameters.\n\n";
    return o.str();
  }
  o << "| parameter | type | default | allowed | description |\n|---|---|---|---|---|\n";
  for (const auto& p : op.params) {
    std::string r = Range(p);
    if (p.secret) r += r.empty() ? "secret" : ", secret";
    std::string doc = p.doc;
    for (auto& c : doc)
      if (c == '|' || c == '\n') c = ' ';
    o << "| `" << p.name << "` | `" << core::ParamTypeName(p.type) << "` | `" << Default(p) << "` | " << r << " | "
      << doc << " |\n";
  }
  o << "\n";
  return o.str();
}

}  // namespace trestle::cli
