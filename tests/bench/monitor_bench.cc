// monitor_bench: pipeline throughput with monitors against the same pipeline without
// them, in one process, on the same data.
//
//   without: csv_source -> impute -> one_hot -> scale -> linear (logistic) -> select -> csv_sink
//   with:    the same, plus schema_monitor and drift_monitor on the source's batches and
//            prediction_monitor on the model's, against reference profiles written
//            beforehand by profile_sink (a pipeline of its own, run once, not timed).
//
// Both pipelines are built and run through core exactly as `trestle run` does it
// (ValidatePipelineText, BuildPlan, FlowRunner), with the first-party plugins of this
// build. The input is a generated churn-like CSV file (an id, 8 numeric and 3
// categorical columns) in a temporary directory; a reference file of the same
// distribution, another seed, gives the profiles. The variants alternate (their order
// rotating every repetition); the report gives median rows/s of each, their ratio, and
// what the monitors did: batches observed and skipped (a monitor runs on a low-priority
// thread of its own; a batch that finds its queue full is skipped, and nothing waits for
// it), windows closed, findings. See docs/benchmarks.md.
//
// Usage: monitor_bench [--rows 200000] [--reps 7] [--batch-rows 4096] [--queue-batches N] [--smoke]
//   --queue-batches: the monitors' monitoring.queue_batches (default: the engine's, 4);
//                    at least the number of batches, and the monitors see every row.
//   --smoke: tiny sizes, for the ctest that checks that the bench runs (no timings).

#include <stdlib.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <initializer_list>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <glog/logging.h>
#include <nlohmann/json.hpp>

#include "config/validate.h"
#include "exec/flow_runner.h"
#include "graph/plan.h"
#include "graph/planner.h"
#include "plugin/operator_info.h"
#include "plugin/registry.h"

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using nlohmann::json;

// Windows of 10,000 rows, as the monitors' defaults were when the figures in
// docs/benchmarks.md were taken (now one window per run): a window's scoring is part of
// the cost measured.
constexpr int64_t kWindowRows = 10000;
constexpr int kMaxInflight = 8;         // the engine's default

const char* const kNumeric[] = {"tenure_months", "monthly_charges", "total_charges", "support_calls",
                                "age",           "data_gb",         "late_payments", "discount"};
const char* const kCategorical[] = {"contract", "payment_method", "internet_service"};

// The temporary directory, while there is one: die() removes it too.
std::string temp_root;

[[noreturn]] void die(const std::string& m) {
  std::fprintf(stderr, "monitor_bench: %s\n", m.c_str());
  if (!temp_root.empty()) {
    std::error_code ec;
    fs::remove_all(temp_root, ec);
  }
  std::exit(1);
}

struct Args {
  int64_t rows = 200000;
  int reps = 7;
  int64_t batch_rows = 4096;
  int64_t queue_batches = 0;  // the monitors' monitoring.queue_batches; 0: the engine's default (4)
};

Args parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&]() -> long long {
      if (i + 1 >= argc) die("option " + arg + " needs a value");
      const long long v = std::atoll(argv[++i]);
      if (v < 1) die(arg + " must be at least 1");
      return v;
    };
    if (arg == "--smoke") {
      a.rows = 5000;
      a.reps = 1;
      a.batch_rows = 1024;
    } else if (arg == "--rows") {
      a.rows = value();
    } else if (arg == "--reps") {
      a.reps = static_cast<int>(value());
    } else if (arg == "--batch-rows") {
      a.batch_rows = value();
    } else if (arg == "--queue-batches") {
      a.queue_batches = value();
    } else {
      die("unknown argument \"" + arg +
          "\"; usage: monitor_bench [--rows 200000] [--reps 7] [--batch-rows 4096] [--queue-batches N] [--smoke]");
    }
  }
  return a;
}

