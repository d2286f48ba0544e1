#include "exec/dead_letter.h"

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "trestle/testing.hpp"

namespace trestle::core {
namespace {

std::vector<nlohmann::json> ReadLines(const std::string& path) {
  std::vector<nlohmann::json> out;
  std::ifstream f(path);
  for (std::string line; std::getline(f, line);) out.push_back(nlohmann::json::parse(line));
  return out;
}

TEST(DeadLetterWriter, WritesNothingUntilTheFirstDeadLetter) {
  std::string path = ::testing::TempDir() + "/dl_none/dead_letter.jsonl";
  { DeadLetterWriter w(path, "run-1"); }
  EXPECT_FALSE(std::filesystem::exists(path));
}

TEST(DeadLetterWriter, KeepsTheOriginalRowWithNodeCodeReasonRunAndTime) {
  std::string dir = ::testing::TempDir() + "/dl_rows";
  std::filesystem::remove_all(dir);
  DeadLetterWriter w(dir + "/dead_letter.jsonl", "run-7");
  trestle::Batch b = trestle::testing::BatchBuilder()
                         .str("name", {"ann", std::nullopt})
                         .f64("score", {0.5, std::nan("")})
                         .boolean("ok", {true, false})
                         .ts("at", {0, 1500000})
                         .build();
  ASSERT_TRUE(w.WriteRows("clean", b, {{1, Code::kDataError, "score is NaN"}}).ok());
  ASSERT_TRUE(w.WriteRecord("src", "a,b", "in.csv:4", Code::kDataError, "expected 3 fields, found 2").ok());
  auto lines = ReadLines(dir + "/dead_letter.jsonl");
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0]["node"], "clean");
  EXPECT_EQ(lines[0]["code"], "DATA_ERROR");
  EXPECT_EQ(lines[0]["reason"], "score is NaN");
  EXPECT_EQ(lines[0]["run_id"], "run-7");
  EXPECT_EQ(lines[0]["row_index"], 1);
  EXPECT_TRUE(lines[0]["row"]["name"].is_null());
  EXPECT_TRUE(lines[0]["row"]["score"].is_null());
  EXPECT_EQ(lines[0]["row"]["ok"], false);
  EXPECT_EQ(lines[0]["row"]["at"], "1970-01-01T00:00:01.500000Z");
  EXPECT_EQ(lines[0]["time"].get<std::string>().size(), 27u);
  EXPECT_EQ(lines[1]["record"], "a,b");
  EXPECT_EQ(lines[1]["location"], "in.csv:4");
  EXPECT_EQ(w.written(), 2);
}

}  // namespace
}  // namespace trestle::core
