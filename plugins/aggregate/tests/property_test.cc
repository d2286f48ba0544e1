// Property test: group_aggregate against a straightforward in-memory computation on
// random data (several seeds, random keys of several types with nulls, random batch
// splits), in memory and with a tiny budget that forces many spills and merge passes;
// the spilled result must equal the in-memory one bit for bit.
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <map>
#include <random>
#include <variant>

#include "quantile_sketch.hpp"
#include "support.hpp"

namespace agt {
namespace {

template <typename T>
using Col = std::vector<std::optional<T>>;

// The input, column by column; rows are split into batches at random.
struct Data {
  std::vector<std::string> key_names;
  std::vector<Type> key_types;
  std::vector<Col<int64_t>> int_keys;  // int32, int64, timestamp and bool keys as int64
  std::vector<Col<double>> float_keys;
  std::vector<Col<std::string>> str_keys;
  Col<double> score;
  Col<int64_t> qty, id;
  Col<bool> flag;
  Col<std::string> name;
  size_t rows = 0;
};

// A key value for the reference: ordered as the operator documents (nulls first, floats
// numerically with -0.0 = 0.0 and NaN last, strings by bytes), independently of its codec.
struct RefValue {
  bool null = true;
  int64_t i = 0;
  double d = 0;
  std::string s;
};

int compare_values(Type t, const RefValue& a, const RefValue& b) {
  if (a.null || b.null) return a.null == b.null ? 0 : a.null ? -1 : 1;
  switch (t) {
    case Type::Float64: {
      const bool an = std::isnan(a.d), bn = std::isnan(b.d);
      if (an || bn) return an == bn ? 0 : an ? 1 : -1;
      return a.d < b.d ? -1 : a.d > b.d ? 1 : 0;
    }
    case Type::Utf8: return a.s.compare(b.s) < 0 ? -1 : a.s == b.s ? 0 : 1;
    default: return a.i < b.i ? -1 : a.i > b.i ? 1 : 0;
  }
}

std::string show(Type t, const RefValue& v) {
  if (v.null) return "null";
  char buf[64];
  switch (t) {
    case Type::Bool: return v.i ? "true" : "false";
    case Type::TimestampUs: return "ts" + std::to_string(v.i);
    case Type::Float64:
      std::snprintf(buf, sizeof buf, "%a", std::isnan(v.d) ? std::nan("") : v.d == 0 ? 0.0 : v.d);
      return buf;
    case Type::Utf8: return "'" + v.s + "'";
    default: return std::to_string(v.i);
  }
}

std::string hex(double d) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%a", d);
  return buf;
}

struct RefGroup {
  int64_t rows = 0;
  std::vector<double> scores;  // non-null
  std::vector<int64_t> qtys;
  std::set<int64_t> ids;
  std::set<std::string> names;
  int64_t flags = 0;
};

// Output column order is by name: see kAggregates.
const StringMap kAggregates = {
    {"a_rows", {"count"}},
    {"b_scores", {"count", "score"}},
    {"c_qty_sum", {"sum", "qty"}},
    {"d_score_sum", {"sum", "score"}},
    {"e_score_mean", {"mean", "score"}},
    {"f_qty_mean", {"mean", "qty"}},
    {"g_name_min", {"min", "name"}},
    {"h_name_max", {"max", "name"}},
    {"i_score_max", {"max", "score"}},
    {"j_qty_min", {"min", "qty"}},
    {"k_ids", {"count_distinct", "id"}},
    {"l_names", {"count_distinct", "name"}},
    {"m_p50", {"quantile", "score", "0.5"}},
    {"n_p90", {"quantile", "score", "0.9"}},
    {"o_high", {"share_above", "score", "0.3"}},
    {"p_flags", {"sum", "flag"}},
};
// Columns (after the keys) compared with a tolerance: naive sums are not correctly rounded.
constexpr size_t kInexact[] = {3, 4};

Data generate(uint64_t seed, size_t rows, int key_cardinality) {
  std::mt19937_64 rng(seed);
  Data d;
  d.rows = rows;
  auto chance = [&](double p) { return std::uniform_real_distribution<double>(0, 1)(rng) < p; };
  auto pick = [&](int n) { return static_cast<int>(std::uniform_int_distribution<int>(0, n - 1)(rng)); };
  const bool specials = seed % 2 == 0;  // NaN and infinities among the scores
  const Type pool[] = {Type::Int64, Type::Utf8, Type::Bool, Type::Float64, Type::Int32, Type::TimestampUs};
  const int nkeys = 1 + pick(3);
  for (int k = 0; k < nkeys; ++k) {
    const Type t = pool[(seed + static_cast<uint64_t>(k) * 3) % 6];
    d.key_names.push_back("key" + std::to_string(k));
    d.key_types.push_back(t);
    // Cardinality per column so that the product is about key_cardinality.
    const int card = std::max(2, static_cast<int>(std::pow(key_cardinality, 1.0 / nkeys)));
    if (t == Type::Utf8) {
      Col<std::string> c;
      for (size_t r = 0; r < rows; ++r) {
        if (chance(0.05)) c.emplace_back();
        else {
          const int v = pick(card);
          c.push_back(std::string(static_cast<size_t>(v % 23), 'k') + std::to_string(v) + (v % 5 == 0 ? std::string(1, '\0') : ""));
        }
      }
      d.str_keys.push_back(std::move(c));
    } else if (t == Type::Float64) {
      Col<double> c;
      for (size_t r = 0; r < rows; ++r) {
        if (chance(0.05)) c.emplace_back();
        else {
          const int v = pick(card + 4);
          c.push_back(v == 0 ? -0.0 : v == 1 ? std::nan("") : v == 2 ? -INFINITY : v == 3 ? 0.0 : (v - card / 2) * 0.37);
        }
      }
      d.float_keys.push_back(std::move(c));
    } else {
      Col<int64_t> c;
      for (size_t r = 0; r < rows; ++r) {
        if (chance(0.05)) c.emplace_back();
        else if (t == Type::Bool) c.push_back(pick(2));
        else c.push_back((pick(card) - card / 2) * (t == Type::Int32 ? 1000 : 1000000007LL));
      }
      d.int_keys.push_back(std::move(c));
    }
  }
  std::normal_distribution<double> normal(0.3, 1.0);
  for (size_t r = 0; r < rows; ++r) {
    if (chance(0.1)) d.score.emplace_back();
    else if (specials && chance(0.01)) d.score.push_back(pick(3) == 0 ? std::nan("") : pick(2) ? INFINITY : -INFINITY);
    else d.score.push_back(normal(rng) * std::pow(10.0, pick(7) - 3));
    d.qty.push_back(chance(0.1) ? std::nullopt : std::optional<int64_t>(pick(2001) - 1000));
    d.id.push_back(chance(0.1) ? std::nullopt : std::optional<int64_t>(pick(50)));
    d.flag.push_back(chance(0.1) ? std::nullopt : std::optional<bool>(chance(0.4)));
    if (chance(0.1)) d.name.emplace_back();
    else d.name.push_back(std::string(static_cast<size_t>(pick(20)), static_cast<char>('a' + pick(3))) + std::to_string(pick(8)));
  }
  return d;
}

template <typename T>
Col<T> part(const Col<T>& c, size_t a, size_t b) {
  return Col<T>(c.begin() + static_cast<std::ptrdiff_t>(a), c.begin() + static_cast<std::ptrdiff_t>(b));
}

std::vector<Batch> batches(const Data& d, uint64_t seed) {
  std::mt19937_64 rng(seed * 7919);
  std::vector<Batch> out;
  for (size_t a = 0; a < d.rows;) {
    const size_t b = std::min(d.rows, a + 1 + std::uniform_int_distribution<size_t>(0, 700)(rng));
    BatchBuilder bb;
    size_t ii = 0, fi = 0, si = 0;
    for (size_t k = 0; k < d.key_names.size(); ++k) {
      const std::string& n = d.key_names[k];
      switch (d.key_types[k]) {
        case Type::Utf8: bb.str(n, part(d.str_keys[si++], a, b)); break;
        case Type::Float64: bb.f64(n, part(d.float_keys[fi++], a, b)); break;
        case Type::Bool: {
          Col<bool> c;
          for (const auto& v : part(d.int_keys[ii++], a, b)) c.push_back(v ? std::optional<bool>(*v != 0) : std::nullopt);
          bb.boolean(n, c);
          break;
        }
        case Type::Int32: {
          Col<int32_t> c;
          for (const auto& v : part(d.int_keys[ii++], a, b)) c.push_back(v ? std::optional<int32_t>(static_cast<int32_t>(*v)) : std::nullopt);
          bb.i32(n, c);
          break;
        }
        case Type::TimestampUs: bb.ts(n, part(d.int_keys[ii++], a, b)); break;
        default: bb.i64(n, part(d.int_keys[ii++], a, b)); break;
      }
    }
    bb.f64("score", part(d.score, a, b)).i64("qty", part(d.qty, a, b)).i64("id", part(d.id, a, b));
    bb.boolean("flag", part(d.flag, a, b)).str("name", part(d.name, a, b));
    out.push_back(bb.build());
    a = b;
  }
  return out;
}

// The expected rows as cells, computed the obvious way.
std::vector<std::vector<std::string>> reference(const Data& d) {
  const auto& types = d.key_types;
  auto less = [&types](const std::vector<RefValue>& a, const std::vector<RefValue>& b) {
    for (size_t i = 0; i < a.size(); ++i) {
      const int c = compare_values(types[i], a[i], b[i]);
      if (c != 0) return c < 0;
    }
    return false;
  };
  std::map<std::vector<RefValue>, RefGroup, decltype(less)> groups(less);
  for (size_t r = 0; r < d.rows; ++r) {
    std::vector<RefValue> key;
    size_t ii = 0, fi = 0, si = 0;
    for (Type t : types) {
      RefValue v;
      if (t == Type::Utf8) {
        const auto& x = d.str_keys[si++][r];
        if (x) v.null = false, v.s = *x;
      } else if (t == Type::Float64) {
        const auto& x = d.float_keys[fi++][r];
        if (x) v.null = false, v.d = *x;
      } else {
        const auto& x = d.int_keys[ii++][r];
        if (x) v.null = false, v.i = *x;
      }
      key.push_back(v);
    }
    RefGroup& g = groups[key];
    ++g.rows;
    if (d.score[r]) g.scores.push_back(*d.score[r]);
    if (d.qty[r]) g.qtys.push_back(*d.qty[r]);
    if (d.id[r]) g.ids.insert(*d.id[r]);
    if (d.name[r]) g.names.insert(*d.name[r]);
    if (d.flag[r] && *d.flag[r]) ++g.flags;
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& [key, g] : groups) {
    std::vector<std::string> row;
    for (size_t i = 0; i < key.size(); ++i) row.push_back(show(types[i], key[i]));
    const auto n = static_cast<double>(g.scores.size());
    double sum = 0;
    bool nan = false, pos = false, neg = false;
    trestle_support::QuantileSketch sketch;
    int64_t above = 0;
    for (double x : g.scores) {
      if (std::isnan(x)) nan = true;
      else if (std::isinf(x)) (x > 0 ? pos : neg) = true;
      else sum += x, sketch.add(x);
      if (x > 0.3) ++above;
    }
    const double exact_sum = nan || (pos && neg) ? std::nan("") : pos ? INFINITY : neg ? -INFINITY : sum;
    int64_t qsum = 0;
    for (int64_t q : g.qtys) qsum += q;
    double max_score = 0;
    bool has_nan = false;
    for (double x : g.scores) has_nan |= std::isnan(x);
    if (!g.scores.empty()) {
      max_score = -INFINITY;
      for (double x : g.scores)
        if (!std::isnan(x)) max_score = std::max(max_score, x);
      if (has_nan) max_score = std::nan("");
      if (max_score == 0) max_score = 0.0;
    }
    row.push_back(std::to_string(g.rows));
    row.push_back(std::to_string(g.scores.size()));
    row.push_back(hex(static_cast<double>(qsum)));
    row.push_back(hex(exact_sum));
    row.push_back(g.scores.empty() ? "null" : hex(exact_sum / n));
    row.push_back(g.qtys.empty() ? "null" : hex(static_cast<double>(qsum) / static_cast<double>(g.qtys.size())));
    row.push_back(g.names.empty() ? "null" : "'" + *g.names.begin() + "'");
    row.push_back(g.names.empty() ? "null" : "'" + *g.names.rbegin() + "'");
    row.push_back(g.scores.empty() ? "null" : hex(max_score));
    row.push_back(g.qtys.empty() ? "null" : std::to_string(*std::min_element(g.qtys.begin(), g.qtys.end())));
    row.push_back(std::to_string(g.ids.size()));
    row.push_back(std::to_string(g.names.size()));
    row.push_back(sketch.empty() ? "null" : hex(sketch.quantile(0.5)));
    row.push_back(sketch.empty() ? "null" : hex(sketch.quantile(0.9)));
    row.push_back(g.scores.empty() ? "null" : hex(static_cast<double>(above) / n));
    row.push_back(hex(static_cast<double>(g.flags)));
    rows.push_back(std::move(row));
  }
  return rows;
}

std::vector<std::string> split_cells(const std::string& row) {
  std::vector<std::string> cells;
  size_t a = 0;
  for (;;) {
    const size_t b = row.find(" | ", a);
    cells.push_back(row.substr(a, b - a));
    if (b == std::string::npos) return cells;
    a = b + 3;
  }
}

void expect_matches_reference(const std::vector<std::string>& got, const std::vector<std::vector<std::string>>& want,
                              size_t nkeys) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t r = 0; r < got.size(); ++r) {
    const auto cells = split_cells(got[r]);
    ASSERT_EQ(cells.size(), want[r].size()) << got[r];
    for (size_t c = 0; c < cells.size(); ++c) {
      const bool inexact = std::find(std::begin(kInexact), std::end(kInexact), c - nkeys) != std::end(kInexact) && c >= nkeys;
      if (!inexact || cells[c] == want[r][c]) {
        ASSERT_EQ(cells[c], want[r][c]) << "row " << r << " column " << c << ": " << got[r];
        continue;
      }
      const double x = std::strtod(cells[c].c_str(), nullptr), y = std::strtod(want[r][c].c_str(), nullptr);
      ASSERT_NEAR(x, y, 1e-9 * std::max(1.0, std::fabs(y)) + 1e-6) << "row " << r << " column " << c << ": " << got[r];
    }
  }
}

