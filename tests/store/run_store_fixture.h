#pragma once
// The fixture of the run store's tests (run_store_*_test.cc): a fresh state directory per
// test, a raw look at the database, and the monitor records and run reports they store.

#include <sqlite3.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "store/run_store.h"

namespace trestle::core {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

class RunStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("run_store_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string Db() const { return (dir_ / "state" / "runs.db").string(); }

  std::unique_ptr<RunStore> OpenOrDie() {
    auto s = RunStore::Open(Db());
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return s.ok() ? std::move(*s) : nullptr;
  }

  // A query on the raw database, first column of every row as text.
  std::vector<std::string> Sql(const std::string& sql) {
    sqlite3* db = nullptr;
    std::vector<std::string> out;
    EXPECT_EQ(sqlite3_open_v2(Db().c_str(), &db, SQLITE_OPEN_READWRITE, nullptr), SQLITE_OK);
    sqlite3_stmt* s = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &s, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
    while (s && sqlite3_step(s) == SQLITE_ROW) {
      const unsigned char* t = sqlite3_column_text(s, 0);
      out.push_back(t ? reinterpret_cast<const char*>(t) : "NULL");
    }
    sqlite3_finalize(s);
    sqlite3_close(db);
    return out;
  }

  static nlohmann::json Window(int64_t start, int64_t end, double psi, double mean) {
    return {{"start_us", start},
            {"end_us", end},
            {"rows", 100},
            {"skipped_batches", 1},
            {"features",
             {{{"feature", "amount"},
               {"kind", "numeric"},
               {"stats", {{"count", 100}, {"mean", mean}, {"null_share", nullptr}}},
               {"scores", {{"psi", psi}, {"ks_p", 0.5}}}},
              {{"feature", "country"}, {"kind", "categorical"}, {"stats", {{"count", 100}}}, {"scores", {{"js", 0.1}}}}}}};
  }
  static nlohmann::json Finding(int64_t start, int64_t end, const std::string& feature = "amount") {
    return {{"time_us", end},
            {"window_start_us", start},
            {"feature", feature},
            {"code", "DRIFT"},
            {"statistic", "psi"},
            {"value", 0.5},
            {"threshold", 0.2},
            {"top_values", {{{"value", "XX"}, {"count", 7}, {"share", 0.07}}}},
            {"message", "psi 0.5 > 0.2"}};
  }
  static nlohmann::json Report(const std::string& run_id, const std::string& status = "succeeded") {
    return {{"run_id", run_id},
            {"pipeline", "churn"},
            {"file", "churn.yaml"},
            {"config_hash", "abc"},
            {"status", status},
            {"started", "2026-11-25T06:00:00.000000Z"},
            {"ended", "2026-11-25T06:00:02.500000Z"},
            {"duration_seconds", 2.5},
            {"plugins", {{"io", {{"version", "1.0.0"}, {"sha256", std::string(64, 'a')}}}}},
            {"models",
             {{{"node", "score"},
               {"versions",
                {{{"version", "1"}, {"path", "m/1/model.json"}, {"sha256", std::string(64, 'b')}, {"rows", 40}},
                 {{"version", "2"}, {"path", "m/2/model.json"}, {"sha256", std::string(64, 'c')}, {"rows", 60},
                  {"framework", "linear"}}}}}}},
            {"accounting",
             {{"balanced", true},
              {"sources",
               {{"src",
                 {{"read", 100},
                  {"paths",
                   {{"out", {{"reached", 90}, {"dead_lettered", 4}, {"filtered", 6}, {"skipped", 0}, {"balanced", true}}},
                    {"audit", {{"reached", 100}, {"balanced", true}}}}}}}}}}},
            {"nodes", nlohmann::json::array()}};
  }

  std::filesystem::path dir_;
};

}  // namespace trestle::core
