// aggregate_bench: group_aggregate over N groups with a memory budget B such that the
// groups need about `factor` x B in memory, against the same input with a budget large
// enough never to spill. Each run happens in a forked child that resets its peak RSS
// (/proc/self/clear_refs) just before the run and reports VmHWM after it, so the figure
// is the run's peak resident memory above the child's baseline. The operator is driven
// directly (open, process, finish), as the engine would, with batches generated on the
// fly (one batch of input alive at a time).
//
// Usage: aggregate_bench [--budget-mib 64] [--factor 10] [--smoke]
//   --smoke: tiny sizes, for the ctest that checks that the bench runs (no timings).
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>

#include <trestle/testing.hpp>

#include "group_aggregate.hpp"

namespace {

using trestle_aggregate::GroupAggregate;

struct Args {
  int64_t budget_mib = 64;
  double factor = 10;
  bool smoke = false;
};

struct Result {
  int64_t baseline_kib = 0, peak_kib = 0;
  double seconds = 0;
  int64_t groups = 0;
  uint64_t spills = 0, passes = 0, checksum = 0;
  size_t peak_table_bytes = 0;
};

int64_t status_kib(const char* field) {
  std::ifstream f("/proc/self/status");
  std::string line;
  const size_t n = std::strlen(field);
  while (std::getline(f, line))
    if (line.compare(0, n, field) == 0) return std::atoll(line.c_str() + n + 1);
  return -1;
}

trestle::Options options(const std::string& budget) {
  trestle::Options o;
  o.set("by", trestle::StringList{"customer"});
  o.set("aggregates", trestle::StringMap{{"events", {"count"}},
                                         {"mean_score", {"mean", "score"}},
                                         {"p90_score", {"quantile", "score", "0.9"}},
                                         {"high_share", {"share_above", "score", "0.5"}}});
  o.set("memory_budget", budget);
  return o;
}

// Row i of the input: every group twice (two passes over the groups), keys scattered.
trestle::Batch input_batch(int64_t first, int64_t rows, int64_t groups) {
  trestle::ColumnBuilder k(trestle::Type::Int64, rows), s(trestle::Type::Float64, rows);
  for (int64_t i = first; i < first + rows; ++i) {
    const auto g = static_cast<uint64_t>(i % groups);
    k.append_i64(static_cast<int64_t>((g * 0x9E3779B97F4A7C15ull) >> 3));
    s.append_f64(static_cast<double>((g * 7919 + static_cast<uint64_t>(i / groups) * 104729) % 1000) / 1000.0);
  }
  trestle::Schema schema({{"customer", trestle::Type::Int64, true}, {"score", trestle::Type::Float64, true}});
  return trestle::Batch(schema, {k.finish(), s.finish()});
}

uint64_t mix(uint64_t h, uint64_t v) { return (h ^ v) * 0x100000001B3ull; }

Result run(const std::string& budget, int64_t groups) {
  constexpr int64_t kBatchRows = 65536;
  Result r;
  GroupAggregate op(options(budget));
  op.open(input_batch(0, 1, 1).schema());
  trestle::Context ctx(nullptr);
  {
    std::ofstream clear("/proc/self/clear_refs");
    clear << "5";  // resets VmHWM to the current RSS
  }
  r.baseline_kib = status_kib("VmRSS:");
  const auto t0 = std::chrono::steady_clock::now();
  const int64_t rows = 2 * groups;
  for (int64_t first = 0; first < rows; first += kBatchRows)
    op.process(input_batch(first, std::min(kBatchRows, rows - first), groups), ctx);
  uint64_t h = 0xcbf29ce484222325ull;
  while (auto b = op.finish(4096, ctx)) {
    r.groups += b->num_rows();
    for (const auto& c : b->columns())
      for (int64_t i = 0; i < b->num_rows(); ++i) {
        uint64_t bits = 0;
        if (c.type() == trestle::Type::Float64) std::memcpy(&bits, &c.data<double>()[i], 8);
        else bits = static_cast<uint64_t>(c.i64(i));
        h = mix(h, c.is_null(i) ? 0x5555 : bits);
      }
  }
  op.close(ctx);
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  r.peak_kib = status_kib("VmHWM:");
  r.spills = op.stats().spills;
  r.passes = op.stats().merge_passes;
  r.peak_table_bytes = op.stats().peak_table_bytes;
  r.checksum = h;
  return r;
}

Result in_child(const std::string& budget, int64_t groups) {
  int fds[2];
  if (::pipe(fds) != 0) std::exit(2);
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::close(fds[0]);
    Result r;
    try {
      r = run(budget, groups);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "aggregate_bench: %s\n", e.what());
      ::_exit(3);
    }
    if (::write(fds[1], &r, sizeof r) != static_cast<ssize_t>(sizeof r)) ::_exit(4);
    ::_exit(0);
  }
  ::close(fds[1]);
  Result r;
  const ssize_t n = ::read(fds[0], &r, sizeof r);
  ::close(fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (n != static_cast<ssize_t>(sizeof r) || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::fprintf(stderr, "aggregate_bench: the child run failed (status %d)\n", status);
    std::exit(1);
  }
  return r;
}

