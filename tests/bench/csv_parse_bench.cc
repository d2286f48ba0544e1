// csv_parse_bench: csv_source reading one generated CSV file with one parsing thread and
// with several (parse_threads), in one process, runs interleaved; prints the median
// rows/s of each and the ratio parallel/serial. The operator is driven directly (open,
// next until the end) as the engine's source thread drives it, batches exported through
// the ABI like the runtime's; nothing else runs. The file is read once before timing, so
// every run reads from the page cache. Besides wall time it reports CPU time (getrusage):
// of the whole process, and of the calling thread alone, whose share of the parallel
// run's CPU shows how evenly the threads split the work. On a machine other programs keep
// busy, or with the kernel's autogroup scheduling (one share of CPU per session, however
// many threads), wall time cannot show what a second thread gains; CPU time still
// shows what it costs.
//
// The data: an id, eight float64 features, a category and a bool, ~110 bytes a row, a
// quoted text with a comma in every 20th row (so the parity scan has quotes to count).
//
// Usage: csv_parse_bench [--rows 2000000] [--threads 2] [--repeats 3] [--batch-rows 8192]
//                        [--chunk-bytes N] [--keep FILE] [--only serial|parallel] [--smoke]
//   --keep FILE: write the data to FILE (and leave it) instead of a temporary file; when
//     FILE exists it is read as it is (made by an earlier --keep with the same --rows).
//   --only: time one of the two (for a profiler); no ratio then.
//   --smoke: tiny sizes, for the ctest that checks that the bench runs (no timings).
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include <trestle/testing.hpp>

#include "csv_source.h"

