#include "stdout_sink.h"

#include <gtest/gtest.h>

#include <string>

#include "test_util.h"

namespace trestle_io {
namespace {

using trestle::Options;
using trestle::testing::BatchBuilder;
using trestle::testing::Harness;

trestle::Batch batch(int64_t from, int64_t n) {
  std::vector<std::optional<int64_t>> ids;
  std::vector<std::optional<std::string>> names;
  for (int64_t i = from; i < from + n; ++i) {
    ids.push_back(i);
    names.push_back(i % 2 ? std::optional<std::string>("a,b") : std::nullopt);
  }
  return BatchBuilder().i64("id", ids).str("name", names).build();
}

std::string run(const Options& o, const std::vector<trestle::Batch>& batches) {
  Harness<StdoutSink> sink(o);
  ::testing::internal::CaptureStdout();
  sink.open(batches.at(0).schema());
  for (const auto& b : batches) sink.write(b);
  sink.commit(true);
  sink.close();
  return ::testing::internal::GetCapturedStdout();
}

TEST(StdoutSink, CsvWithHeader) {
  EXPECT_EQ(run(Options(), {batch(0, 2), batch(2, 1)}), "id,name\n0,\n1,\"a,b\"\n2,\n");
}

TEST(StdoutSink, OpenPrintsNothing) {
  Harness<StdoutSink> sink;
  ::testing::internal::CaptureStdout();
  sink.open(batch(0, 1).schema());
  sink.close();
  EXPECT_EQ(::testing::internal::GetCapturedStdout(), "");
}

TEST(StdoutSink, MaxRowsStopsPrinting) {
  EXPECT_EQ(run(Options().set("max_rows", int64_t{3}), {batch(0, 2), batch(2, 2), batch(4, 2)}),
            "id,name\n0,\n1,\"a,b\"\n2,\n");
}

TEST(StdoutSink, Jsonl) {
  EXPECT_EQ(run(Options().set("format", std::string("jsonl")), {batch(0, 2)}),
            "{\"id\":0,\"name\":null}\n{\"id\":1,\"name\":\"a,b\"}\n");
}

TEST(StdoutSink, UnknownFormatIsRefused) {
  EXPECT_THROW(Harness<StdoutSink>(Options().set("format", std::string("xml"))), trestle::Error);
}

}  // namespace
}  // namespace trestle_io