class SpillProperty : public ::testing::TestWithParam<uint64_t> {};

TEST_P(SpillProperty, SpilledResultEqualsInMemoryAndTheReference) {
  const uint64_t seed = GetParam();
  const Data d = generate(seed, 4000 + seed * 500, 300 + static_cast<int>(seed) * 150);
  const auto input = batches(d, seed);
  const auto want = reference(d);
  TempDir spill;

  GroupAggregate::Stats mem_stats, spill_stats;
  const auto in_memory = dump(aggregate(options(d.key_names, kAggregates), input, 97 + static_cast<int64_t>(seed), &mem_stats));
  EXPECT_EQ(mem_stats.spills, 0u);
  expect_matches_reference(in_memory, want, d.key_names.size());

  const auto spilled = dump(aggregate(options(d.key_names, kAggregates, "16KiB", spill.path()), input, 1000, &spill_stats));
  EXPECT_GT(spill_stats.spills, 5u) << "the budget did not force spills";
  EXPECT_EQ(spilled, in_memory);  // bit for bit
  EXPECT_TRUE(spill.list().empty());
}

INSTANTIATE_TEST_SUITE_P(Seeds, SpillProperty, ::testing::Values(1, 2, 3, 4, 5, 6));

TEST(SpillMerge, ManyRunsMergeInPassesAndGiveTheSameResult) {
  const Data d = generate(11, 12000, 3000);
  const auto input = batches(d, 11);
  TempDir spill;
  GroupAggregate::Stats mem, tiny;
  const StringMap aggs = {{"n", {"count"}}, {"p", {"quantile", "score", "0.75"}}, {"d", {"count_distinct", "name"}}};
  const auto in_memory = dump(aggregate(options(d.key_names, aggs), input, 1000, &mem));
  const auto spilled = dump(aggregate(options(d.key_names, aggs, "4KiB", spill.path()), input, 333, &tiny));
  EXPECT_GT(tiny.spills, 2 * GroupAggregate::kMaxFanIn);
  EXPECT_GE(tiny.merge_passes, 2u);
  EXPECT_EQ(spilled, in_memory);
  EXPECT_GT(in_memory.size(), 1000u);
  EXPECT_TRUE(spill.list().empty());
}

TEST(SpillMerge, TheTableStaysWithinTheBudget) {
  const Data d = generate(5, 20000, 5000);
  TempDir spill;
  GroupAggregate::Stats s;
  aggregate(options(d.key_names, {{"n", {"count"}}, {"m", {"mean", "qty"}}}, "64KiB", spill.path()), batches(d, 5), 1000, &s);
  EXPECT_GT(s.spills, 3u);
  EXPECT_LE(s.peak_table_bytes, size_t{64 << 10});
}

}  // namespace
}  // namespace agt