namespace {

struct Args {
  int64_t rows = 2000000;
  int64_t threads = 2;
  int repeats = 3;
  int64_t batch_rows = 8192;
  int64_t chunk_bytes = 0;  // 0: the operator's default
  std::string keep;
  std::string only;
  bool smoke = false;
};

void write_data(const std::string& path, int64_t rows) {
  std::ofstream out(path, std::ios::binary);
  out << "id,f0,f1,f2,f3,f4,f5,f6,f7,plan,active\n";
  std::mt19937_64 rng(42);
  std::uniform_real_distribution<double> u(-100.0, 100.0);
  static const char* const kPlans[] = {"basic", "standard", "premium", "\"family, shared\""};
  std::string line;
  char buf[32];
  for (int64_t i = 0; i < rows; ++i) {
    line = std::to_string(i);
    for (int f = 0; f < 8; ++f) {
      std::snprintf(buf, sizeof buf, ",%.6g", u(rng));
      line += buf;
    }
    line += ',';
    line += kPlans[i % 20 == 0 ? 3 : rng() % 3];
    line += (rng() & 1) ? ",true\n" : ",false\n";
    out << line;
  }
}

struct Run {
  double seconds = 0;
  double cpu = 0;         // of the process
  double caller_cpu = 0;  // of this thread, the one calling next()
  int64_t rows = 0;
  uint64_t checksum = 0;
};

double cpu_seconds(int who) {
  struct rusage u {};
  ::getrusage(who, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

Run read_file(const std::string& path, int64_t threads, const Args& a) {
  trestle::Options o = trestle::Options().set("path", path).set("parse_threads", threads);
  if (a.chunk_bytes > 0) o.set("parse_chunk_bytes", a.chunk_bytes);
  trestle::testing::Harness<trestle_io::CsvSource> h(o);
  Run r;
  const double cpu0 = cpu_seconds(RUSAGE_SELF), caller0 = cpu_seconds(RUSAGE_THREAD);
  const auto t0 = std::chrono::steady_clock::now();
  h.open();
  for (auto b = h.next(a.batch_rows); b; b = h.next(a.batch_rows)) {
    r.rows += b->num_rows();
    // Look at every batch a little, so that nothing can be skipped.
    r.checksum = r.checksum * 31 + static_cast<uint64_t>(b->column(0).i64(b->num_rows() - 1));
  }
  h.close();  // the parse threads end here: their CPU time is counted
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  r.cpu = cpu_seconds(RUSAGE_SELF) - cpu0;
  r.caller_cpu = cpu_seconds(RUSAGE_THREAD) - caller0;
  if (!h.recorded().rejected_records.empty()) {
    std::fprintf(stderr, "csv_parse_bench: %zu records were rejected\n", h.recorded().rejected_records.size());
    std::exit(1);
  }
  return r;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&]() -> const char* {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "csv_parse_bench: %s needs a value\n", arg.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (arg == "--rows") a.rows = std::atoll(value());
    else if (arg == "--threads") a.threads = std::atoll(value());
    else if (arg == "--repeats") a.repeats = std::atoi(value());
    else if (arg == "--batch-rows") a.batch_rows = std::atoll(value());
    else if (arg == "--chunk-bytes") a.chunk_bytes = std::atoll(value());
    else if (arg == "--keep") a.keep = value();
    else if (arg == "--only") a.only = value();
    else if (arg == "--smoke") a.smoke = true;
    else {
      std::fprintf(stderr,
                   "usage: csv_parse_bench [--rows N] [--threads N] [--repeats N] [--batch-rows N] "
                   "[--chunk-bytes N] [--keep FILE] [--only serial|parallel] [--smoke]\n");
      return 2;
    }
  }
  if (a.smoke) {
    a.rows = 20000;
    a.repeats = 1;
    a.chunk_bytes = 64 * 1024;  // several chunks even so
  }
  if (a.threads < 2 || a.repeats < 1 || a.rows < 1) {
    std::fprintf(stderr, "csv_parse_bench: --threads must be at least 2, --repeats and --rows at least 1\n");
    return 2;
  }

  if (!a.only.empty() && a.only != "serial" && a.only != "parallel") {
    std::fprintf(stderr, "csv_parse_bench: --only takes serial or parallel\n");
    return 2;
  }

  std::string path = a.keep;
  if (path.empty()) {
    const char* tmp = std::getenv("TMPDIR");
    path = std::string(tmp && *tmp ? tmp : "/tmp") + "/csv_parse_bench_" + std::to_string(::getpid()) + ".csv";
  }
  if (a.keep.empty() || !std::ifstream(path).good()) write_data(path, a.rows);
  if (read_file(path, 1, a).rows != a.rows) {  // also warms the page cache
    std::fprintf(stderr, "csv_parse_bench: %s does not hold %lld rows\n", path.c_str(), static_cast<long long>(a.rows));
    return 1;
  }

  std::vector<double> serial, parallel, serial_cpu, parallel_cpu, caller_share;
  uint64_t checksum = 0;
  for (int k = 0; k < a.repeats; ++k) {
    Run s, p;
    if (a.only != "parallel") s = read_file(path, 1, a);
    if (a.only != "serial") p = read_file(path, a.threads, a);
    if (a.only.empty() && (s.rows != p.rows || s.checksum != p.checksum)) {
      std::fprintf(stderr, "csv_parse_bench: the reads differ (%lld / %lld rows)\n", static_cast<long long>(s.rows),
                   static_cast<long long>(p.rows));
      return 1;
    }
    checksum = a.only == "parallel" ? p.checksum : s.checksum;
    serial.push_back(s.seconds);
    parallel.push_back(p.seconds);
    serial_cpu.push_back(s.cpu);
    parallel_cpu.push_back(p.cpu);
    caller_share.push_back(p.cpu > 0 ? p.caller_cpu / p.cpu : 0);
  }
  if (a.keep.empty()) std::remove(path.c_str());

  const double ts = median(serial), tp = median(parallel);
  std::printf("csv_parse_bench: %lld rows, batches of %lld, %d interleaved runs each, medians (checksum %llx)\n",
              static_cast<long long>(a.rows), static_cast<long long>(a.batch_rows), a.repeats,
              static_cast<unsigned long long>(checksum));
  const double cs = median(serial_cpu), cp = median(parallel_cpu);
  if (a.only != "parallel")
    std::printf("serial (parse_threads 1): %.3f s, %.0f rows/s, %.3f s CPU\n", ts, static_cast<double>(a.rows) / ts,
                cs);
  if (a.only != "serial")
    std::printf("parallel (parse_threads %lld): %.3f s, %.0f rows/s, %.3f s CPU, %.0f%% of it on the calling thread\n",
                static_cast<long long>(a.threads), tp, static_cast<double>(a.rows) / tp, cp,
                100 * median(caller_share));
  if (a.only.empty()) {
    std::printf("CPU parallel/serial: %.2f\n", cp / cs);
    std::printf("ratio parallel/serial: %lld rows %.2f\n", static_cast<long long>(a.rows), ts / tp);
  }
  return 0;
}
