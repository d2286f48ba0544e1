#pragma once
// Shared by the features tests: reading columns back as vectors and catching errors.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <trestle/testing.hpp>

namespace ft {

using trestle::Batch;
using trestle::Options;
using trestle::StringList;
using trestle::StringMap;
using trestle::Type;
using trestle::testing::BatchBuilder;
using trestle::testing::Harness;
using ::testing::HasSubstr;

inline std::string data(const std::string& file) { return std::string(FEATURES_TESTDATA) + "/" + file; }

template <typename T, typename Read>
std::vector<std::optional<T>> values(const trestle::Column& c, Read read) {
  std::vector<std::optional<T>> v;
  for (int64_t r = 0; r < c.size(); ++r) v.push_back(c.is_null(r) ? std::nullopt : std::optional<T>(read(r)));
  return v;
}
inline auto f64s(const trestle::Column& c) { return values<double>(c, [&](int64_t r) { return c.f64(r); }); }
inline auto f32s(const trestle::Column& c) { return values<float>(c, [&](int64_t r) { return c.f32(r); }); }
inline auto i64s(const trestle::Column& c) { return values<int64_t>(c, [&](int64_t r) { return c.i64(r); }); }
inline auto i32s(const trestle::Column& c) { return values<int32_t>(c, [&](int64_t r) { return c.i32(r); }); }
inline auto bools(const trestle::Column& c) { return values<bool>(c, [&](int64_t r) { return c.bool_at(r); }); }
inline auto strs(const trestle::Column& c) { return values<std::string>(c, [&](int64_t r) { return std::string(c.str(r)); }); }

struct Failure {
  int32_t code = TRESTLE_OK;
  std::string message;
};

/// The trestle::Error that f throws; a test failure when it throws none.
template <typename F>
Failure failure_of(F&& f) {
  try {
    f();
  } catch (const trestle::Error& e) {
    return {e.code(), e.what()};
  }
  ADD_FAILURE() << "expected a trestle::Error";
  return {};
}

/// The message of the InvalidArgument that creating Op with `o` and opening it on
/// `input` throws.
template <typename Op>
std::string invalid(const Options& o, const Batch& input) {
  Failure f = failure_of([&] {
    Harness<Op> h(o);
    h.open(input.schema());
  });
  EXPECT_EQ(f.code, TRESTLE_INVALID_ARGUMENT) << f.message;
  return f.message;
}

/// Opens `h` on the schema of `in` and processes `in`.
template <typename Op>
Batch run(Harness<Op>& h, const Batch& in) {
  h.open(in.schema());
  return h.process(in);
}

/// (row, reason) of each row the last call rejected.
template <typename Op>
std::vector<std::pair<int64_t, std::string>> rejects(Harness<Op>& h) {
  std::vector<std::pair<int64_t, std::string>> v;
  for (const auto& r : h.recorded().rejections) {
    EXPECT_EQ(r.code, TRESTLE_DATA_ERROR);
    v.emplace_back(r.row, r.reason);
  }
  return v;
}

using Rejects = std::vector<std::pair<int64_t, std::string>>;

}  // namespace ft