// A directory of our own under $TMPDIR (or /tmp), removed with everything in it.
class TempDir {
 public:
  TempDir() {
    const char* tmp = std::getenv("TMPDIR");
    std::string pattern = std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/monitor_bench.XXXXXX";
    if (mkdtemp(pattern.data()) == nullptr) die("cannot create a temporary directory from " + pattern);
    path_ = pattern;
    temp_root = path_;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
    temp_root.clear();
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string operator/(const std::string& name) const { return (fs::path(path_) / name).string(); }

 private:
  std::string path_;
};

void write_file(const std::string& path, const std::string& text) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr || std::fwrite(text.data(), 1, text.size(), f) != text.size() || std::fclose(f) != 0)
    die("cannot write " + path);
}

// `rows` churn-like customers, seeded. Every numeric column is bounded with mass at its
// ends (clamped), so that two seeds give the same ranges and a monitor watching one
// against the profile of the other finds nothing to report: the bench measures the
// monitors' work, not a flood of findings. total_charges and discount have nulls.
std::string make_csv(int64_t rows, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(0, 1);
  auto pick = [&](std::initializer_list<double> weights) {
    double x = u(rng), acc = 0;
    int k = 0;
    for (double w : weights) {
      acc += w;
      if (x < acc) return k;
      ++k;
    }
    return k - 1;
  };
  static const char* const kContract[] = {"month-to-month", "one-year", "two-year"};
  static const char* const kPayment[] = {"electronic_check", "mailed_check", "bank_transfer", "credit_card"};
  static const char* const kInternet[] = {"dsl", "fiber", "none"};
  std::string out =
      "customer_id,tenure_months,monthly_charges,total_charges,support_calls,age,data_gb,late_payments,discount,contract,"
      "payment_method,internet_service\n";
  out.reserve(static_cast<size_t>(rows) * 100);
  char line[256];
  for (int64_t r = 0; r < rows; ++r) {
    const int tenure = static_cast<int>(u(rng) * 73);
    const double monthly = 18 + 100 * u(rng);
    const double total = std::min(6000.0, tenure * monthly * (0.9 + 0.2 * u(rng)));
    const int calls = std::min(9, static_cast<int>(-std::log(1 - u(rng)) / std::log(2.0)));
    const int age = 18 + static_cast<int>(u(rng) * 63);
    const double data_gb = std::min(120.0, -20 * std::log(1 - u(rng)));
    const int late = pick({0.45, 0.3, 0.13, 0.07, 0.03, 0.02});
    const double discount = 0.3 * u(rng);
    char total_text[32] = "", discount_text[32] = "";
    if (u(rng) >= 0.02) std::snprintf(total_text, sizeof total_text, "%.2f", total);
    if (u(rng) >= 0.01) std::snprintf(discount_text, sizeof discount_text, "%.3f", discount);
    std::snprintf(line, sizeof line, "%lld,%d,%.2f,%s,%d,%d,%.2f,%d,%s,%s,%s,%s\n", static_cast<long long>(1000000 + r),
                  tenure, monthly, total_text, calls, age, data_gb, late, discount_text,
                  kContract[pick({0.55, 0.25, 0.2})], kPayment[pick({0.35, 0.2, 0.25, 0.2})],
                  kInternet[pick({0.35, 0.45, 0.2})]);
    out += line;
  }
  return out;
}

// Fitted-looking parameters: scale (mean, std) and impute (median) read the same file.
constexpr const char* kFeatureParams = R"({
  "tenure_months": {"mean": 36, "std": 21.1},
  "monthly_charges": {"mean": 68, "std": 28.9},
  "total_charges": {"mean": 2300, "std": 1800, "median": 1800},
  "support_calls": {"mean": 1, "std": 1.4},
  "age": {"mean": 49, "std": 18.2},
  "data_gb": {"mean": 19.9, "std": 19.5},
  "late_payments": {"mean": 0.95, "std": 1.1},
  "discount": {"mean": 0.15, "std": 0.087, "median": 0.15}
})";

constexpr const char* kModel = R"({
  "type": "logistic",
  "version": "bench",
  "features": ["tenure_months", "monthly_charges", "total_charges", "support_calls", "age", "data_gb",
               "late_payments", "discount", "contract=month-to-month", "contract=two-year",
               "payment_method=electronic_check", "internet_service=fiber", "internet_service=none"],
  "coefficients": [-0.91, 0.25, 0.02, 0.4, -0.1, 0.05, 0.6, -0.3, 1.54, -1.19, 0.56, 0.81, -0.58],
  "intercept": -2.34
})";

