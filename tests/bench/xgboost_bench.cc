// xgboost_bench: rows/s of the `xgboost` model node against calling XGBoost directly, in
// one process, on the same data.
//
//   node:     the built plugin library, loaded by core's PluginRegistry and called through
//             OperatorInstance::Process with a CallContext per call, exactly as the engine
//             calls a model node: Arrow export of the batch, import in the plugin, feature
//             assembly by name (trestle::to_row_major<float>), XGBoosterPredictFromDense,
//             output columns, export, import on the host side.
//   direct:   XGBoosterPredictFromDense on a float32 row-major matrix prepared once from
//             the same batch, plus copying the result out (which any caller must do).
//   assembly: trestle::to_row_major<float> on the batch, timed alone but each followed by a
//             prediction from its matrix as in the node: the feature-assembly part of the
//             node's time.
//
// Both sides use one XGBoost thread (nthread 1) and the same model and batches. The three
// measurements alternate within every repetition (their order rotating), and the report
// gives medians. See docs/benchmarks.md.
//
// Usage: xgboost_bench [--rows 1024,8192] [--reps 21] [--min-rows 131072] [--smoke]
//   --smoke: tiny sizes, for the ctest that checks that the bench runs (no timings).

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include <time.h>

#include <trestle/batch.hpp>
#include <trestle/dense.hpp>
#include <trestle/schema.hpp>
#include <xgboost/c_api.h>

#include "exec/node_host.h"
#include "exec/operator_instance.h"
#include "observe/node_stats.h"
#include "plugin/operator_info.h"
#include "plugin/registry.h"

namespace {

using Clock = std::chrono::steady_clock;
using trestle::core::OperatorInstance;
using trestle::core::ParamType;

constexpr int kFeatures = 30;
// What the plugin passes to XGBoosterPredictFromDense (plugins/xgboost/booster.cc).
constexpr const char* kPredictConfig =
    R"({"type":0,"training":false,"iteration_begin":0,"iteration_end":0,"strict_shape":false,"cache_id":0,"missing":NaN})";

[[noreturn]] void die(const std::string& m) {
  std::fprintf(stderr, "xgboost_bench: %s\n", m.c_str());
  std::exit(1);
}

void check(int rc, const char* call) {
  if (rc != 0) die(std::string(call) + " failed: " + XGBGetLastError());
}

struct Args {
  std::vector<int64_t> rows = {1024, 8192};
  int reps = 21;
  int64_t min_rows = 131072;  // rows per measurement (iterations = min_rows / batch rows)
};

Args parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) die("option " + arg + " needs a value");
      return argv[++i];
    };
    if (arg == "--smoke") {
      a.rows = {100};
      a.reps = 3;
      a.min_rows = 200;
    } else if (arg == "--rows") {
      a.rows.clear();
      const std::string v = value();
      size_t start = 0;
      while (start <= v.size()) {
        size_t end = v.find(',', start);
        if (end == std::string::npos) end = v.size();
        const long long n = std::atoll(v.substr(start, end - start).c_str());
        if (n < 1) die("--rows takes positive counts separated by commas, not \"" + v + "\"");
        a.rows.push_back(n);
        start = end + 1;
      }
    } else if (arg == "--reps") {
      a.reps = std::atoi(value().c_str());
      if (a.reps < 1) die("--reps must be at least 1");
    } else if (arg == "--min-rows") {
      a.min_rows = std::atoll(value().c_str());
      if (a.min_rows < 1) die("--min-rows must be at least 1");
    } else {
      die("unknown argument \"" + arg + "\"; usage: xgboost_bench [--rows 1024,8192] [--reps 21] [--min-rows 131072] [--smoke]");
    }
  }
  return a;
}

trestle::Schema feature_schema() {
  std::vector<trestle::Field> fields;
  for (int j = 0; j < kFeatures; ++j) fields.push_back({"f" + std::to_string(j), trestle::Type::Float64, true});
  return trestle::Schema(fields);
}

// `rows` rows of standard-normal features, seeded.
trestle::Batch make_batch(const trestle::Schema& schema, int64_t rows) {
  std::mt19937_64 rng(42 + static_cast<uint64_t>(rows));
  std::normal_distribution<double> normal;
  std::vector<trestle::Column> cols;
  for (int j = 0; j < kFeatures; ++j) {
    trestle::ColumnBuilder b(trestle::Type::Float64, rows);
    for (int64_t r = 0; r < rows; ++r) b.append_f64(normal(rng));
    cols.push_back(b.finish());
  }
  return trestle::Batch(schema, std::move(cols));
}