Args parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--smoke") a.smoke = true, a.budget_mib = 1, a.factor = 4;
    else if (arg == "--budget-mib" && i + 1 < argc) a.budget_mib = std::atoll(argv[++i]);
    else if (arg == "--factor" && i + 1 < argc) a.factor = std::atof(argv[++i]);
    else {
      std::fprintf(stderr, "aggregate_bench: unknown argument \"%s\"; usage: aggregate_bench [--budget-mib 64] [--factor 10] [--smoke]\n", argv[i]);
      std::exit(2);
    }
  }
  if (a.budget_mib < 1 || a.factor <= 0) {
    std::fprintf(stderr, "aggregate_bench: --budget-mib must be >= 1 and --factor > 0\n");
    std::exit(2);
  }
  return a;
}

void print(const char* name, const std::string& budget, const Result& r) {
  std::printf("%-10s budget %-9s groups %9lld  spills %5llu  merge passes %2llu  peak table %7.1f MiB  peak RSS - baseline %7.1f MiB  time %7.2f s\n",
              name, budget.c_str(), static_cast<long long>(r.groups), static_cast<unsigned long long>(r.spills),
              static_cast<unsigned long long>(r.passes), static_cast<double>(r.peak_table_bytes) / (1 << 20),
              static_cast<double>(r.peak_kib - r.baseline_kib) / 1024, r.seconds);
}

}  // namespace

int main(int argc, char** argv) {
  const Args args = parse(argc, argv);
  const int64_t budget = args.budget_mib << 20;
  // Calibrate the table's bytes per group (in memory, no spill) on a small input.
  const int64_t sample = 20000;
  const Result cal = in_child("1GiB", sample);
  const double per_group = static_cast<double>(cal.peak_table_bytes) / static_cast<double>(sample);
  const auto groups = static_cast<int64_t>(args.factor * static_cast<double>(budget) / per_group);
  std::printf("group_aggregate: count, mean, p90 (sketch), share_above per int64 key; %lld groups, 2 rows each; "
              "%.0f table bytes per group, so the groups need %.1f x the budget\n",
              static_cast<long long>(groups), per_group, per_group * static_cast<double>(groups) / static_cast<double>(budget));
  const std::string b = std::to_string(args.budget_mib) + "MiB";
  const Result spilled = in_child(b, groups);
  const Result memory = in_child(std::to_string(args.budget_mib * 1000) + "MiB", groups);
  print("spilling", b, spilled);
  print("in-memory", std::to_string(args.budget_mib * 1000) + "MiB", memory);
  if (spilled.checksum != memory.checksum || spilled.groups != groups || memory.groups != groups) {
    std::printf("MISMATCH: the spilled and in-memory results differ\n");
    return 1;
  }
  std::printf("results identical (checksum %016llx)\n", static_cast<unsigned long long>(spilled.checksum));
  std::printf("peak RSS over baseline: %.1f MiB with a budget of %lld MiB (overhead %.1f MiB)\n",
              static_cast<double>(spilled.peak_kib - spilled.baseline_kib) / 1024, static_cast<long long>(args.budget_mib),
              static_cast<double>(spilled.peak_kib - spilled.baseline_kib) / 1024 - static_cast<double>(args.budget_mib));
  std::printf("ratio spill/in-memory: %lld groups %.2f\n", static_cast<long long>(groups), spilled.seconds / memory.seconds);
  return 0;
}
