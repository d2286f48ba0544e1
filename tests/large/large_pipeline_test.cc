// More than 1 GiB of CSV through csv_source -> select -> scale -> filter -> csv_sink:
// the run succeeds, the rows balance, the output holds exactly the expected rows, and
// the process's peak RSS stays under 256 MiB (memory is bounded by design, not by the
// input's size).
#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <vector>

#include "cli_fixture.h"

namespace trestle::clitest {
namespace {

constexpr int64_t kTargetBytes = (int64_t{1} << 30) + (int64_t{8} << 20);  // 1 GiB + 8 MiB
constexpr long kMaxRssKib = 256 * 1024;
constexpr int64_t kFilterBelow = 500000;  // filter keeps n < this: about half the rows

struct Generated {
  int64_t bytes = 0;
  int64_t rows = 0;       // good rows
  int64_t malformed = 0;  // lines csv_source must dead-letter
  int64_t kept = 0;       // good rows the filter keeps
};

void Append(std::string& buf, int64_t v) {
  char tmp[24];
  auto r = std::to_chars(tmp, tmp + sizeof tmp, v);
  buf.append(tmp, r.ptr);
}

// id,n,v,cat with n pseudo-random in [0, 1e6), v = n / 8 (exact in binary, so it
// prints short), cat one of 16 labels; a malformed line every 10 million rows.
Generated WriteCsv(const std::string& path) {
  Generated g;
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) {
    ADD_FAILURE() << "cannot create " << path << ": " << std::strerror(errno);
    return g;
  }
  std::string buf;
  buf.reserve(size_t{8} << 20);
  buf = "id,n,v,cat\n";
  uint64_t state = 0x9E3779B97F4A7C15ull;
  char vbuf[64];
  for (int64_t id = 0; g.bytes + static_cast<int64_t>(buf.size()) < kTargetBytes; ++id) {
    if (id > 0 && id % 10'000'000 == 0) {
      buf += "not-a-number,1,2.5,cat_x\n";
      ++g.malformed;
    }
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    const int64_t n = static_cast<int64_t>(state % 1'000'000);
    Append(buf, id);
    buf += ',';
    Append(buf, n);
    buf += ',';
    auto r = std::to_chars(vbuf, vbuf + sizeof vbuf, static_cast<double>(n) / 8.0);
    buf.append(vbuf, r.ptr);
    buf += ",cat_";
    Append(buf, static_cast<int64_t>(state >> 60));
    buf += '\n';
    ++g.rows;
    if (n < kFilterBelow) ++g.kept;
    if (buf.size() >= (size_t{8} << 20) - 128) {
      if (std::fwrite(buf.data(), 1, buf.size(), f) != buf.size()) ADD_FAILURE() << "short write to " << path;
      g.bytes += static_cast<int64_t>(buf.size());
      buf.clear();
    }
  }
  if (std::fwrite(buf.data(), 1, buf.size(), f) != buf.size()) ADD_FAILURE() << "short write to " << path;
  g.bytes += static_cast<int64_t>(buf.size());
  if (std::fclose(f) != 0) ADD_FAILURE() << "closing " << path << " failed";
  return g;
}

// Lines in a file, and its first two lines.
struct Counted {
  int64_t lines = 0;
  std::string head;
};

Counted CountLines(const std::string& path) {
  Counted c;
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) {
    ADD_FAILURE() << "cannot read " << path;
    return c;
  }
  std::vector<char> buf(size_t{4} << 20);
  size_t got;
  while ((got = std::fread(buf.data(), 1, buf.size(), f)) > 0) {
    if (c.head.size() < 256) c.head.append(buf.data(), std::min<size_t>(got, 256 - c.head.size()));
    const char* p = buf.data();
    const char* const end = p + got;
    while ((p = static_cast<const char*>(std::memchr(p, '\n', static_cast<size_t>(end - p)))) != nullptr) {
      ++c.lines;
      ++p;
    }
  }
  std::fclose(f);
  return c;
}

using LargeTest = CliTest;

TEST_F(LargeTest, GigabyteCsvRunsBalancedInBoundedMemory) {
  const auto t0 = std::chrono::steady_clock::now();
  const Generated g = WriteCsv(Path("big.csv"));
  ASSERT_FALSE(HasFailure());
  ASSERT_GE(g.bytes, int64_t{1} << 30);
  const double gen_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::cout << "generated " << g.bytes << " bytes, " << g.rows << " rows (+" << g.malformed << " malformed) in "
            << gen_s << " s\n";

  Write("scale.json", R"({"v": {"mean": 0, "std": 2}})");
  Write("p.yaml", R"(pipeline: large
nodes:
  - name: src
    type: csv_source
    options:
      path: big.csv
      schema: {id: int64, n: int64, v: float64, cat: utf8}
  - name: pick
    type: select
    inputs: [src]
    options: {keep: [id, n, v, cat], rename: {cat: category}}
  - name: norm
    type: scale
    inputs: [pick]
    options: {columns: [v], params_file: scale.json}
  - name: half
    type: filter
    inputs: [norm]
    options: {column: n, op: "<", value: ")" +
                      std::to_string(kFilterBelow) + R"("}
  - name: out
    type: csv_sink
    inputs: [half]
    options: {path: out/big-out.csv}
execution: {batch_rows: 8192}
)");

  ProcessOptions options;
  options.timeout = std::chrono::minutes(10);
  ProcessResult r = Trestle({"run", "p.yaml", "--run-dir", "run", "--report", "r.json"}, options);
  std::cout << "trestle run: " << r.seconds << " s, peak RSS " << r.max_rss_kib / 1024 << " MiB\n";
  RecordProperty("run_seconds", std::to_string(r.seconds));
  RecordProperty("peak_rss_kib", std::to_string(r.max_rss_kib));
  ASSERT_EXIT_CODE(r, 0);
  EXPECT_LT(r.max_rss_kib, kMaxRssKib) << "peak RSS " << r.max_rss_kib << " KiB";

  nlohmann::json report = ReadJson("r.json");
  EXPECT_EQ(report["status"], "succeeded");
  EXPECT_EQ(report["accounting"]["balanced"], true);
  nlohmann::json src = report["accounting"]["sources"]["src"];
  EXPECT_EQ(src["read"], g.rows + g.malformed);
  EXPECT_EQ(src["paths"]["out"]["reached"], g.kept);
  EXPECT_EQ(src["paths"]["out"]["filtered"], g.rows - g.kept);
  EXPECT_EQ(src["paths"]["out"]["dead_lettered"], g.malformed);
  EXPECT_EQ(report["dead_letters"]["rows"], g.malformed);

  const Counted out = CountLines(Path("out/big-out.csv"));
  EXPECT_EQ(out.lines, g.kept + 1);  // and the header
  EXPECT_EQ(out.head.rfind("id,n,v,category\n", 0), 0u) << out.head;
  std::cout << "output: " << out.lines << " lines\n";
  // The directory is removed with everything in it by the fixture.
}

}  // namespace
}  // namespace trestle::clitest