trestle::core::OptionValue text(const std::string& s) {
  trestle::core::OptionValue v;
  v.type = ParamType::kString;
  v.string = s;
  return v;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

// Seconds per call of fn over `iterations` calls: CPU time of this thread (everything
// runs on it with nthread 1, so time the OS gives to other processes on a shared
// machine does not count) and wall-clock time.
struct Timing {
  double cpu, wall;
};

double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

template <typename Fn>
Timing per_call(int64_t iterations, Fn&& fn) {
  const double cpu0 = thread_cpu_seconds();
  const auto wall0 = Clock::now();
  for (int64_t i = 0; i < iterations; ++i) fn();
  const double n = static_cast<double>(iterations);
  return {(thread_cpu_seconds() - cpu0) / n, std::chrono::duration<double>(Clock::now() - wall0).count() / n};
}

}  // namespace

int main(int argc, char** argv) {
  const Args args = parse(argc, argv);
  const std::string plugin = std::string(TRESTLE_BUILD_PLUGIN_DIR) + "/libtrestle_xgboost.so";
  const std::string model = XGBOOST_BENCH_MODEL;

  // The node: the plugin .so through the core loader (the file check is skipped: this
  // measures speed, and build directories may be group-writable).
  auto registry = trestle::core::PluginRegistry::LoadFiles({plugin}, /*allow_insecure=*/true);
  for (const auto& r : registry.Refusals()) die("plugin refused: " + r.status.ToString());
  const trestle::core::RegisteredOperator* op = registry.FindDef("xgboost");
  if (op == nullptr) die(plugin + " declares no operator \"xgboost\"");
  trestle::core::NodeStats stats;
  trestle::core::NodeHost host;
  host.pipeline = "bench";
  host.node = "xgboost";
  host.stats = &stats;
  trestle::core::OptionValues options;  // validated-and-defaulted, as the host passes them
  options.emplace_back("model", text(model));
  trestle::core::OptionValue threshold;
  threshold.type = ParamType::kDouble;
  threshold.number = 0.5;
  options.emplace_back("threshold", threshold);
  options.emplace_back("output", text("score"));
  options.emplace_back("label_output", text("label"));
  options.emplace_back("score_type", text("float32"));
  trestle::core::OptionValue nthread;
  nthread.type = ParamType::kInt;
  nthread.integer = 1;
  options.emplace_back("nthread", nthread);
  auto made = OperatorInstance::Make(*op, options, &host);
  if (!made.ok()) die("creating the node failed: " + made.status().ToString());
  std::unique_ptr<OperatorInstance> node = std::move(made.value());
  const trestle::Schema schema = feature_schema();
  auto opened = node->Open(&schema);
  if (!opened.ok()) die("opening the node failed: " + opened.status().ToString());

  // Direct: the same model in a booster of our own.
  BoosterHandle booster = nullptr;
  check(XGBoosterCreate(nullptr, 0, &booster), "XGBoosterCreate");
  check(XGBoosterLoadModel(booster, model.c_str()), "XGBoosterLoadModel");
  check(XGBoosterSetParam(booster, "nthread", "1"), "XGBoosterSetParam");
  int major = 0, minor = 0, patch = 0;
  XGBoostVersion(&major, &minor, &patch);

  std::vector<size_t> columns(kFeatures);
  for (int j = 0; j < kFeatures; ++j) columns[static_cast<size_t>(j)] = static_cast<size_t>(j);

  std::printf("xgboost node vs direct XGBoost %d.%d.%d: model %s, %d features, nthread 1\n", major, minor, patch,
              model.c_str(), kFeatures);
  std::printf("%d repetitions, >= %lld rows per measurement, medians\n\n", args.reps, static_cast<long long>(args.min_rows));
  std::printf("%10s %16s %16s %12s %10s %12s %12s %12s\n", "rows/batch", "direct rows/s", "node rows/s", "node/direct",
              "overhead", "assembly", "other", "wall ratio");

  std::string ratios;
  for (const int64_t rows : args.rows) {
    const trestle::Batch batch = make_batch(schema, rows);
    std::vector<float> prepared;
    trestle::to_row_major<float>(batch, columns, prepared);
    // As the plugin does: the array interface of the matrix, then predict and copy out.
    std::vector<float> direct_out;
    auto predict_from = [&](const float* matrix) {
      char interface[160];
      std::snprintf(interface, sizeof interface, R"({"data":[%llu,true],"shape":[%lld,%d],"typestr":"<f4","version":3})",
                    static_cast<unsigned long long>(reinterpret_cast<uintptr_t>(matrix)), static_cast<long long>(rows),
                    kFeatures);
      const bst_ulong* shape = nullptr;
      bst_ulong dim = 0;
      const float* result = nullptr;
      check(XGBoosterPredictFromDense(booster, interface, kPredictConfig, nullptr, &shape, &dim, &result),
            "XGBoosterPredictFromDense");
      direct_out.assign(result, result + shape[0]);
    };
    auto direct = [&] { predict_from(prepared.data()); };
    trestle::Batch node_out;
    auto through_node = [&] {
      trestle::core::CallContext ctx(&host);
      auto out = node->Process(batch, ctx);
      if (!out.ok()) die("the node failed: " + out.status().ToString());
      node_out = std::move(out.value());
    };
    // Assembly as it happens in the node: each to_row_major is followed by a prediction
    // from its matrix (not timed), so that caches hold what they hold in the node.
    std::vector<float> assembly_buffer;
    auto assembly = [&](int64_t iterations) {
      double cpu = 0, wall = 0;
      for (int64_t i = 0; i < iterations; ++i) {
        const double cpu0 = thread_cpu_seconds();
        const auto wall0 = Clock::now();
        trestle::to_row_major<float>(batch, columns, assembly_buffer);
        cpu += thread_cpu_seconds() - cpu0;
        wall += std::chrono::duration<double>(Clock::now() - wall0).count();
        predict_from(assembly_buffer.data());
      }
      const double n = static_cast<double>(iterations);
      return Timing{cpu / n, wall / n};
    };

    // Warm up, and check that both paths give the same scores.
    direct();
    through_node();
    assembly(1);
    const trestle::Column& score = node_out.column("score");
    if (node_out.num_rows() != rows || direct_out.size() != static_cast<size_t>(rows)) die("row counts differ");
    for (int64_t r = 0; r < rows; ++r)
      if (score.f32(r) != direct_out[static_cast<size_t>(r)])
        die("node and direct scores differ at row " + std::to_string(r));

    const int64_t iterations = std::max<int64_t>(1, args.min_rows / rows);
    std::vector<Timing> t_direct, t_node, t_assembly;
    for (int rep = 0; rep < args.reps; ++rep) {
      for (int k = 0; k < 3; ++k) {  // rotate which goes first
        switch ((rep + k) % 3) {
          case 0: t_direct.push_back(per_call(iterations, direct)); break;
          case 1: t_node.push_back(per_call(iterations, through_node)); break;
          default: t_assembly.push_back(assembly(iterations)); break;
        }
      }
    }
    auto cpu = [](const std::vector<Timing>& t) {
      std::vector<double> v;
      for (const auto& x : t) v.push_back(x.cpu);
      return median(v);
    };
    auto wall = [](const std::vector<Timing>& t) {
      std::vector<double> v;
      for (const auto& x : t) v.push_back(x.wall);
      return median(v);
    };
    const double direct_s = cpu(t_direct), node_s = cpu(t_node), assembly_s = cpu(t_assembly);
    const double n = static_cast<double>(rows);
    const double other_s = node_s - direct_s - assembly_s;
    char overhead[32], assembly_share[32], other_share[32];
    std::snprintf(overhead, sizeof overhead, "%+.1f%%", 100.0 * (node_s - direct_s) / direct_s);
    std::snprintf(assembly_share, sizeof assembly_share, "%.1f%%", 100.0 * assembly_s / node_s);
    std::snprintf(other_share, sizeof other_share, "%.1f%%", 100.0 * other_s / node_s);
    std::printf("%10lld %16.0f %16.0f %12.3f %10s %12s %12s %12.3f\n", static_cast<long long>(rows), n / direct_s, n / node_s,
                direct_s / node_s, overhead, assembly_share, other_share, wall(t_direct) / wall(t_node));
    char ratio[64];
    std::snprintf(ratio, sizeof ratio, "%s%lld rows %.3f", ratios.empty() ? "" : ", ", static_cast<long long>(rows),
                  direct_s / node_s);
    ratios += ratio;
  }
  std::printf("\nratio node/direct: %s\n", ratios.c_str());
  std::printf(
      "\nTimes are CPU time of the calling thread (XGBoost runs on it with nthread 1), so other processes on a shared\n"
      "machine do not count. node/direct: node rows/s divided by direct rows/s (1.000 = no overhead). overhead: the\n"
      "node's extra time per batch. assembly: share of the node's time spent building the float32 matrix from the\n"
      "columns; other: the rest of the node's extra time (Arrow export/import both ways, output columns, per-call\n"
      "bookkeeping) as a share of its time. wall ratio: node/direct from wall-clock medians instead.\n");
  XGBoosterFree(booster);
  return 0;
}
