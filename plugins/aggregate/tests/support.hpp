#pragma once
// Shared by the aggregate tests: options, running group_aggregate over batches, exact
// dumps of results (doubles as hex floats, so "equal" means bit for bit), temp dirs.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cinttypes>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <trestle/testing.hpp>

#include "group_aggregate.hpp"

namespace agt {

using trestle::Batch;
using trestle::Options;
using trestle::Schema;
using trestle::StringList;
using trestle::StringMap;
using trestle::Type;
using trestle::testing::BatchBuilder;
using trestle_aggregate::GroupAggregate;
using ::testing::HasSubstr;

inline Options options(const StringList& by, const StringMap& aggregates, const std::string& budget = "256MiB",
                       const std::string& spill_dir = "") {
  Options o;
  o.set("by", by).set("aggregates", aggregates).set("memory_budget", budget);
  if (!spill_dir.empty()) o.set("spill_dir", spill_dir);
  return o;
}

/// One value as exact text: "null", integers in decimal, doubles as hex floats.
inline std::string cell(const trestle::Column& c, int64_t r) {
  if (c.is_null(r)) return "null";
  char buf[64];
  switch (c.type()) {
    case Type::Bool: return c.bool_at(r) ? "true" : "false";
    case Type::Int32: return std::to_string(c.i32(r));
    case Type::Int64: return std::to_string(c.i64(r));
    case Type::TimestampUs: return "ts" + std::to_string(c.i64(r));
    case Type::Float32: std::snprintf(buf, sizeof buf, "%af", static_cast<double>(c.f32(r))); return buf;
    case Type::Float64: std::snprintf(buf, sizeof buf, "%a", c.f64(r)); return buf;
    case Type::Utf8: return "'" + std::string(c.str(r)) + "'";
  }
  return "?";
}

/// Every row of every batch as "v1 | v2 | ...".
inline std::vector<std::string> dump(const std::vector<Batch>& batches) {
  std::vector<std::string> rows;
  for (const auto& b : batches) {
    for (int64_t r = 0; r < b.num_rows(); ++r) {
      std::string s;
      for (size_t c = 0; c < b.num_columns(); ++c) s += (c ? " | " : "") + cell(b.column(c), r);
      rows.push_back(s);
    }
  }
  return rows;
}

/// Runs an opened operator over `input` and drains finish() in batches of `max_rows`.
inline std::vector<Batch> run(GroupAggregate& op, const std::vector<Batch>& input, int64_t max_rows = 1000) {
  trestle::Context ctx(nullptr);
  for (const auto& b : input) {
    Batch out = op.process(b, ctx);
    EXPECT_EQ(out.num_rows(), 0);
  }
  std::vector<Batch> result;
  while (auto b = op.finish(max_rows, ctx)) {
    EXPECT_LE(b->num_rows(), max_rows);
    result.push_back(std::move(*b));
  }
  EXPECT_FALSE(op.finish(max_rows, ctx).has_value());
  op.close(ctx);
  return result;
}

/// Creates, opens and runs group_aggregate with `o` over `input`.
inline std::vector<Batch> aggregate(const Options& o, const std::vector<Batch>& input, int64_t max_rows = 1000,
                                    GroupAggregate::Stats* stats = nullptr) {
  GroupAggregate op(o);
  op.open(input.at(0).schema());
  auto r = run(op, input, max_rows);
  if (stats) *stats = op.stats();
  return r;
}

/// The message of the trestle::Error that creating and opening the operator (through
/// the SDK harness, as the host does) throws; "" when none.
inline std::string open_error(const Options& o, const Schema& input) {
  auto e = trestle::testing::open_error<GroupAggregate>(o, input);
  if (!e) return "";
  EXPECT_EQ(e->code(), TRESTLE_INVALID_ARGUMENT) << e->what();
  return e->what();
}

/// A fresh directory under the test temp dir, removed at destruction.
class TempDir {
 public:
  TempDir() {
    static std::atomic<int> counter{0};
    path_ = std::filesystem::path(::testing::TempDir()) /
            ("aggregate-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string path() const { return path_.string(); }
  std::vector<std::string> list() const {
    std::vector<std::string> v;
    for (const auto& e : std::filesystem::directory_iterator(path_)) v.push_back(e.path().filename().string());
    return v;
  }

 private:
  std::filesystem::path path_;
};

}  // namespace agt