// The data path shared by every pipeline here: source, transforms, model.
json scoring_nodes(const TempDir& dir, const std::string& data) {
  json schema = {{"customer_id", "int64"}};
  for (const char* c : kNumeric) schema[c] = "float64";
  for (const char* c : {"tenure_months", "support_calls", "age", "late_payments"}) schema[c] = "int64";
  for (const char* c : kCategorical) schema[c] = "utf8";
  const std::string params = dir / "feature_params.json";
  return json::array({
      {{"name", "customers"}, {"type", "csv_source"}, {"options", {{"path", data}, {"schema", schema}}}},
      {{"name", "fill"},
       {"type", "impute"},
       {"inputs", {"customers"}},
       {"options", {{"columns", {"total_charges", "discount"}}, {"strategy", "median"}, {"params_file", params}}}},
      {{"name", "encode"},
       {"type", "one_hot"},
       {"inputs", {"fill"}},
       {"options",
        {{"columns", kCategorical},
         {"categories",
          {{"contract", {"month-to-month", "one-year", "two-year"}},
           {"payment_method", {"electronic_check", "mailed_check", "bank_transfer", "credit_card"}},
           {"internet_service", {"dsl", "fiber", "none"}}}}}}},
      {{"name", "standardize"},
       {"type", "scale"},
       {"inputs", {"encode"}},
       {"options", {{"columns", kNumeric}, {"params_file", params}}}},
      {{"name", "score"}, {"type", "linear"}, {"inputs", {"standardize"}}, {"options", {{"model", dir / "model.json"}}}},
  });
}

json pipeline(const std::string& name, json nodes, int64_t batch_rows) {
  return {{"pipeline", name},
          {"nodes", std::move(nodes)},
          {"execution", {{"batch_rows", batch_rows}, {"max_inflight_batches", kMaxInflight}}}};
}

// Without monitors: the scores (id, score, label) go to a CSV file.
json without_monitors(const TempDir& dir, int64_t batch_rows) {
  json nodes = scoring_nodes(dir, dir / "data.csv");
  nodes.push_back({{"name", "result"},
                   {"type", "select"},
                   {"inputs", {"score"}},
                   {"options", {{"keep", {"customer_id", "score", "label"}}}}});
  nodes.push_back({{"name", "scores"}, {"type", "csv_sink"}, {"inputs", {"result"}}, {"options", {{"path", dir / "scores.csv"}}}});
  return pipeline("bench-without-monitors", std::move(nodes), batch_rows);
}

// With monitors: the same, plus the three monitors (windows of kWindowRows rows).
json with_monitors(const TempDir& dir, int64_t batch_rows, int64_t queue_batches) {
  json p = without_monitors(dir, batch_rows);
  p["pipeline"] = "bench-with-monitors";
  json features = json::array();
  for (const char* c : kNumeric) features.push_back(c);
  for (const char* c : kCategorical) features.push_back(c);
  json& nodes = p["nodes"];
  nodes.push_back({{"name", "quality"},
                   {"type", "schema_monitor"},
                   {"inputs", {"customers"}},
                   {"options", {{"reference", dir / "input.profile"}, {"ignore", {"customer_id"}}}}});
  nodes.push_back({{"name", "drift"},
                   {"type", "drift_monitor"},
                   {"inputs", {"customers"}},
                   {"options", {{"reference", dir / "input.profile"}, {"features", features}}}});
  nodes.push_back({{"name", "outputs"},
                   {"type", "prediction_monitor"},
                   {"inputs", {"score"}},
                   {"options", {{"reference", dir / "output.profile"}}}});
  for (json& node : nodes) {
    if (node["name"] != "quality" && node["name"] != "drift" && node["name"] != "outputs") continue;
    node["options"]["window_rows"] = kWindowRows;
    if (queue_batches > 0) node["monitoring"] = {{"queue_batches", queue_batches}};
  }
  return p;
}

