#include "observe/prometheus.h"

#include <charconv>
#include <chrono>
#include <cmath>
#include <map>

#include "exec/flow_runner.h"

namespace trestle::core {

namespace {

using Type = Exposition::Type;
using Labels = Exposition::Labels;

const char* TypeName(Type t) {
  switch (t) {
    case Type::kCounter: return "counter";
    case Type::kGauge: return "gauge";
    case Type::kHistogram: return "histogram";
  }
  return "untyped";
}

std::string RenderLabels(const Labels& labels) {
  if (labels.empty()) return "";
  std::string out = "{";
  for (size_t i = 0; i < labels.size(); ++i) {
    if (i > 0) out += ',';
    out += labels[i].first;
    out += "=\"";
    out += EscapeLabelValue(labels[i].second);
    out += '"';
  }
  out += '}';
  return out;
}

Labels With(Labels labels, std::string name, std::string value) {
  labels.emplace_back(std::move(name), std::move(value));
  return labels;
}

bool IsUpper(char c) { return c >= 'A' && c <= 'Z'; }
bool IsLowerOrDigit(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

// Metrics the host itself keeps in a node's custom map; they are exported under their
// own names (trestle_model_*, trestle_monitor_*), not as trestle_operator_*.
bool IsHostMetric(const PlannedNode& n, const std::string& name) {
  if (n.info.role == Role::kModel)
    return name == "model_swaps" || name == "model_load_failures" || name.rfind("shadow_", 0) == 0;
  if (n.info.role == Role::kMonitor) return name == "skipped_batches";
  return false;
}

void ProcessMetrics(const Plan& plan, const RunSnapshot& run, Exposition& e) {
  const Labels pipeline = {{"pipeline", plan.pipeline}};
  e.Declare("trestle_up", Type::kGauge, "1 while the trestle process is running and serving this endpoint.");
  e.Add("trestle_up", {}, int64_t{1});
  e.Declare("trestle_run_info", Type::kGauge, "The run this process executes: always 1, identified by its labels.");
  e.Add("trestle_run_info", {{"run_id", run.run_id}, {"pipeline", plan.pipeline}, {"config_hash", plan.config_hash}},
        int64_t{1});
  e.Declare("trestle_ready", Type::kGauge,
            "1 when the run is ready (graph running, models loaded, not draining, not failed), else 0; as /readyz.");
  e.Add("trestle_ready", pipeline, int64_t{run.ready ? 1 : 0});
  if (run.start_time_seconds > 0) {
    e.Declare("trestle_run_start_time_seconds", Type::kGauge, "When the run started, in Unix seconds.");
    e.Add("trestle_run_start_time_seconds", pipeline, run.start_time_seconds);
  }
  if (run.progress >= 0) {
    e.Declare("trestle_run_progress_ratio", Type::kGauge,
              "Fraction (0 to 1) of the finite inputs read so far, averaged over the sources that know their size.");
    e.Add("trestle_run_progress_ratio", pipeline, run.progress);
  }
  e.Declare("trestle_dead_letter_rows_total", Type::kCounter, "Rows and records written to the dead-letter file.");
  e.Add("trestle_dead_letter_rows_total", pipeline, run.dead_letter_rows);
}

void NodeMetrics(const Plan& plan, Exposition& e) {
  e.Declare("trestle_node_info", Type::kGauge, "A pipeline node: always 1, described by its labels.");
  e.Declare("trestle_node_rows_in_total", Type::kCounter, "Rows the node received.");
  e.Declare("trestle_node_rows_out_total", Type::kCounter, "Rows the node passed on (sources: read; sinks: written).");
  e.Declare("trestle_node_batches_in_total", Type::kCounter, "Batches the node received.");
  e.Declare("trestle_node_batches_out_total", Type::kCounter, "Batches the node passed on.");
  e.Declare("trestle_node_errors_total", Type::kCounter, "Errors at the node (failed calls and rejected rows), by status code.");
  e.Declare("trestle_node_dead_lettered_rows_total", Type::kCounter, "Rows the node sent to the dead-letter file.");
  e.Declare("trestle_node_filtered_rows_total", Type::kCounter, "Rows the node dropped on purpose (filters).");
  e.Declare("trestle_node_skipped_rows_total", Type::kCounter, "Rows the node dropped under on_error: skip.");
  e.Declare("trestle_node_retries_total", Type::kCounter, "Calls of the node retried after a retryable error.");
  e.Declare("trestle_node_inflight_batches", Type::kGauge, "Batches inside the node's calls right now.");
  e.Declare("trestle_node_batch_duration_seconds", Type::kHistogram, "Time of one call of the node on one batch.");
  const std::vector<double> bounds(LatencyHistogram::kBounds.begin(), LatencyHistogram::kBounds.end());
  for (const auto& np : plan.nodes) {
    const PlannedNode& n = *np;
    const NodeStats& s = *n.stats;
    const Labels l = {{"pipeline", plan.pipeline}, {"node", n.name}};
    e.Add("trestle_node_info",
          {{"pipeline", plan.pipeline},
           {"node", n.name},
           {"type", n.type},
           {"role", RoleName(n.info.role)},
           {"plugin", n.plugin_name},
           {"plugin_version", n.plugin_version}},
          int64_t{1});
    e.Add("trestle_node_rows_in_total", l, s.rows_in.load());
    e.Add("trestle_node_rows_out_total", l, s.rows_out.load());
    e.Add("trestle_node_batches_in_total", l, s.batches_in.load());
    e.Add("trestle_node_batches_out_total", l, s.batches_out.load());
    for (size_t c = 1; c < s.errors_by_code.size(); ++c)
      e.Add("trestle_node_errors_total", With(l, "code", CodeName(static_cast<Code>(c))), s.errors_by_code[c].load());
    e.Add("trestle_node_dead_lettered_rows_total", l, s.dead_lettered.load());
    e.Add("trestle_node_filtered_rows_total", l, s.filtered.load());
    e.Add("trestle_node_skipped_rows_total", l, s.skipped.load());
    e.Add("trestle_node_retries_total", l, s.retries.load());
    e.Add("trestle_node_inflight_batches", l, s.in_flight.load());
    const auto counts = s.latency.Counts();
    e.AddHistogram("trestle_node_batch_duration_seconds", l, bounds,
                   std::vector<uint64_t>(counts.begin(), counts.end()), s.latency.Sum());
  }
}

void SourceMetrics(const Plan& plan, const RunSnapshot& run, Exposition& e) {
  e.Declare("trestle_source_rows_read_total", Type::kCounter, "Rows the source read (row accounting).");
  for (size_t i = 0; i < plan.nodes.size(); ++i) {
    const PlannedNode& n = *plan.nodes[i];
    if (n.info.role != Role::kSource) continue;
    e.Add("trestle_source_rows_read_total", {{"pipeline", plan.pipeline}, {"node", n.name}},
          i < run.rows_read.size() ? run.rows_read[i] : int64_t{0});
  }
}

double UnixSeconds(std::chrono::system_clock::time_point t) {
  return std::chrono::duration<double>(t.time_since_epoch()).count();
}

void ModelMetrics(const Plan& plan, Exposition& e) {
  const std::vector<double> bounds(LatencyHistogram::kBounds.begin(), LatencyHistogram::kBounds.end());
  e.Declare("trestle_model_info", Type::kGauge,
            "The model version a model node serves now: always 1, described by its labels.");
  e.Declare("trestle_model_loaded_timestamp_seconds", Type::kGauge,
            "When the serving model version was loaded, in Unix seconds.");
  e.Declare("trestle_model_predictions_total", Type::kCounter, "Rows scored, by model version.");
  e.Declare("trestle_model_batches_total", Type::kCounter, "Batches scored, by model version.");
  e.Declare("trestle_model_predict_duration_seconds", Type::kHistogram,
            "Duration of a batch's predict call (retries included), by model version.");
  e.Declare("trestle_model_swaps_total", Type::kCounter, "Times a new model version was swapped in.");
  e.Declare("trestle_model_load_failures_total", Type::kCounter,
            "New model versions that failed to load (the old version kept serving).");
  for (const auto& np : plan.nodes) {
    const PlannedNode& n = *np;
    if (!n.model) continue;
    const Labels l = {{"pipeline", plan.pipeline}, {"node", n.name}};
    std::shared_ptr<ServedModel> current = n.model->Current();
    if (current) {
      const ModelRecord& r = current->record();
      e.Add("trestle_model_info",
            {{"pipeline", plan.pipeline},
             {"node", n.name},
             {"version", r.label()},
             {"framework", r.framework},
             {"sha256", r.sha256}},
            int64_t{1});
      e.Add("trestle_model_loaded_timestamp_seconds", With(l, "version", r.label()), UnixSeconds(r.loaded_at));
    }
    // Versions by label: a label that served twice (reloaded) is one series.
    struct Totals {
      int64_t rows = 0, batches = 0;
      std::vector<uint64_t> latency = std::vector<uint64_t>(LatencyHistogram::kBounds.size() + 1, 0);
      double latency_sum = 0;
    };
    std::map<std::string, Totals> by_version;
    for (const auto& r : n.model->History()) {
      Totals& t = by_version[r->label()];
      t.rows += r->rows.load();
      t.batches += r->batches.load();
      const auto counts = r->latency.Counts();
      for (size_t i = 0; i < counts.size(); ++i) t.latency[i] += counts[i];
      t.latency_sum += r->latency.Sum();
    }
    for (const auto& [version, t] : by_version) {
      const Labels lv = With(l, "version", version);
      e.Add("trestle_model_predictions_total", lv, t.rows);
      e.Add("trestle_model_batches_total", lv, t.batches);
      e.AddHistogram("trestle_model_predict_duration_seconds", lv, bounds, t.latency, t.latency_sum);
    }
    e.Add("trestle_model_swaps_total", l, n.model->swaps());
    const auto custom = n.stats->Custom();
    const auto failures = custom.find("model_load_failures");
    e.Add("trestle_model_load_failures_total", l,
          static_cast<int64_t>(failures == custom.end() ? 0.0 : failures->second));
  }
}

void ShadowMetrics(const Plan& plan, Exposition& e) {
  e.Declare("trestle_model_shadow_info", Type::kGauge,
            "The shadow model of a model node: always 1, described by its labels.");
  e.Declare("trestle_model_shadow_batches_compared_total", Type::kCounter,
            "Batches the shadow scored and compared with the node's output.");
  e.Declare("trestle_model_shadow_batches_skipped_total", Type::kCounter,
            "Batches the shadow did not score because its queue was full.");
  e.Declare("trestle_model_shadow_errors_total", Type::kCounter, "Shadow calls that failed.");
  e.Declare("trestle_model_shadow_rows_compared_total", Type::kCounter,
            "Rows both the node and the shadow scored and that were compared.");
  e.Declare("trestle_model_shadow_rows_rejected_alone_total", Type::kCounter,
            "Rows only one side rejected; rejected_by says which.");
  e.Declare("trestle_model_shadow_label_rows_total", Type::kCounter, "Compared rows with a label on both sides.");
  e.Declare("trestle_model_shadow_label_disagreements_total", Type::kCounter,
            "Compared rows whose labels differ between the node and the shadow.");
  e.Declare("trestle_model_shadow_score_rows_total", Type::kCounter, "Compared rows with a score on both sides.");
  e.Declare("trestle_model_shadow_score_abs_diff_total", Type::kCounter,
            "Sum of |node score - shadow score| over the score rows (divide by the score rows for the mean).");
  e.Declare("trestle_model_shadow_score_abs_diff_max", Type::kGauge,
            "Largest |node score - shadow score| seen so far.");
  for (const auto& np : plan.nodes) {
    const PlannedNode& n = *np;
    if (!n.shadow) continue;
    const ShadowPlan& sh = *n.shadow;
    const Labels l = {{"pipeline", plan.pipeline}, {"node", n.name}};
    Labels info = l;
    info.emplace_back("type", sh.type);
    info.emplace_back("version", sh.record ? sh.record->label() : "");
    info.emplace_back("framework", sh.record ? sh.record->framework : "");
    info.emplace_back("sha256", sh.record ? sh.record->sha256 : "");
    e.Add("trestle_model_shadow_info", info, int64_t{1});
    const ShadowTotals t = sh.Totals();
    e.Add("trestle_model_shadow_batches_compared_total", l, t.batches_compared);
    e.Add("trestle_model_shadow_batches_skipped_total", l, t.batches_skipped);
    e.Add("trestle_model_shadow_errors_total", l, t.errors);
    e.Add("trestle_model_shadow_rows_compared_total", l, t.rows_compared);
    e.Add("trestle_model_shadow_rows_rejected_alone_total", With(l, "rejected_by", "shadow"),
          t.rows_rejected_by_shadow_only);
    e.Add("trestle_model_shadow_rows_rejected_alone_total", With(l, "rejected_by", "node"),
          t.rows_rejected_by_node_only);
    e.Add("trestle_model_shadow_label_rows_total", l, t.label_rows);
    e.Add("trestle_model_shadow_label_disagreements_total", l, t.label_disagreements);
    e.Add("trestle_model_shadow_score_rows_total", l, t.score_rows);
    e.Add("trestle_model_shadow_score_abs_diff_total", l, t.score_abs_diff_sum);
    e.Add("trestle_model_shadow_score_abs_diff_max", l, t.score_abs_diff_max);
  }
}

void MonitorMetrics(const Plan& plan, Exposition& e) {
  e.Declare("trestle_monitor_findings_total", Type::kCounter, "Findings the monitor reported, by finding code.");
  e.Declare("trestle_monitor_windows_total", Type::kCounter, "Windows the monitor closed.");
  e.Declare("trestle_monitor_skipped_batches_total", Type::kCounter,
            "Batches the monitor did not look at because it was still busy (the data path never waits).");
  for (const auto& np : plan.nodes) {
    const PlannedNode& n = *np;
    const Labels l = {{"pipeline", plan.pipeline}, {"node", n.name}};
    for (const auto& [code, count] : n.stats->Findings())
      e.Add("trestle_monitor_findings_total", With(l, "code", code), count);
    if (n.info.role != Role::kMonitor) continue;
    e.Add("trestle_monitor_windows_total", l, n.stats->windows.load());
    const auto custom = n.stats->Custom();
    const auto skipped = custom.find("skipped_batches");
    e.Add("trestle_monitor_skipped_batches_total", l,
          static_cast<int64_t>(skipped == custom.end() ? 0.0 : skipped->second));
  }
}

// The plugins' own counters and gauges (TrestleHost counter_add / gauge_set).
void OperatorMetrics(const Plan& plan, Exposition& e) {
  for (const auto& np : plan.nodes) {
    const PlannedNode& n = *np;
    const Labels l = {{"pipeline", plan.pipeline}, {"node", n.name}};
    for (const auto& [raw, metric] : n.stats->CustomMetrics()) {
      if (IsHostMetric(n, raw)) continue;
      std::string name = SanitizeMetricName(raw);
      if (name.empty()) continue;
      name = "trestle_operator_" + name;
      const bool counter = !metric.gauge;
      if (counter && (name.size() < 6 || name.compare(name.size() - 6, 6, "_total") != 0)) name += "_total";
      const std::string help = std::string("Plugin-defined ") + (counter ? "counter" : "gauge") + " \"" + raw + "\".";
      if (!e.Declare(name, counter ? Type::kCounter : Type::kGauge, help)) continue;
      e.Add(name, l, metric.value);
    }
  }
}

}  // namespace

std::string EscapeLabelValue(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

std::string EscapeHelp(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

std::string FormatSampleValue(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  // Plain decimals where they are readable (times in Unix seconds, ratios), exponents
  // for the very large and very small; shortest round-trip either way.
  const double magnitude = std::fabs(value);
  const bool fixed = magnitude == 0 || (magnitude >= 1e-4 && magnitude < 1e15);
  char buf[512];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value, fixed ? std::chars_format::fixed : std::chars_format::general);
  if (ec != std::errc()) return "NaN";
  return std::string(buf, end);
}

std::string SanitizeMetricName(std::string_view raw) {
  std::string out;
  for (size_t i = 0; i < raw.size(); ++i) {
    const char c = raw[i];
    if (IsUpper(c)) {
      if (i > 0 && IsLowerOrDigit(raw[i - 1])) out += '_';
      out += static_cast<char>(c - 'A' + 'a');
    } else if (IsLowerOrDigit(c)) {
      out += c;
    } else {
      out += '_';
    }
  }
  std::string collapsed;
  for (char c : out)
    if (c != '_' || (!collapsed.empty() && collapsed.back() != '_')) collapsed += c;
  while (!collapsed.empty() && collapsed.back() == '_') collapsed.pop_back();
  return collapsed;
}

bool Exposition::Declare(const std::string& name, Type type, const std::string& help) {
  auto it = index_.find(name);
  if (it != index_.end()) return families_[it->second].type == type;
  index_[name] = families_.size();
  families_.push_back(Family{name, help, type, {}});
  return true;
}

void Exposition::AddLine(const std::string& family, const Labels& labels, const std::string& value,
                         const std::string& suffix) {
  auto it = index_.find(family);
  if (it == index_.end()) return;
  std::string series = family + suffix + RenderLabels(labels);
  if (!series_.insert(series).second) return;
  families_[it->second].lines.push_back(series + " " + value);
}

void Exposition::Add(const std::string& family, const Labels& labels, int64_t value, const std::string& suffix) {
  AddLine(family, labels, std::to_string(value), suffix);
}

void Exposition::Add(const std::string& family, const Labels& labels, double value, const std::string& suffix) {
  AddLine(family, labels, FormatSampleValue(value), suffix);
}

void Exposition::AddHistogram(const std::string& family, const Labels& labels, const std::vector<double>& bounds,
                              const std::vector<uint64_t>& counts, double sum) {
  // Counts are read bucket by bucket while observations go on, so _count is derived
  // from the same reads: it always equals the +Inf bucket.
  uint64_t cumulative = 0;
  for (size_t i = 0; i < bounds.size(); ++i) {
    cumulative += i < counts.size() ? counts[i] : 0;
    AddLine(family, With(labels, "le", FormatSampleValue(bounds[i])), std::to_string(cumulative), "_bucket");
  }
  for (size_t i = bounds.size(); i < counts.size(); ++i) cumulative += counts[i];
  AddLine(family, With(labels, "le", "+Inf"), std::to_string(cumulative), "_bucket");
  AddLine(family, labels, FormatSampleValue(sum), "_sum");
  AddLine(family, labels, std::to_string(cumulative), "_count");
}

std::string Exposition::Render() const {
  std::string out;
  for (const Family& f : families_) {
    if (f.lines.empty()) continue;
    out += "# HELP " + f.name + " " + EscapeHelp(f.help) + "\n";
    out += "# TYPE " + f.name + " " + TypeName(f.type) + "\n";
    for (const auto& line : f.lines) {
      out += line;
      out += '\n';
    }
  }
  return out;
}

RunSnapshot SnapshotRun(const Plan& plan, const FlowRunner& runner, std::string run_id, double start_time_seconds) {
  RunSnapshot s;
  s.run_id = std::move(run_id);
  s.ready = runner.Ready();
  s.start_time_seconds = start_time_seconds;
  s.progress = runner.Progress().fraction;
  s.dead_letter_rows = runner.dead_letters_written();
  s.rows_read.assign(plan.nodes.size(), 0);
  for (size_t i = 0; i < plan.nodes.size(); ++i)
    if (plan.nodes[i]->info.role == Role::kSource) s.rows_read[i] = runner.accounting().Read(static_cast<int>(i));
  return s;
}

std::string RenderPrometheus(const Plan& plan, const RunSnapshot& run) {
  Exposition e;
  ProcessMetrics(plan, run, e);
  NodeMetrics(plan, e);
  SourceMetrics(plan, run, e);
  ModelMetrics(plan, e);
  ShadowMetrics(plan, e);
  MonitorMetrics(plan, e);
  OperatorMetrics(plan, e);
  return e.Render();
}

}  // namespace trestle::core
