#include "exec/run_report.h"

#include <chrono>
#include <cstdio>
#include <sstream>

#include "common/output_file.h"
#include "exec/row_json.h"

namespace trestle::core {

namespace {

std::string Iso(std::chrono::system_clock::time_point t) {
  return IsoTimestampMicros(std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count());
}

nlohmann::json NodeJson(const PlannedNode& n) {
  const NodeStats& s = *n.stats;
  nlohmann::json errors = nlohmann::json::object();
  for (size_t c = 1; c < s.errors_by_code.size(); ++c)
    if (int64_t v = s.errors_by_code[c].load()) errors[CodeName(static_cast<Code>(c))] = v;
  nlohmann::json j = {{"name", n.name},
                      {"type", n.type},
                      {"role", RoleName(n.info.role)},
                      {"plugin", n.plugin_name},
                      {"rows_in", s.rows_in.load()},
                      {"rows_out", s.rows_out.load()},
                      {"batches_in", s.batches_in.load()},
                      {"batches_out", s.batches_out.load()},
                      {"dead_lettered", s.dead_lettered.load()},
                      {"filtered", s.filtered.load()},
                      {"skipped", s.skipped.load()},
                      {"retries", s.retries.load()},
                      {"errors", errors},
                      {"latency_seconds_sum", s.latency.Sum()},
                      {"options", n.options_redacted}};
  auto custom = s.Custom();
  if (!custom.empty()) j["metrics"] = custom;
  if (n.info.role == Role::kMonitor) {
    j["windows"] = s.windows.load();
    j["findings"] = s.Findings();
  }
  return j;
}

nlohmann::json VersionJson(const ModelRecord& r) {
  nlohmann::json j = {{"version", r.label()},
                      {"path", r.path},
                      {"sha256", r.sha256},
                      {"loaded_at", Iso(r.loaded_at)},
                      {"rows", r.rows.load()},
                      {"batches", r.batches.load()}};
  if (!r.framework.empty()) j["framework"] = r.framework;
  if (!r.model_version.empty() && r.model_version != r.label()) j["model_file_version"] = r.model_version;
  if (int64_t ms = r.retired_at_ms.load()) j["retired_at"] = IsoTimestampMicros(ms * 1000);
  return j;
}

// Which model produced which rows: every version a model node served, with its hash.
nlohmann::json ModelJson(const PlannedNode& n) {
  nlohmann::json versions = nlohmann::json::array();
  for (const auto& r : n.model->History()) versions.push_back(VersionJson(*r));
  const ModelBinding& b = *n.model_binding;
  // A plain model file has no versions to choose from: no policy applies.
  const bool versioned = !n.model->Current()->record().version.empty();
  nlohmann::json j = {{"node", n.name},
                      {"type", n.type},
                      {"model", b.model_option},
                      {"policy", versioned ? b.policy.ToString() : "file"},
                      {"serving", n.model->Current()->record().label()},
                      {"versions", versions}};
  auto custom = n.stats->Custom();
  j["swaps"] = n.model->swaps();
  j["load_failures"] = custom.count("model_load_failures") ? static_cast<int64_t>(custom["model_load_failures"]) : 0;
  if (n.shadow) {
    nlohmann::json s = n.shadow->Totals().ToJson();
    s["type"] = n.shadow->type;
    s["model"] = VersionJson(*n.shadow->record);
    j["shadow"] = s;
  }
  return j;
}

}  // namespace

nlohmann::json BuildRunReport(const Plan& plan, const FlowRunner& runner, const std::string& run_id,
                              const Status& status) {
  nlohmann::json plugins = nlohmann::json::object();
  nlohmann::json nodes = nlohmann::json::array();
  nlohmann::json models = nlohmann::json::array();
  for (const auto& n : plan.nodes) {
    plugins[n->plugin_name] = {{"version", n->plugin_version}, {"sha256", n->plugin_sha256}};
    nodes.push_back(NodeJson(*n));
    if (n->model) models.push_back(ModelJson(*n));
  }
  double secs = std::chrono::duration<double>(runner.ended() - runner.started()).count();
  nlohmann::json j = {{"run_id", run_id},
                      {"pipeline", plan.pipeline},
                      {"file", plan.file},
                      {"config_hash", plan.config_hash},
                      {"status", status.ok() ? (runner.state().stopping() ? "drained" : "succeeded") : "failed"},
                      {"started", Iso(runner.started())},
                      {"ended", Iso(runner.ended())},
                      {"duration_seconds", secs},
                      {"plugins", plugins},
                      {"nodes", nodes},
                      {"models", models},
                      {"accounting", runner.accounting().ToJson()},
                      {"dead_letters", {{"path", runner.dead_letter_path()}, {"rows", runner.dead_letters_written()}}}};
  if (!runner.MonitorSkips().empty()) j["monitor_skipped_batches"] = runner.MonitorSkips();
  if (!status.ok()) j["error"] = {{"code", CodeName(status.code())}, {"message", status.message()}};
  return j;
}

std::string FormatRunSummary(const nlohmann::json& r) {
  std::ostringstream o;
  o << "run " << r["run_id"].get<std::string>() << "  pipeline " << r["pipeline"].get<std::string>() << "  "
    << r["status"].get<std::string>() << " in ";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2fs", r["duration_seconds"].get<double>());
  o << buf << "\n";
  if (r.contains("error"))
    o << "error: " << r["error"]["code"].get<std::string>() << ": " << r["error"]["message"].get<std::string>() << "\n";
  const auto& acc = r["accounting"];
  // A failed run stopped with rows in flight: its accounting is what was processed, and
  // the gap is the failure itself, not rows lost.
  const bool failed = r["status"] == "failed";
  const bool balanced = acc["balanced"].get<bool>();
  o << "row accounting ("
    << (balanced ? "balanced" : failed ? "run failed; accounting of what was processed" : "NOT BALANCED") << "):\n";
  for (const auto& [src, s] : acc["sources"].items()) {
    if (s.value("aggregate", false)) o << "  aggregate " << src << ": " << s["read"].get<int64_t>() << " rows emitted\n";
    else o << "  source " << src << ": " << s["read"].get<int64_t>() << " rows read\n";
    for (const auto& [sink, p] : s["paths"].items()) {
      o << "    -> " << sink << ": " << p["reached"].get<int64_t>() << (p.value("aggregate", false) ? " aggregated, " : " written, ")
        << p["dead_lettered"].get<int64_t>()
        << " dead-lettered, " << p["filtered"].get<int64_t>() << " filtered, " << p["skipped"].get<int64_t>()
        << " skipped" << (p["balanced"].get<bool>() || failed ? "" : "  (does not balance)") << "\n";
    }
  }
  for (const auto& m : r.value("models", nlohmann::json::array())) {
    o << "model " << m["node"].get<std::string>() << ":";
    // A version, or for a plain model file which file (and its hash) was loaded.
    for (const auto& v : m["versions"]) {
      const std::string version = v["version"].get<std::string>();
      const std::string path = v.value("path", "");
      const std::string sha = v.value("sha256", "");
      if (!version.empty()) o << "  version " << version;
      else o << "  file " << path.substr(path.find_last_of('/') + 1) << " (sha256 " << sha.substr(0, 12) << ")";
      o << " scored " << v["rows"].get<int64_t>() << " rows";
    }
    if (m.contains("shadow") && m["shadow"].contains("score_abs_diff_mean")) {
      std::snprintf(buf, sizeof buf, "%.3g", m["shadow"]["score_abs_diff_mean"].get<double>());
      o << "; shadow " << m["shadow"]["type"].get<std::string>() << ": mean |score diff| " << buf;
      if (m["shadow"].contains("label_disagreement_share")) {
        std::snprintf(buf, sizeof buf, "%.2f%%", 100 * m["shadow"]["label_disagreement_share"].get<double>());
        o << ", labels disagree on " << buf;
      }
    }
    o << "\n";
  }
  // Monitors: windows closed, findings by code, batches skipped.
  for (const auto& n : r["nodes"]) {
    if (!n.contains("windows")) continue;
    const std::string name = n["name"].get<std::string>();
    const int64_t windows = n["windows"].get<int64_t>();
    o << "monitor " << name << ": " << windows << (windows == 1 ? " window, " : " windows, ");
    int64_t total = 0;
    std::string codes;
    for (const auto& [code, count] : n["findings"].items()) {
      total += count.get<int64_t>();
      codes += (codes.empty() ? "" : ", ") + code + " " + std::to_string(count.get<int64_t>());
    }
    o << total << (total == 1 ? " finding" : " findings") << (codes.empty() ? "" : " (" + codes + ")");
    const auto skips = r.value("monitor_skipped_batches", nlohmann::json::object());
    if (skips.contains(name) && skips[name].get<int64_t>() > 0) o << "; " << skips[name].get<int64_t>() << " batches skipped";
    o << "\n";
  }
  int64_t dl = r["dead_letters"]["rows"].get<int64_t>();
  if (dl > 0) o << "dead letters: " << dl << " rows in " << r["dead_letters"]["path"].get<std::string>() << "\n";
  return o.str();
}

Status WriteJsonFile(const std::string& path, const nlohmann::json& report) {
  return WriteOutputFile(path, report.dump(2) + "\n", "the run report");
}

}  // namespace trestle::core