// The reference profiles: the source's rows and the model's outputs on the reference file.
json profiles(const TempDir& dir, int64_t batch_rows) {
  json nodes = scoring_nodes(dir, dir / "reference.csv");
  nodes.push_back({{"name", "input_profile"},
                   {"type", "profile_sink"},
                   {"inputs", {"customers"}},
                   {"options", {{"path", dir / "input.profile"}}}});
  nodes.push_back({{"name", "output_profile"},
                   {"type", "profile_sink"},
                   {"inputs", {"score"}},
                   {"options", {{"path", dir / "output.profile"}, {"categorical", {"label"}}}}});
  return pipeline("bench-profiles", std::move(nodes), batch_rows);
}

std::unique_ptr<trestle::core::Plan> make_plan(const json& p, const trestle::core::PluginRegistry& registry) {
  trestle::core::Diagnostics diags;
  const std::string name = p["pipeline"].get<std::string>();
  auto validated = trestle::core::ValidatePipelineText(p.dump(), trestle::core::Format::kJson, name,
                                                       trestle::core::LoadOptions{}, registry, &diags);
  if (!validated.ok()) die("pipeline " + name + " is invalid:\n" + diags.ToString() + validated.status().ToString());
  auto planned = trestle::core::BuildPlan(validated.value(), registry, &diags);
  if (!planned.ok()) die("pipeline " + name + " cannot be planned:\n" + diags.ToString() + planned.status().ToString());
  return std::move(planned).value();
}

double process_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

struct MonitorRun {
  std::string name, type;
  int64_t batches = 0, rows = 0;  // observed
  int64_t skipped = 0;            // batches not shown to it (it was busy)
  int64_t windows = 0, findings = 0;
  double observe_s = 0;  // wall-clock time inside observe()
};

struct RunResult {
  double wall_s = 0, cpu_s = 0;  // of FlowRunner::Run(): wall clock, and CPU time of the whole process
  double data_path_s = 0;        // from the start of the run until every batch had passed every sink
  int64_t rows_read = 0, rows_written = 0, batches = 0;
  std::vector<MonitorRun> monitors;
};

// Plans and runs `p` once; only Run() is timed. Fails the bench unless the run succeeded
// and every row read reached the scores file (or, for the profiles, was read).
RunResult run_once(const json& p, const trestle::core::PluginRegistry& registry, const TempDir& dir, int64_t rows,
                   const std::string& run_id) {
  std::unique_ptr<trestle::core::Plan> plan = make_plan(p, registry);
  const std::string run_dir = dir / ("runs/" + run_id);
  fs::create_directories(run_dir);
  trestle::core::FlowRunner runner(plan.get(), trestle::core::RunOptions{run_id, run_dir, nullptr, ""});
  const double cpu0 = process_cpu_seconds();
  const auto wall0 = Clock::now();
  const trestle::core::Status st = runner.Run();
  RunResult r;
  r.wall_s = std::chrono::duration<double>(Clock::now() - wall0).count();
  r.cpu_s = process_cpu_seconds() - cpu0;
  r.data_path_s = std::chrono::duration<double>(runner.data_path_ended() - runner.started()).count();
  if (!st.ok()) die("run " + run_id + " failed: " + st.ToString());
  r.rows_read = runner.Progress().rows_read;
  if (r.rows_read != rows) die("run " + run_id + " read " + std::to_string(r.rows_read) + " rows, not " + std::to_string(rows));
  if (runner.dead_letters_written() != 0)
    die("run " + run_id + " dead-lettered " + std::to_string(runner.dead_letters_written()) + " rows; see " +
        runner.dead_letter_path());
  const json skips = runner.MonitorSkips();
  for (const auto& node : plan->nodes) {
    const trestle::core::NodeStats& s = *node->stats;
    if (node->name == "customers") r.batches = s.batches_out.load();
    if (node->name == "scores") r.rows_written = s.rows_out.load();
    if (node->info.role != trestle::core::Role::kMonitor) continue;
    MonitorRun m;
    m.name = node->name;
    m.type = node->type;
    m.batches = s.batches_in.load();
    m.rows = s.rows_in.load();
    m.skipped = skips.value(node->name, int64_t{0});
    m.windows = s.windows.load();
    for (const auto& [code, n] : s.Findings()) m.findings += n;
    m.observe_s = s.latency.Sum();
    r.monitors.push_back(m);
  }
  if (plan->NodeIndex("scores") >= 0 && r.rows_written != rows)
    die("run " + run_id + " wrote " + std::to_string(r.rows_written) + " scores, not " + std::to_string(rows));
  return r;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

// One value per run of the runs given, through `f`.
template <typename F>
std::vector<double> each(const std::vector<RunResult>& runs, F f) {
  std::vector<double> v;
  for (const auto& r : runs) v.push_back(static_cast<double>(f(r)));
  return v;
}

std::string median_range(const std::vector<double>& v, const char* format) {
  char m[32], lo[32], hi[32];
  std::snprintf(m, sizeof m, format, median(v));
  std::snprintf(lo, sizeof lo, format, *std::min_element(v.begin(), v.end()));
  std::snprintf(hi, sizeof hi, format, *std::max_element(v.begin(), v.end()));
  return std::string(m) + " (" + lo + "-" + hi + ")";
}

}  // namespace

