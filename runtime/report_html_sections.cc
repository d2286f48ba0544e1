#include "report_html_sections.h"

#include <cstdint>
#include <set>
#include <sstream>
#include <tuple>
#include <vector>

#include "report_html_text.h"
#include "report_util.h"

namespace trestle::cli::html {

namespace {

using Json = nlohmann::json;

std::string Cell(const std::string& s, const char* cls = nullptr) {
  return std::string("<td") + (cls ? std::string(" class=\"") + cls + "\"" : "") + ">" + E(s) + "</td>";
}
std::string NumCell(double v) { return "<td class=\"num\">" + E(NumberText(v)) + "</td>"; }
std::string IntCell(int64_t v) { return "<td class=\"num\">" + std::to_string(v) + "</td>"; }

std::string JStr(const Json& j, const char* k) {
  auto it = j.find(k);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}
int64_t JInt(const Json& j, const char* k) {
  auto it = j.find(k);
  return it != j.end() && it->is_number() ? it->get<int64_t>() : 0;
}

std::string TopValues(const Json& top) {
  std::string s;
  if (!top.is_array()) return s;
  for (const auto& t : top) {
    if (!t.is_object()) continue;
    std::string v = t.contains("value") && t["value"].is_string() ? t["value"].get<std::string>() : t.value("value", Json()).dump();
    double share = t.contains("share") && t["share"].is_number() ? t["share"].get<double>() : kNaN;
    s += (s.empty() ? "" : ", ") + v + " (" + std::to_string(JInt(t, "count")) + ", " + Pct(share) + ")";
  }
  return s;
}

}  // namespace

std::string Summary(const HtmlReportInput& in) {
  const core::StoredRun& r = in.run;
  std::ostringstream o;
  o << "<section id=\"summary\"><h2>Run</h2><dl class=\"kv\">";
  auto kv = [&](const std::string& k, const std::string& v, const char* cls = nullptr) {
    o << "<dt>" << E(k) << "</dt><dd" << (cls ? std::string(" class=\"") + cls + "\"" : "") << ">" << E(v) << "</dd>";
  };
  kv("run", r.run_id, "mono");
  kv("pipeline", r.pipeline);
  kv("file", r.file, "mono");
  kv("status", r.status);
  kv("started", r.started, "mono");
  kv("ended", r.ended.empty() ? "(running)" : r.ended, "mono");
  kv("duration", DurationText(r.duration_seconds));
  kv("config hash", r.config_hash, "mono");
  kv("rows read / written", std::to_string(r.rows_read) + " / " + std::to_string(r.rows_written));
  kv("monitor windows / findings", std::to_string(r.windows) + " / " + std::to_string(r.findings));
  if (!r.error.empty()) kv("error", r.error, "err");
  o << "</dl>";
  if (!in.plugins.empty()) {
    o << "<h3>Plugins</h3><table class=\"sortable\"><thead><tr><th>plugin</th><th>version</th><th>sha256</th></tr>"
         "</thead><tbody>";
    for (const auto& p : in.plugins) o << "<tr>" << Cell(p.plugin) << Cell(p.version) << Cell(p.sha256, "mono") << "</tr>";
    o << "</tbody></table>";
  }
  if (!in.models.empty()) {
    o << "<h3>Models</h3><table class=\"sortable\"><thead><tr><th>node</th><th>version</th><th>rows</th>"
         "<th>framework</th><th>path</th><th>sha256</th></tr></thead><tbody>";
    for (const auto& m : in.models)
      o << "<tr>" << Cell(m.node) << Cell(m.version) << IntCell(m.rows) << Cell(m.framework) << Cell(m.path, "mono")
        << Cell(m.sha256, "mono") << "</tr>";
    o << "</tbody></table>";
  }
  o << "</section>";
  return o.str();
}

std::string Accounting(const HtmlReportInput& in) {
  std::ostringstream o;
  o << "<section id=\"accounting\"><h2>Row accounting</h2>";
  const Json& acc = in.run.accounting;
  if (!acc.is_object() || !acc.contains("sources") || !acc["sources"].is_object()) {
    o << "<p class=\"note\">No row accounting recorded (the run has not ended).</p></section>";
    return o.str();
  }
  bool balanced = acc.value("balanced", false);
  std::string no_sink;  // sources whose rows reach no sink (e.g. only monitors)
  for (const auto& [src, s] : acc["sources"].items())
    if (!s.contains("paths") || !s["paths"].is_object() || s["paths"].empty()) no_sink += (no_sink.empty() ? "" : ", ") + src;
  const bool failed = in.run.status == "failed";
  o << "<p class=\"" << (balanced ? "ok" : "err") << "\">";
  if (balanced)
    o << "Balanced: every row read is accounted for at every sink"
      << (no_sink.empty() ? "." : " (" + E(no_sink) + ": no sink, so only read counts are shown).");
  else if (failed)
    o << "The run failed: the accounting below is what was processed before it stopped.";
  else
    o << "NOT balanced: some rows are unaccounted for.";
  o << "</p>";
  o << "<table><thead><tr><th>source</th><th>read</th><th>sink</th><th>written</th><th>dead-lettered</th>"
       "<th>filtered</th><th>skipped</th><th>balanced</th></tr></thead><tbody>";
  for (const auto& [src, s] : acc["sources"].items()) {
    const Json paths = s.contains("paths") && s["paths"].is_object() ? s["paths"] : Json::object();
    if (paths.empty()) o << "<tr>" << Cell(src) << IntCell(JInt(s, "read")) << "<td colspan=\"6\">(no sink)</td></tr>";
    for (const auto& [sink, p] : paths.items()) {
      bool b = p.value("balanced", false);
      o << "<tr>" << Cell(src) << IntCell(JInt(s, "read")) << Cell(sink) << IntCell(JInt(p, "reached"))
        << IntCell(JInt(p, "dead_lettered")) << IntCell(JInt(p, "filtered")) << IntCell(JInt(p, "skipped"))
        << Cell(b ? "yes" : "NO", b ? "ok" : "err") << "</tr>";
    }
  }
  o << "</tbody></table>";
  const Json& rep = in.run.report;
  if (rep.is_object() && rep.contains("nodes") && rep["nodes"].is_array()) {
    o << "<h3>Nodes</h3><table class=\"sortable\"><thead><tr><th>node</th><th>type</th><th>role</th>"
         "<th>rows in</th><th>rows out</th><th>dead-lettered</th><th>filtered</th><th>retries</th><th>errors</th>"
         "</tr></thead><tbody>";
    for (const auto& nd : rep["nodes"]) {
      std::string errors;
      if (nd.contains("errors") && nd["errors"].is_object())
        for (const auto& [code, count] : nd["errors"].items())
          errors += (errors.empty() ? "" : ", ") + code + " " + (count.is_number() ? count.dump() : "?");
      o << "<tr>" << Cell(JStr(nd, "name")) << Cell(JStr(nd, "type")) << Cell(JStr(nd, "role"))
        << IntCell(JInt(nd, "rows_in")) << IntCell(JInt(nd, "rows_out")) << IntCell(JInt(nd, "dead_lettered"))
        << IntCell(JInt(nd, "filtered")) << IntCell(JInt(nd, "retries")) << Cell(errors) << "</tr>";
    }
    o << "</tbody></table>";
  }
  o << "</section>";
  return o.str();
}

std::string SinceWhen(const HtmlReportInput& in) {
  std::vector<const core::FindingStreak*> mine;
  std::set<std::string> run_nodes;
  for (const auto& f : in.findings) run_nodes.insert(f.node);
  for (const auto& s : in.streaks)
    if (run_nodes.count(s.node) && s.last_run == in.run.run_id) mine.push_back(&s);
  if (mine.empty()) return "";
  // What changed most recently first: ongoing streaks by the day they began, newest first.
  std::stable_sort(mine.begin(), mine.end(), [](const core::FindingStreak* a, const core::FindingStreak* b) {
    if (a->ongoing != b->ongoing) return a->ongoing;
    return std::tie(b->since_date, b->since_us) < std::tie(a->since_date, a->since_us);
  });
  std::ostringstream o;
  o << "<section id=\"since-when\"><h2>What changed, and since when</h2><p class=\"note\">Since: the first window of "
       "the latest unbroken streak of the monitor's windows (over every recorded run of this pipeline up to this "
       "one) that carry the finding; a date is the run's <code>--date</code>, the day its data describes.</p>"
       "<table class=\"sortable\" id=\"since\"><thead><tr><th>feature</th><th>code</th><th>statistic</th>"
       "<th>node</th><th>since</th><th>since run</th><th>windows</th><th>state</th></tr></thead><tbody>";
  for (const auto* s : mine)
    o << "<tr>" << Cell(s->feature) << "<td><span class=\"code\">" << E(s->code) << "</span></td>" << Cell(s->statistic)
      << Cell(s->node) << Cell(WhenText(s->since_date, s->since_dated, s->since_us), "mono") << Cell(s->since_run, "mono")
      << IntCell(s->windows) << Cell(s->ongoing ? "ongoing" : "ended") << "</tr>";
  o << "</tbody></table></section>";
  return o.str();
}

std::string Findings(const HtmlReportInput& in) {
  std::ostringstream o;
  o << "<section id=\"findings\"><h2>Anomalies and drift alerts</h2>";
  if (in.findings.empty()) {
    o << "<p class=\"ok\">No findings in this run.</p></section>";
    return o.str();
  }
  const size_t kMax = 1000;
  o << "<h3>Findings of this run</h3><table class=\"sortable\" id=\"anomalies\"><thead><tr><th>time (UTC)</th>"
       "<th>node</th><th>feature</th><th>finding</th><th>statistic</th><th>value</th><th>threshold</th>"
       "<th>top values (count, share)</th></tr></thead><tbody>";
  for (size_t i = 0; i < in.findings.size() && i < kMax; ++i) {
    const auto& f = in.findings[i];
    o << "<tr>" << Cell(TimeText(f.time_us), "mono") << Cell(f.node) << Cell(f.feature) << "<td class=\"wrap\"><span class=\"code\">"
      << E(f.code) << "</span><div class=\"msg\">" << E(f.message) << "</div></td>" << Cell(f.statistic)
      << NumCell(f.value) << NumCell(f.threshold) << Cell(TopValues(f.top_values), "wrap") << "</tr>";
  }
  o << "</tbody></table>";
  if (in.findings.size() > kMax)
    o << "<p class=\"note\">The first " << kMax << " of " << in.findings.size()
      << " findings; <code>trestle history</code> and the run store hold all of them.</p>";
  o << "</section>";
  return o.str();
}

}  // namespace trestle::cli::html
