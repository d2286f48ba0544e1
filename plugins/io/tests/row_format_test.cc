#include "row_format.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include <trestle/testing.hpp>

namespace trestle_io {
namespace {

using trestle::testing::BatchBuilder;

template <typename T>
auto bits(T v) {
  using U = std::conditional_t<sizeof(T) == 4, uint32_t, uint64_t>;
  U u;
  std::memcpy(&u, &v, sizeof u);
  return u;
}

template <typename T>
T from_bits(std::conditional_t<sizeof(T) == 4, uint32_t, uint64_t> u) {
  T v;
  std::memcpy(&v, &u, sizeof v);
  return v;
}

// The values that are hard to print: zeros of both signs, the subnormal range's ends,
// the normal range's ends, powers of ten near the edges of both, and infinities.
template <typename T>
std::vector<T> edge_values() {
  using L = std::numeric_limits<T>;
  std::vector<T> v = {T(0),
                      -T(0),
                      L::denorm_min(),
                      -L::denorm_min(),
                      from_bits<T>(bits(L::min()) - 1),  // the largest subnormal
                      L::min(),
                      -L::min(),
                      L::max(),
                      L::lowest(),
                      std::nextafter(L::max(), T(0)),
                      L::epsilon(),
                      T(1),
                      std::nextafter(T(1), T(2)),
                      std::nextafter(T(1), T(0)),
                      T(0.1),
                      T(1) / T(3),
                      T(2) / T(3),
                      T(1e-5),
                      T(123456789),
                      T(1e-30),
                      L::infinity(),
                      -L::infinity()};
  return v;
}

// Random bit patterns (every exponent equally likely, so subnormals and huge values are
// as common as ordinary ones), NaNs left out: they have their own test.
template <typename T>
std::vector<T> random_values(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<T> v;
  v.reserve(n);
  while (v.size() < n) {
    const T x = from_bits<T>(static_cast<std::conditional_t<sizeof(T) == 4, uint32_t, uint64_t>>(rng()));
    if (!std::isnan(x)) v.push_back(x);
  }
  return v;
}

// Each value in a one-column batch of its type, written as CSV without a header: one
// line per value.
template <typename T>
std::vector<std::string> csv_lines(const std::vector<T>& values, int float_precision) {
  std::vector<std::optional<T>> col(values.begin(), values.end());
  BatchBuilder bb;
  if constexpr (sizeof(T) == 4) bb.f32("x", col);
  else bb.f64("x", col);
  const trestle::Batch batch = bb.build();
  CsvFormat format;
  format.float_precision = float_precision;
  std::string out;
  append_csv_rows(out, batch, format, 0, batch.num_rows());
  std::vector<std::string> lines;
  size_t from = 0;
  for (size_t nl = out.find('\n'); nl != std::string::npos; nl = out.find('\n', from)) {
    lines.push_back(out.substr(from, nl - from));
    from = nl + 1;
  }
  EXPECT_EQ(from, out.size());
  return lines;
}

template <typename T>
T parse_back(const std::string& s) {
  char* end = nullptr;
  T v;
  if constexpr (sizeof(T) == 4) v = std::strtof(s.c_str(), &end);
  else v = std::strtod(s.c_str(), &end);
  EXPECT_EQ(end, s.c_str() + s.size()) << s;
  return v;
}

template <typename T>
void expect_round_trip(const std::vector<T>& values, int float_precision) {
  const std::vector<std::string> lines = csv_lines(values, float_precision);
  ASSERT_EQ(lines.size(), values.size());
  for (size_t i = 0; i < values.size(); ++i) {
    const T back = parse_back<T>(lines[i]);
    ASSERT_EQ(bits(back), bits(values[i])) << "value " << i << " written as \"" << lines[i] << "\" (precision "
                                           << float_precision << ")";
  }
}

TEST(RowFormat, Float32ShortestTextReadsBackBitForBit) {
  expect_round_trip(edge_values<float>(), 0);
  expect_round_trip(random_values<float>(200000, 1), 0);
}

TEST(RowFormat, Float64ShortestTextReadsBackBitForBit) {
  expect_round_trip(edge_values<double>(), 0);
  expect_round_trip(random_values<double>(200000, 2), 0);
}

TEST(RowFormat, SeventeenDigitsStillReadBackBitForBit) {
  // An explicit float_precision of 17 (9 for float32 columns) is exact too.
  expect_round_trip(edge_values<float>(), 17);
  expect_round_trip(random_values<float>(20000, 3), 17);
  expect_round_trip(edge_values<double>(), 17);
  expect_round_trip(random_values<double>(20000, 4), 17);
}

TEST(RowFormat, ShortestIsNoLongerThanNeeded) {
  // A float32 is printed as a float, not widened to double first.
  EXPECT_EQ(csv_lines<float>({0.1f, 1.0f / 3.0f, 3.4028235e38f, 1e-45f, -0.0f, 100.0f, 0.5f}, 0),
            (std::vector<std::string>{"0.1", "0.33333334", "3.4028235e+38", "1e-45", "-0", "100", "0.5"}));
  EXPECT_EQ(csv_lines<double>({0.1, 1.0 / 3.0, 1e300, 5e-324, -0.0, 100.0}, 0),
            (std::vector<std::string>{"0.1", "0.3333333333333333", "1e+300", "5e-324", "-0", "100"}));
  // The 9 digits of %.9g also read back, so the shortest text is never longer, and on
  // random values it is shorter in all.
  const std::vector<float> values = random_values<float>(10000, 5);
  const std::vector<std::string> shortest = csv_lines(values, 0), nine = csv_lines(values, 9);
  ASSERT_EQ(shortest.size(), nine.size());
  size_t total = 0, total9 = 0;
  for (size_t i = 0; i < shortest.size(); ++i) {
    EXPECT_LE(shortest[i].size(), nine[i].size()) << shortest[i] << " vs " << nine[i];
    total += shortest[i].size();
    total9 += nine[i].size();
  }
  EXPECT_LT(total, total9);
}

TEST(RowFormat, ExplicitPrecisionIsGeneralFormat) {
  EXPECT_EQ(csv_lines<double>({0.1, 3.14159265358979, 1e300}, 17),
            (std::vector<std::string>{"0.10000000000000001", "3.14159265358979", "1.0000000000000001e+300"}));
  EXPECT_EQ(csv_lines<double>({3.14159265358979}, 3), (std::vector<std::string>{"3.14"}));
  // float32 columns use at most 9 digits.
  EXPECT_EQ(csv_lines<float>({0.1f}, 17), (std::vector<std::string>{"0.100000001"}));
  EXPECT_EQ(csv_lines<float>({0.1f}, 4), (std::vector<std::string>{"0.1"}));
}

TEST(RowFormat, NanAndInfinitiesAreWrittenAsBefore) {
  const float fnan = std::numeric_limits<float>::quiet_NaN();
  const double dnan = std::numeric_limits<double>::quiet_NaN();
  for (int p : {0, 17}) {
    EXPECT_EQ(csv_lines<float>({fnan, -fnan, INFINITY, -INFINITY}, p),
              (std::vector<std::string>{"nan", "nan", "inf", "-inf"}));
    EXPECT_EQ(csv_lines<double>({dnan, -dnan, INFINITY, -INFINITY}, p),
              (std::vector<std::string>{"nan", "nan", "inf", "-inf"}));
  }
}

TEST(RowFormat, JsonlFloatsReadBackBitForBit) {
  // jsonl_sink already wrote the shortest text; it must stay exact (finite values).
  std::vector<double> values = random_values<double>(20000, 6);
  std::vector<float> fvalues = random_values<float>(20000, 7);
  std::vector<std::optional<double>> col;
  std::vector<std::optional<float>> fcol;
  for (size_t i = 0; i < values.size(); ++i) {
    if (std::isfinite(values[i]) && std::isfinite(fvalues[i])) {
      col.push_back(values[i]);
      fcol.push_back(fvalues[i]);
    }
  }
  const trestle::Batch batch = BatchBuilder().f64("d", col).f32("f", fcol).build();
  std::string out;
  append_jsonl_rows(out, batch, 0, batch.num_rows(), nullptr);
  size_t from = 0;
  for (size_t i = 0; i < col.size(); ++i) {
    const size_t nl = out.find('\n', from);
    ASSERT_NE(nl, std::string::npos);
    const std::string line = out.substr(from, nl - from);
    from = nl + 1;
    // {"d":<number>,"f":<number>}
    const size_t comma = line.find(',');
    ASSERT_EQ(line.rfind("{\"d\":", 0), 0u) << line;
    const std::string d = line.substr(5, comma - 5);
    const std::string f = line.substr(comma + 5, line.size() - comma - 6);
    ASSERT_EQ(bits(parse_back<double>(d)), bits(*col[i])) << line;
    ASSERT_EQ(bits(parse_back<float>(f)), bits(*fcol[i])) << line;
  }
}

}  // namespace
}  // namespace trestle_io
