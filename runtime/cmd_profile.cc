// trestle profile DATA -o reference.profile [--schema-out schema.json]
//
// Builds the pipeline `csv_source | jsonl_source -> profile_sink` (the monitors plugin)
// and runs it through the same validate, plan and FlowRunner path as `trestle run`, so
// the source reads, infers types and dead-letters malformed lines exactly as it would in
// a pipeline.
#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>

#include <unistd.h>

#include <glog/logging.h>
#include <nlohmann/json.hpp>

#include "commands.h"
#include "common/output_file.h"
#include "common_options.h"
#include "exec/flow_runner.h"
#include "exit_codes.h"
#include "graph/planner.h"
#include "progress_display.h"
#include "run_id.h"

namespace po = boost::program_options;

namespace trestle::cli {

namespace {

// The profile's notes on columns (e.g. one that looks like an identifier), one line each.
void PrintColumnNotes(const std::string& profile_path) {
  std::ifstream in(profile_path);
  const nlohmann::json doc = nlohmann::json::parse(in, nullptr, false);
  if (!doc.is_object() || !doc.contains("columns") || !doc["columns"].is_array()) return;
  for (const auto& c : doc["columns"])
    if (c.is_object() && c.contains("note") && c["note"].is_string() && c.contains("name") && c["name"].is_string())
      std::cout << "  column \"" << c["name"].get<std::string>() << "\": " << c["note"].get<std::string>() << "\n";
}

constexpr const char* kUsage =
    "usage: trestle profile DATA -o PROFILE [--schema-out FILE] [options]\n\n"
    "Computes the reference profile of DATA (a CSV or JSON-lines file) that schema_monitor, drift_monitor and\n"
    "prediction_monitor compare against (docs/monitors.md). The profile is written atomically, only when the\n"
    "whole file was read.";

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// "csv" or "jsonl" from the extension; empty when it tells neither.
std::string FormatOf(const std::string& path) {
  std::string ext = Lower(std::filesystem::path(path).extension().string());
  if (ext == ".gz") ext = Lower(std::filesystem::path(path).stem().extension().string());
  if (ext == ".csv" || ext == ".tsv" || ext == ".txt") return "csv";
  if (ext == ".jsonl" || ext == ".ndjson" || ext == ".json") return "jsonl";
  return "";
}

// Splits "a,b" and repeated options into one list.
std::vector<std::string> SplitList(const std::vector<std::string>& values) {
  std::vector<std::string> out;
  for (const auto& v : values) {
    size_t start = 0;
    while (start <= v.size()) {
      size_t comma = v.find(',', start);
      if (comma == std::string::npos) comma = v.size();
      if (comma > start) out.push_back(v.substr(start, comma - start));
      start = comma + 1;
    }
  }
  return out;
}

// The command builds a pipeline of its own (a source "data" and a profile_sink
// "profile"); its problems are the user's arguments, so they are printed naming those
// — DATA, -o, --max-categories... — not a line and column of the generated pipeline.
std::string ArgumentOf(const core::Diagnostic& d) {
  const std::string source = "nodes[0].options.", sink = "nodes[1].options.";
  auto flag = [](std::string option) {
    std::replace(option.begin(), option.end(), '_', '-');
    return "--" + option;
  };
  if (d.path == source + "path") return "DATA";
  if (d.path == sink + "path") return "-o";
  if (d.path.rfind(source, 0) == 0) return flag(d.path.substr(source.size()));
  if (d.path.rfind(sink, 0) == 0) return flag(d.path.substr(sink.size()));
  return "";
}

// `message` with the generated pipeline's names replaced by the arguments they are.
std::string InArgumentTerms(std::string message) {
  const std::pair<std::string, std::string> terms[] = {{"input from \"data\": ", ""},
                                                       {"option \"path\": ", ""},
                                                       {"node \"data\" (option \"path\")", "DATA"},
                                                       {"node \"profile\" (option \"path\")", "-o"}};
  for (const auto& [generated, user] : terms)
    for (size_t at = message.find(generated); at != std::string::npos; at = message.find(generated, at + user.size()))
      message.replace(at, generated.size(), user);
  return message;
}

void PrintDiagnostics(const core::Diagnostics& diags) {
  for (const core::Diagnostic& d : diags.list()) {
    const std::string argument = ArgumentOf(d);
    std::cerr << "trestle profile: " << (argument.empty() ? "" : argument + ": ") << InArgumentTerms(d.message) << "\n";
  }
}

}  // namespace

int ProfileCommand(const Args& args) {
  CommonOptions common;
  std::string data, output, schema_out, format, delimiter, state_dir;
  std::vector<std::string> categorical, schema;
  int64_t infer_rows = 1000, max_categories = 10000;
  double relative_accuracy = 0.005;
  bool quiet = false;
  po::options_description desc("trestle profile options");
  desc.add_options()("help,h", "show this help")("data", po::value(&data)->required(), "the CSV or JSON-lines file to profile")(
      "output,o", po::value(&output)->required(), "profile file to write (JSON, trestle-profile/1)")(
      "schema-out", po::value(&schema_out),
      "also write the column types read or inferred, as JSON {\"column\": \"type\"} (usable as a source's schema option)")(
      "format", po::value(&format), "csv or jsonl (default: by the extension of DATA: .csv/.tsv, .jsonl/.ndjson/.json)")(
      "delimiter", po::value(&delimiter), "CSV field separator (default \",\", \"\\t\" for .tsv)")(
      "schema", po::value(&schema)->composing(), "declare a column's type: COLUMN=TYPE (repeatable); others are inferred")(
      "infer-rows", po::value(&infer_rows)->default_value(1000), "rows sampled to infer the undeclared column types")(
      "categorical", po::value(&categorical)->composing(),
      "integer columns to profile as categorical (repeatable or comma-separated); utf8 and bool always are")(
      "max-categories", po::value(&max_categories)->default_value(10000),
      "distinct values kept per categorical column; the least frequent beyond fold into other_count")(
      "relative-accuracy", po::value(&relative_accuracy)->default_value(0.005), "relative error bound of the quantile sketch")(
      "state-dir", po::value(&state_dir)->default_value(".trestle"),
      "where the run keeps its files (dead letters of malformed lines)")("quiet,q", po::bool_switch(&quiet),
                                                                          "print nothing but errors");
  common.AddPluginOptions(desc);
  po::positional_options_description pos;
  pos.add("data", 1);
  po::variables_map vm;
  bool help = false;
  if (!ParseArgs(args, desc, pos, vm, kUsage, help)) return kExitUsage;
  if (help) return kExitOk;
  if (quiet) FLAGS_minloglevel = std::max(FLAGS_minloglevel, google::GLOG_ERROR);

  if (format.empty()) format = FormatOf(data);
  if (format != "csv" && format != "jsonl") {
    std::cerr << "trestle profile: "
              << (format.empty() ? "cannot tell the format of \"" + data + "\" from its extension"
                                 : "--format must be csv or jsonl, not \"" + format + "\"")
              << "; use --format csv or --format jsonl\n";
    return kExitUsage;
  }
  std::error_code ec;
  if (!std::filesystem::is_regular_file(data, ec)) {
    std::cerr << "trestle profile: cannot read \"" << data << "\": "
              << (std::filesystem::exists(data, ec) ? "not a regular file" : "no such file") << "\n";
    return kExitUsage;
  }

  // --schema-out is written by the command itself: refused before anything runs when it
  // is not a file that may be replaced, or names DATA or -o.
  std::vector<core::HostFile> host_files;
  if (!schema_out.empty()) {
    core::Status usable = core::CheckOutputFile(schema_out, "--schema-out");
    const std::string key = core::CanonicalPathKey(schema_out);
    if (usable.ok() && (key == core::CanonicalPathKey(data) || key == core::CanonicalPathKey(output)))
      usable = core::Status(core::Code::kInvalidArgument, "--schema-out: \"" + schema_out + "\" is also " +
                                                              (key == core::CanonicalPathKey(data) ? "DATA" : "-o") +
                                                              "; give it a path of its own");
    if (!usable.ok()) {
      std::cerr << "trestle profile: " << usable.message() << "\n";
      return kExitUsage;
    }
    host_files.push_back({schema_out, "--schema-out"});
  }

  nlohmann::json source_options = {{"path", data}, {"infer_rows", infer_rows}};
  if (format == "csv") {
    if (delimiter.empty() && Lower(std::filesystem::path(data).extension().string()) == ".tsv") delimiter = "\\t";
    if (!delimiter.empty()) source_options["delimiter"] = delimiter;
  } else if (!delimiter.empty()) {
    std::cerr << "trestle profile: --delimiter is for CSV input\n";
    return kExitUsage;
  }
  if (!schema.empty()) {
    nlohmann::json declared = nlohmann::json::object();
    for (const auto& s : schema) {
      const size_t eq = s.find('=');
      if (eq == std::string::npos || eq == 0 || eq + 1 == s.size()) {
        std::cerr << "trestle profile: --schema takes COLUMN=TYPE, got \"" << s << "\"\n";
        return kExitUsage;
      }
      declared[s.substr(0, eq)] = s.substr(eq + 1);
    }
    source_options["schema"] = declared;
  }
  nlohmann::json sink_options = {{"path", output},
                                 {"categorical", SplitList(categorical)},
                                 {"max_categories", max_categories},
                                 {"relative_accuracy", relative_accuracy}};
  nlohmann::json pipeline = {
      {"pipeline", "profile"},
      {"nodes",
       {{{"name", "data"}, {"type", format == "csv" ? "csv_source" : "jsonl_source"}, {"options", source_options}},
        {{"name", "profile"}, {"type", "profile_sink"}, {"inputs", {"data"}}, {"options", sink_options}}}}};

  core::PluginRegistry registry = common.LoadRegistry();
  for (const auto& r : registry.Refusals()) LOG(WARNING) << "plugin refused: " << r.status.message();
  const std::string display = "trestle profile " + data;
  core::Diagnostics diags;
  auto validated = core::ValidatePipelineText(pipeline.dump(2), core::Format::kJson, display, core::LoadOptions{}, registry, &diags);
  if (!validated.ok()) {
    PrintDiagnostics(diags);
    if (diags.empty()) std::cerr << validated.status().message() << "\n";
    for (const auto& d : diags.list())
      if (d.message.find("unknown operator") != std::string::npos)
        std::cerr << "note: trestle profile needs the io and monitors plugins on the plugin path\n";
    return kExitInvalidPipeline;
  }
  core::Diagnostics plan_diags;
  auto planned = core::BuildPlan(validated.value(), registry, &plan_diags, nullptr, host_files);
  if (!planned.ok()) {
    PrintDiagnostics(plan_diags);
    if (plan_diags.empty()) std::cerr << planned.status().message() << "\n";
    return kExitInvalidPipeline;
  }
  std::unique_ptr<core::Plan> plan = std::move(planned).value();

  const std::string run_id = NewRunId();
  const std::string run_dir = (std::filesystem::path(state_dir) / "runs" / run_id).string();
  std::filesystem::create_directories(run_dir, ec);
  if (ec) {
    std::cerr << "trestle profile: cannot create run directory " << run_dir << ": " << ec.message() << "\n";
    return kExitRunFailed;
  }
  core::FlowRunner runner(plan.get(), core::RunOptions{run_id, run_dir, nullptr, ""});
  core::Status status;
  {
    ProgressDisplay progress(&runner);
    status = runner.Run();
  }
  if (!status.ok()) {
    std::cerr << "trestle profile: profiling \"" << data << "\" failed: " << status.ToString() << "\n";
    return kExitRunFailed;
  }

  if (!schema_out.empty()) {
    const int src = plan->NodeIndex("data");
    nlohmann::ordered_json types = nlohmann::ordered_json::object();
    for (const auto& f : plan->nodes[static_cast<size_t>(src)]->output_schema.fields()) types[f.name] = trestle::type_name(f.type);
    core::Status written = core::WriteOutputFile(schema_out, types.dump(2) + "\n", "--schema-out");
    if (!written.ok()) {
      std::cerr << "trestle profile: " << written.message() << "\n";
      return kExitRunFailed;
    }
  }
  if (!quiet) {
    std::cout << "profile of " << runner.Progress().rows_read << " rows, "
              << plan->nodes[static_cast<size_t>(plan->NodeIndex("data"))]->output_schema.size() << " columns written to "
              << output << "\n";
    if (!schema_out.empty()) std::cout << "column types written to " << schema_out << "\n";
    PrintColumnNotes(output);
    if (runner.dead_letters_written() > 0)
      std::cout << runner.dead_letters_written() << " malformed rows were left out; see " << runner.dead_letter_path() << "\n";
  }
  return kExitOk;
}

}  // namespace trestle::cli