int main(int argc, char** argv) {
  const Args args = parse(argc, argv);
  // Findings would be logged at WARNING (there should be none); nothing below that.
  FLAGS_logtostderr = true;
  FLAGS_minloglevel = google::GLOG_WARNING;
  google::InitGoogleLogging(argv[0]);

  const std::string plugins = TRESTLE_BUILD_PLUGIN_DIR;
  std::vector<std::string> libraries;
  for (const char* name : {"io", "features", "linear", "monitors"}) libraries.push_back(plugins + "/libtrestle_" + name + ".so");
  // The file check is skipped: this measures speed, and build directories may be group-writable.
  auto registry = trestle::core::PluginRegistry::LoadFiles(libraries, /*allow_insecure=*/true);
  for (const auto& r : registry.Refusals()) die("plugin refused: " + r.status.ToString());

  TempDir dir;
  const std::string data = make_csv(args.rows, 1);
  write_file(dir / "data.csv", data);
  const int64_t reference_rows = std::clamp<int64_t>(args.rows / 4, 2000, 50000);
  write_file(dir / "reference.csv", make_csv(reference_rows, 2));
  write_file(dir / "feature_params.json", kFeatureParams);
  write_file(dir / "model.json", kModel);
  run_once(profiles(dir, args.batch_rows), registry, dir, reference_rows, "profiles");

  const json variants[2] = {without_monitors(dir, args.batch_rows), with_monitors(dir, args.batch_rows, args.queue_batches)};
  const char* const labels[2] = {"without monitors", "with monitors"};
  // One untimed run of each first (page cache, lazy binding, allocator), then the
  // repetitions, alternating, which variant goes first rotating: A B, B A, A B, ...
  for (int v = 0; v < 2; ++v) run_once(variants[v], registry, dir, args.rows, std::string("warmup-") + "AB"[v]);
  std::vector<RunResult> runs[2];
  for (int rep = 0; rep < args.reps; ++rep) {
    for (int k = 0; k < 2; ++k) {
      const int v = (rep + k) % 2;
      runs[v].push_back(run_once(variants[v], registry, dir, args.rows, std::string(1, "AB"[v]) + std::to_string(rep)));
    }
  }

  const double n = static_cast<double>(args.rows);
  std::printf("monitor_bench: csv_source -> impute -> one_hot -> scale -> linear -> select -> csv_sink\n");
  std::printf("with monitors: + schema_monitor, drift_monitor on the source, prediction_monitor on the model "
              "(window_rows %lld, queue_batches %lld)\n",
              static_cast<long long>(kWindowRows), static_cast<long long>(args.queue_batches > 0 ? args.queue_batches : 4));
  std::printf("%lld rows x 12 columns (%.1f MB of CSV), batch_rows %lld (%lld batches), max_inflight_batches %d, %u cores\n",
              static_cast<long long>(args.rows), static_cast<double>(data.size()) / 1e6,
              static_cast<long long>(args.batch_rows), static_cast<long long>(runs[0].front().batches), kMaxInflight,
              std::thread::hardware_concurrency());
  std::printf("%d repetitions, alternating; medians (min-max)\n\n", args.reps);

  std::printf("%-18s %28s %28s %22s %24s\n", "variant", "data path rows/s", "whole run rows/s", "run s", "CPU us/row");
  double rate[2], data_rate[2];
  for (int v = 0; v < 2; ++v) {
    const auto rows_per_s = each(runs[v], [&](const RunResult& r) { return n / r.wall_s; });
    const auto data_rows_per_s = each(runs[v], [&](const RunResult& r) { return n / r.data_path_s; });
    rate[v] = median(rows_per_s);
    data_rate[v] = median(data_rows_per_s);
    std::printf("%-18s %28s %28s %22s %24s\n", labels[v], median_range(data_rows_per_s, "%.0f").c_str(),
                median_range(rows_per_s, "%.0f").c_str(),
                median_range(each(runs[v], [](const RunResult& r) { return r.wall_s; }), "%.3f").c_str(),
                median_range(each(runs[v], [&](const RunResult& r) { return 1e6 * r.cpu_s / n; }), "%.2f").c_str());
  }
  std::vector<double> paired, cpu_paired;
  for (int rep = 0; rep < args.reps; ++rep) {
    paired.push_back(runs[0][static_cast<size_t>(rep)].wall_s / runs[1][static_cast<size_t>(rep)].wall_s);
    cpu_paired.push_back(runs[1][static_cast<size_t>(rep)].cpu_s / runs[0][static_cast<size_t>(rep)].cpu_s);
  }
  std::printf("\nper repetition, with/without: rows/s ratio %s, CPU time ratio %s\n",
              median_range(paired, "%.3f").c_str(), median_range(cpu_paired, "%.3f").c_str());

  std::printf("\nmonitors, per run (with monitors): medians (min-max)\n");
  std::printf("%-8s %-19s %22s %20s %22s %16s %10s %18s\n", "node", "operator", "rows observed", "batches observed",
              "batches skipped", "windows", "findings", "observe wall s");
  const size_t monitors = runs[1].front().monitors.size();
  for (size_t i = 0; i < monitors; ++i) {
    const MonitorRun& first = runs[1].front().monitors[i];
    auto field = [&](auto f) { return each(runs[1], [&](const RunResult& r) { return f(r.monitors[i]); }); };
    std::printf("%-8s %-19s %22s %20s %22s %16s %10s %18s\n", first.name.c_str(), first.type.c_str(),
                median_range(field([](const MonitorRun& m) { return m.rows; }), "%.0f").c_str(),
                median_range(field([](const MonitorRun& m) { return m.batches; }), "%.0f").c_str(),
                median_range(field([](const MonitorRun& m) { return m.skipped; }), "%.0f").c_str(),
                median_range(field([](const MonitorRun& m) { return m.windows; }), "%.0f").c_str(),
                median_range(field([](const MonitorRun& m) { return m.findings; }), "%.0f").c_str(),
                median_range(field([](const MonitorRun& m) { return m.observe_s; }), "%.3f").c_str());
  }

  std::printf("\nratio with/without monitors, whole run: %lld rows %.3f\n", static_cast<long long>(args.rows), rate[1] / rate[0]);
  std::printf("ratio with/without monitors: %lld rows %.3f\n", static_cast<long long>(args.rows), data_rate[1] / data_rate[0]);
  std::printf(
      "\ndata path rows/s: rows read, scored and written per second, until the last batch had passed the sink\n"
      "(FlowRunner::data_path_ended()); whole run rows/s: per second of FlowRunner::Run(), which then also waits\n"
      "for the monitors to work off their queues and close their last windows, and commits.\n"
      "ratio: median data path rows/s with monitors divided by median without (1.000 = the monitors cost the\n"
      "data path nothing); the whole-run ratio likewise.\n"
      "CPU us/row: CPU time of the whole process during the run, per row: the work the monitors add, whichever\n"
      "thread did it. Monitors run on threads of their own at nice +10; a batch that finds a monitor's queue\n"
      "(4 batches) full is skipped (counted, never waited for); rows observed and windows are what it saw. observe wall s: wall-clock time inside the monitor's observe calls\n"
      "(the windows they close included, not the last one, closed at the end of the run); on a busy machine it\n"
      "also counts time the thread waited for a core.\n");
  return 0;
}
