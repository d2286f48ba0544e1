// The run store: schema and migration, recording and reading back, errors naming the
// file, concurrency (threads, and several connections standing in for processes), the
// "since when" rule and ISO-8601 parsing.
#include "store/run_store.h"

#include <sqlite3.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace trestle::core {
namespace {

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

TEST_F(RunStoreTest, CreatesTheSchemaInWalMode) {
  auto store = OpenOrDie();
  ASSERT_TRUE(store);
  EXPECT_TRUE(std::filesystem::exists(Db()));
  EXPECT_EQ(store->path(), Db());
  EXPECT_THAT(Sql("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"),
              ElementsAre("findings", "run_models", "run_plugins", "runs", "schema_version", "window_features",
                          "windows"));
  EXPECT_THAT(Sql("SELECT version FROM schema_version"), ElementsAre(std::to_string(RunStore::kSchemaVersion)));
  EXPECT_THAT(Sql("PRAGMA journal_mode"), ElementsAre("wal"));
  store.reset();
  // Reopening keeps the schema as it is.
  store = OpenOrDie();
  EXPECT_THAT(Sql("SELECT COUNT(*) FROM schema_version"), ElementsAre("1"));
  auto check = store->IntegrityCheck();
  ASSERT_TRUE(check.ok());
  EXPECT_EQ(*check, "ok");
}

TEST_F(RunStoreTest, AVersion2StoreGainsRunDatesAndKeepsItsRuns) {
  {
    auto store = OpenOrDie();
    ASSERT_TRUE(store->BeginRun("old", "p", "p.yaml", "h", "2026-12-01T00:00:00Z").ok());
  }
  // What a store written before run dates (and shards) looked like.
  Sql("DROP INDEX runs_pipeline_date");
  Sql("ALTER TABLE runs DROP COLUMN run_date");
  Sql("ALTER TABLE runs DROP COLUMN shard_index");
  Sql("ALTER TABLE runs DROP COLUMN shard_count");
  Sql("UPDATE schema_version SET version = 2");
  auto store = OpenOrDie();
  EXPECT_THAT(Sql("SELECT version FROM schema_version"), ElementsAre(std::to_string(RunStore::kSchemaVersion)));
  ASSERT_TRUE(store->BeginRun("new", "p", "p.yaml", "h", "2026-12-02T00:00:00Z", {}, "2026-12-02").ok());
  auto runs = store->ListRuns(RunQuery("p", 0));
  ASSERT_TRUE(runs.ok());
  ASSERT_EQ(runs->size(), 2u);
  EXPECT_EQ((*runs)[0].run_id, "new");
  EXPECT_EQ((*runs)[0].run_date, "2026-12-02");
  EXPECT_EQ((*runs)[1].run_date, "");
  RunQuery dated("p", 0);
  dated.dated_only = true;
  dated.from_date = dated.to_date = "2026-12-02";
  auto only = store->ListRuns(dated);
  ASSERT_TRUE(only.ok());
  ASSERT_EQ(only->size(), 1u);
  EXPECT_EQ((*only)[0].run_id, "new");
}

TEST_F(RunStoreTest, AVersion3StoreGainsShardsAndKeepsItsRuns) {
  {
    auto store = OpenOrDie();
    ASSERT_TRUE(store->BeginRun("old", "p", "p.yaml", "h", "2026-12-01T00:00:00Z", {}, "2026-12-01").ok());
  }
  // What a store written before shards looked like.
  Sql("ALTER TABLE runs DROP COLUMN shard_index");
  Sql("ALTER TABLE runs DROP COLUMN shard_count");
  Sql("UPDATE schema_version SET version = 3");
  auto store = OpenOrDie();
  EXPECT_THAT(Sql("SELECT version FROM schema_version"), ElementsAre("4"));
  ASSERT_TRUE(
      store->BeginRun("new", "p", "p.yaml", "h", "2026-12-02T00:00:00Z", {}, "2026-12-01", RunShard{1, 3}).ok());
  auto runs = store->ListRuns(RunQuery("p", 0));
  ASSERT_TRUE(runs.ok());
  ASSERT_EQ(runs->size(), 2u);
  EXPECT_EQ((*runs)[0].shard, (RunShard{1, 3}));
  EXPECT_EQ((*runs)[0].run_date, "2026-12-01");
  EXPECT_FALSE((*runs)[1].shard.sharded());
  EXPECT_EQ((*runs)[1].run_date, "2026-12-01");
}

TEST_F(RunStoreTest, TheShardOfARunIsRecordedAndReadBack) {
  auto store = OpenOrDie();
  ASSERT_TRUE(store);
  ASSERT_TRUE(store->BeginRun("s2", "p", "", "", "2026-12-01T00:00:00Z", {}, "2026-12-01", RunShard{2, 4}).ok());
  ASSERT_TRUE(store->BeginRun("one", "p", "", "", "2026-12-01T00:00:01Z", {}, "2026-12-01", RunShard{0, 1}).ok());
  nlohmann::json report = Report("s2");
  report["run_date"] = "2026-12-01";
  report["shard"] = {{"index", 2}, {"count", 4}};
  ASSERT_TRUE(store->EndRun(report).ok());
  auto r = store->GetRun("s2");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->shard, (RunShard{2, 4}));
  EXPECT_EQ(r->status, "succeeded");
  EXPECT_EQ(r->report["shard"]["count"], 4);  // the report still reads from the right column
  // One shard of one is an unsharded run: stored as NULL.
  EXPECT_THAT(Sql("SELECT COALESCE(shard_count, 'NULL') FROM runs WHERE run_id = 'one'"), ElementsAre("NULL"));
  EXPECT_FALSE(store->GetRun("one")->shard.sharded());
  // A run recorded only at its end takes its date and shard from the report.
  nlohmann::json solo = Report("solo");
  solo["run_date"] = "2026-12-02";
  solo["shard"] = {{"index", 0}, {"count", 2}};
  ASSERT_TRUE(store->EndRun(solo).ok());
  EXPECT_EQ(store->GetRun("solo")->shard, (RunShard{0, 2}));
  EXPECT_EQ(store->GetRun("solo")->run_date, "2026-12-02");
}

TEST_F(RunStoreTest, RefusesASchemaFromTheFuture) {
  OpenOrDie().reset();
  Sql("UPDATE schema_version SET version = 99");
  auto s = RunStore::Open(Db());
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.status().message(), HasSubstr(Db()));
  EXPECT_THAT(s.status().message(), HasSubstr("newer trestle"));
}

TEST_F(RunStoreTest, ErrorsNameTheFileAndSqlitesMessage) {
  auto missing = RunStore::Open(Db(), /*create=*/false);
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(missing.status().message(), HasSubstr(Db()));
  EXPECT_THAT(missing.status().message(), HasSubstr("no such file"));

  std::filesystem::create_directories(std::filesystem::path(Db()).parent_path());
  std::ofstream(Db()) << "this is not a database, not even close; it only has to be long enough to have a header...";
  auto garbage = RunStore::Open(Db());
  ASSERT_FALSE(garbage.ok());
  EXPECT_THAT(garbage.status().message(), HasSubstr(Db()));
  EXPECT_THAT(garbage.status().message(), HasSubstr("not a database"));
}

TEST_F(RunStoreTest, RecordsARunAndReadsItBack) {
  auto store = OpenOrDie();
  ASSERT_TRUE(store);
  ASSERT_TRUE(store->BeginRun("r1", "churn", "churn.yaml", "abc", "2026-11-25T06:00:00.000000Z").ok());
  auto running = store->GetRun("r1");
  ASSERT_TRUE(running.ok());
  EXPECT_EQ(running->status, "running");
  EXPECT_TRUE(running->ended.empty());
  EXPECT_LT(running->duration_seconds, 0);

  store->RecordWindow("drift", Window(1000, 2000, 0.01, 5.0));
  store->RecordWindow("drift", Window(2000, 3000, 0.5, std::nan("")));
  store->RecordFinding("drift", Finding(2000, 3000));
  nlohmann::json no_value = Finding(2000, 3000, "country");
  no_value["value"] = nullptr;
  no_value["code"] = "UNKNOWN_CATEGORICAL_VALUES";
  store->RecordFinding("schema", no_value);
  ASSERT_TRUE(store->Flush().ok());
  ASSERT_TRUE(store->EndRun(Report("r1")).ok());

  auto runs = store->ListRuns({});
  ASSERT_TRUE(runs.ok());
  ASSERT_EQ(runs->size(), 1u);
  const StoredRun& r = runs->front();
  EXPECT_EQ(r.run_id, "r1");
  EXPECT_EQ(r.pipeline, "churn");
  EXPECT_EQ(r.file, "churn.yaml");
  EXPECT_EQ(r.config_hash, "abc");
  EXPECT_EQ(r.status, "succeeded");
  EXPECT_EQ(r.started, "2026-11-25T06:00:00.000000Z");
  EXPECT_EQ(r.ended, "2026-11-25T06:00:02.500000Z");
  EXPECT_DOUBLE_EQ(r.duration_seconds, 2.5);
  EXPECT_EQ(r.rows_read, 100);
  EXPECT_EQ(r.rows_written, 190);  // 90 to out + 100 to audit
  EXPECT_EQ(r.windows, 2);
  EXPECT_EQ(r.findings, 2);

  auto full = store->GetRun("r1");
  ASSERT_TRUE(full.ok());
  EXPECT_EQ(full->report["run_id"], "r1");
  EXPECT_EQ(full->accounting["sources"]["src"]["read"], 100);
  EXPECT_FALSE(store->GetRun("nope").ok());
  EXPECT_THAT(store->GetRun("nope").status().message(), HasSubstr("no run nope"));

  auto plugins = store->RunPlugins("r1");
  ASSERT_TRUE(plugins.ok());
  ASSERT_EQ(plugins->size(), 1u);
  EXPECT_EQ((*plugins)[0].plugin, "io");
  EXPECT_EQ((*plugins)[0].version, "1.0.0");
  EXPECT_EQ((*plugins)[0].sha256, std::string(64, 'a'));
  auto models = store->RunModels("r1");
  ASSERT_TRUE(models.ok());
  ASSERT_EQ(models->size(), 2u);
  EXPECT_EQ((*models)[0].node, "score");
  EXPECT_EQ((*models)[0].version, "1");
  EXPECT_EQ((*models)[0].rows, 40);
  EXPECT_EQ((*models)[1].framework, "linear");
  EXPECT_EQ((*models)[1].sha256, std::string(64, 'c'));

  EventQuery q;
  q.feature = "amount";
  auto ws = store->FeatureWindows(q);
  ASSERT_TRUE(ws.ok());
  ASSERT_EQ(ws->size(), 2u);
  EXPECT_EQ((*ws)[0].run_id, "r1");
  EXPECT_EQ((*ws)[0].pipeline, "churn");
  EXPECT_EQ((*ws)[0].node, "drift");
  EXPECT_EQ((*ws)[0].start_us, 1000);
  EXPECT_EQ((*ws)[0].end_us, 2000);
  EXPECT_EQ((*ws)[0].rows, 100);
  EXPECT_EQ((*ws)[0].skipped_batches, 1);
  EXPECT_EQ((*ws)[0].kind, "numeric");
  EXPECT_DOUBLE_EQ((*ws)[0].stats.at("mean"), 5.0);
  EXPECT_TRUE(std::isnan((*ws)[0].stats.at("null_share")));  // null in, NaN out
  EXPECT_TRUE(std::isnan((*ws)[1].stats.at("mean")));
  EXPECT_DOUBLE_EQ((*ws)[1].scores.at("psi"), 0.5);
  EXPECT_DOUBLE_EQ((*ws)[1].scores.at("ks_p"), 0.5);
  auto all_features = store->FeatureWindows({});
  ASSERT_TRUE(all_features.ok());
  EXPECT_EQ(all_features->size(), 4u);

  auto fs = store->Findings({});
  ASSERT_TRUE(fs.ok());
  ASSERT_EQ(fs->size(), 2u);
  const StoredFinding& f = (*fs)[0].feature == "amount" ? (*fs)[0] : (*fs)[1];
  const StoredFinding& g = (*fs)[0].feature == "amount" ? (*fs)[1] : (*fs)[0];
  EXPECT_EQ(f.node, "drift");
  EXPECT_EQ(f.code, "DRIFT");
  EXPECT_EQ(f.statistic, "psi");
  EXPECT_DOUBLE_EQ(f.value, 0.5);
  EXPECT_DOUBLE_EQ(f.threshold, 0.2);
  EXPECT_EQ(f.time_us, 3000);
  EXPECT_EQ(f.window_start_us, 2000);
  EXPECT_EQ(f.top_values[0]["value"], "XX");
  EXPECT_EQ(f.top_values[0]["count"], 7);
  EXPECT_EQ(f.message, "psi 0.5 > 0.2");
  EXPECT_TRUE(std::isnan(g.value));
  EXPECT_EQ(g.code, "UNKNOWN_CATEGORICAL_VALUES");

  auto features = store->RunFeatures("r1");
  ASSERT_TRUE(features.ok());
  EXPECT_THAT(*features, ElementsAre("amount", "country"));

  // Raw rows, as another tool would read them.
  EXPECT_THAT(Sql("SELECT status || ' ' || rows_read || ' ' || rows_written FROM runs"), ElementsAre("succeeded 100 190"));
  EXPECT_THAT(Sql("SELECT stats FROM window_features WHERE feature = 'amount' ORDER BY window_id"),
              ElementsAre(R"({"count":100,"mean":5.0,"null_share":null})",
                          R"({"count":100,"mean":null,"null_share":null})"));
}

TEST_F(RunStoreTest, QueriesFilterByNodePipelineRunAndTime) {
  auto store = OpenOrDie();
  ASSERT_TRUE(store);
  ASSERT_TRUE(store->BeginRun("a", "p1", "", "", "2026-11-25T06:00:00.000000Z").ok());
  store->RecordWindow("drift", Window(1000, 2000, 0.1, 1));
  store->RecordWindow("other", Window(2000, 3000, 0.1, 1));
  store->RecordFinding("drift", Finding(1000, 2000));
  nlohmann::json ra = Report("a");
  ra["pipeline"] = "p1";
  ASSERT_TRUE(store->EndRun(ra).ok());
  nlohmann::json rb = Report("b");
  rb["pipeline"] = "p2";
  rb["started"] = "2026-11-26T06:00:00.000000Z";
  ASSERT_TRUE(store->BeginRun("b", "p2", "", "", "2026-11-26T06:00:00.000000Z").ok());
  store->RecordWindow("drift", Window(5000, 6000, 0.1, 1));
  store->RecordFinding("drift", Finding(5000, 6000));
  ASSERT_TRUE(store->EndRun(rb).ok());

  auto count = [&](EventQuery q) {
    q.feature = "amount";
    auto w = store->FeatureWindows(q);
    EXPECT_TRUE(w.ok());
    return w.ok() ? w->size() : 0;
  };
  EventQuery by_node, by_pipeline, by_run;
  by_node.node = "drift";
  by_pipeline.pipeline = "p2";
  by_run.run_id = "a";
  EXPECT_EQ(count({}), 3u);
  EXPECT_EQ(count(by_node), 2u);
  EXPECT_EQ(count(by_pipeline), 1u);
  EXPECT_EQ(count(by_run), 2u);
  EventQuery since;
  since.since_us = 3000;  // windows ending at or after
  EXPECT_EQ(count(since), 2u);
  EventQuery until;
  until.until_us = 1999;  // windows starting at or before
  EXPECT_EQ(count(until), 1u);
  EventQuery fq;
  fq.pipeline = "p1";
  auto fs = store->Findings(fq);
  ASSERT_TRUE(fs.ok());
  EXPECT_EQ(fs->size(), 1u);
  EventQuery ignored = by_node;
  ignored.feature = "ignored";
  auto ws = store->Windows(ignored);
  ASSERT_TRUE(ws.ok());
  EXPECT_EQ(ws->size(), 2u);

  // Newest first, by pipeline, limited.
  auto runs = store->ListRuns({});
  ASSERT_TRUE(runs.ok());
  ASSERT_EQ(runs->size(), 2u);
  EXPECT_EQ((*runs)[0].run_id, "b");
  auto p1 = store->ListRuns({"p1"});
  ASSERT_TRUE(p1.ok());
  ASSERT_EQ(p1->size(), 1u);
  EXPECT_EQ((*p1)[0].run_id, "a");
  auto one = store->ListRuns({"", 1});
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(one->size(), 1u);
}

TEST_F(RunStoreTest, ARunWhoseProcessIsGoneIsMarkedFailedOnlyOnce) {
  auto store = OpenOrDie();
  ASSERT_TRUE(store);
  RunOwner alive{CurrentProcess(), "/runs/alive"};
  RunOwner dead = alive;
  dead.process.pid = 2147483000;  // no such process
  dead.run_dir = "/runs/dead";
  RunOwner elsewhere = dead;
  elsewhere.process.host = "another-host";
  ASSERT_TRUE(store->BeginRun("alive", "p", "", "", "2026-11-25T06:00:00.000000Z", alive).ok());
  ASSERT_TRUE(store->BeginRun("dead", "p", "", "", "2026-11-25T06:01:00.000000Z", dead).ok());
  ASSERT_TRUE(store->BeginRun("other", "p", "", "", "2026-11-25T06:02:00.000000Z", elsewhere).ok());
  auto running = store->RunningOn(alive.process.host);
  ASSERT_TRUE(running.ok()) << running.status().ToString();
  ASSERT_EQ(running->size(), 2u);  // not the other host's
  EXPECT_EQ((*running)[0].run_id, "alive");
  EXPECT_TRUE(StillRunning((*running)[0].owner.process));
  EXPECT_EQ((*running)[1].run_id, "dead");
  EXPECT_EQ((*running)[1].owner.run_dir, "/runs/dead");
  EXPECT_FALSE(StillRunning((*running)[1].owner.process));

  ASSERT_TRUE(store->MarkAbandoned("dead", "INTERNAL: gone", "2026-11-25T06:11:00.000000Z").ok());
  auto run = store->GetRun("dead");
  ASSERT_TRUE(run.ok());
  EXPECT_EQ(run->status, "failed");
  EXPECT_EQ(run->error, "INTERNAL: gone");
  EXPECT_NEAR(run->duration_seconds, 600, 1);
  // A run that ended meanwhile keeps its own ending.
  ASSERT_TRUE(store->EndRun({{"run_id", "alive"}, {"pipeline", "p"}, {"status", "succeeded"}}).ok());
  ASSERT_TRUE(store->MarkAbandoned("alive", "INTERNAL: gone", "2026-11-25T06:11:00.000000Z").ok());
  EXPECT_EQ(store->GetRun("alive")->status, "succeeded");
  EXPECT_EQ(store->RunningOn(alive.process.host)->size(), 0u);
}

TEST_F(RunStoreTest, RecordsOutsideARunAreLostAndSaidSo) {
  auto store = OpenOrDie();
  ASSERT_TRUE(store);
  store->RecordWindow("drift", Window(1, 2, 0, 0));
  EXPECT_EQ(store->lost(), 1);
  Status st = store->Flush();
  EXPECT_FALSE(st.ok());
  EXPECT_THAT(st.message(), HasSubstr("outside a run"));
  // EndRun without BeginRun still records the run, and says what was lost.
  Status end = store->EndRun(Report("late"));
  EXPECT_FALSE(end.ok());
  EXPECT_THAT(end.message(), HasSubstr("were not stored"));
  auto r = store->GetRun("late");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, "succeeded");
}

TEST_F(RunStoreTest, EndRunWithoutBeginRunInsertsTheRun) {
  auto store = OpenOrDie();
  ASSERT_TRUE(store);
  ASSERT_TRUE(store->EndRun(Report("solo", "failed")).ok());
  auto r = store->GetRun("solo");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, "failed");
  // EndRun twice replaces plugins and models instead of duplicating them.
  ASSERT_TRUE(store->EndRun(Report("solo")).ok());
  EXPECT_EQ(store->RunModels("solo")->size(), 2u);
  EXPECT_EQ(store->RunPlugins("solo")->size(), 1u);
  EXPECT_EQ(store->GetRun("solo")->status, "succeeded");
}

TEST_F(RunStoreTest, ThreadsShareOneStore) {
  auto store = OpenOrDie();
  ASSERT_TRUE(store);
  ASSERT_TRUE(store->BeginRun("t", "p", "", "", "2026-11-25T06:00:00.000000Z").ok());
  constexpr int kThreads = 4, kWindows = 200;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < kWindows; ++i) {
        store->RecordWindow("m" + std::to_string(t), Window(i * 10, i * 10 + 10, 0.1, i));
        if (i % 10 == 0) store->RecordFinding("m" + std::to_string(t), Finding(i * 10, i * 10 + 10));
        if (i % 50 == 0) (void)store->ListRuns({});  // reads interleave with writes
      }
    });
  for (auto& th : threads) th.join();
  ASSERT_TRUE(store->EndRun(Report("t")).ok());
  auto r = store->GetRun("t");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->windows, kThreads * kWindows);
  EXPECT_EQ(r->findings, kThreads * kWindows / 10);
  EXPECT_EQ(store->lost(), 0);
  EXPECT_EQ(*store->IntegrityCheck(), "ok");
}

// Separate connections on one file, as concurrent `trestle run` processes have them:
// WAL and BEGIN IMMEDIATE keep every write.
TEST_F(RunStoreTest, SeparateConnectionsWriteConcurrently) {
  constexpr int kStores = 4, kWindows = 150;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int s = 0; s < kStores; ++s)
    threads.emplace_back([&, s] {
      auto opened = RunStore::Open(Db());  // opening concurrently creates the schema once
      if (!opened.ok()) {
        ADD_FAILURE() << opened.status().ToString();
        ++failures;
        return;
      }
      auto& store = *opened;
      const std::string id = "run" + std::to_string(s);
      if (!store->BeginRun(id, "p", "", "", "2026-11-25T06:00:0" + std::to_string(s) + ".000000Z").ok()) ++failures;
      for (int i = 0; i < kWindows; ++i) {
        store->RecordWindow("drift", Window(i * 10, i * 10 + 10, 0.1, i));
        if (i % 25 == 0) (void)store->Flush();  // commit in several transactions
      }
      nlohmann::json rep = Report(id);
      rep["started"] = "2026-11-25T06:00:0" + std::to_string(s) + ".000000Z";
      if (!store->EndRun(rep).ok()) ++failures;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  auto store = OpenOrDie();
  ASSERT_TRUE(store);
  auto runs = store->ListRuns({"", 0});
  ASSERT_TRUE(runs.ok());
  ASSERT_EQ(runs->size(), static_cast<size_t>(kStores));
  for (const auto& r : *runs) {
    EXPECT_EQ(r.windows, kWindows) << r.run_id;
    EXPECT_EQ(r.status, "succeeded");
  }
  EXPECT_THAT(Sql("SELECT COUNT(*) FROM window_features"), ElementsAre(std::to_string(kStores * kWindows * 2)));
  EXPECT_EQ(*store->IntegrityCheck(), "ok");
}

// ---------------------------------------------------------------------------------------
// "Since when"

StoredWindow W(const std::string& run, int64_t start, const std::string& node = "drift",
               const std::string& pipeline = "p") {
  return {0, run, pipeline, node, start, start + 10, 100, 0};
}
StoredFinding F(const std::string& run, int64_t start, const std::string& statistic = "psi",
                const std::string& node = "drift", const std::string& pipeline = "p") {
  StoredFinding f;
  f.run_id = run;
  f.pipeline = pipeline;
  f.node = node;
  f.window_start_us = start;
  f.time_us = start + 10;
  f.feature = "amount";
  f.code = "DRIFT";
  f.statistic = statistic;
  f.value = static_cast<double>(start);
  f.threshold = 0.2;
  return f;
}

TEST(StreaksTest, SinceIsTheStartOfTheLatestUnbrokenStreak) {
  // Windows 0..5 (days): findings in 1, 3, 4, 5 -> since 3, ongoing, 3 windows.
  std::vector<StoredWindow> line;
  for (int d = 0; d < 6; ++d) line.push_back(W("day" + std::to_string(d), d * 100));
  auto s = ComputeStreaks(line, {F("day1", 100), F("day3", 300), F("day4", 400), F("day5", 500)});
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].since_us, 300);
  EXPECT_EQ(s[0].since_run, "day3");
  EXPECT_EQ(s[0].last_us, 500);
  EXPECT_EQ(s[0].last_end_us, 510);
  EXPECT_EQ(s[0].windows, 3);
  EXPECT_EQ(s[0].total_windows, 4);
  EXPECT_TRUE(s[0].ongoing);
  EXPECT_DOUBLE_EQ(s[0].last_value, 500);
}

TEST(StreaksTest, AStreakThatStoppedIsNotOngoing) {
  std::vector<StoredWindow> line;
  for (int d = 0; d < 6; ++d) line.push_back(W("r", d * 100));
  auto s = ComputeStreaks(line, {F("r", 100), F("r", 200)});
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].since_us, 100);
  EXPECT_EQ(s[0].last_us, 200);
  EXPECT_EQ(s[0].windows, 2);
  EXPECT_FALSE(s[0].ongoing);
}

TEST(StreaksTest, KeysKeepStatisticsNodesAndPipelinesApart) {
  std::vector<StoredWindow> line = {W("r", 0), W("r", 100), W("r", 200), W("r", 0, "schema"), W("r", 100, "schema"),
                                    W("r", 0, "drift", "other"), W("r", 100, "drift", "other")};
  // psi in 100 and 200; ks_p only in 200; schema node in 0 and 100; other pipeline in 0.
  auto s = ComputeStreaks(line, {F("r", 100), F("r", 200), F("r", 200, "ks_p"), F("r", 0, "psi", "schema"),
                                 F("r", 100, "psi", "schema"), F("r", 0, "psi", "drift", "other")});
  ASSERT_EQ(s.size(), 4u);
  // Sorted by pipeline, node, feature, code, statistic.
  EXPECT_EQ(s[0].pipeline, "other");
  EXPECT_EQ(s[0].since_us, 0);
  EXPECT_FALSE(s[0].ongoing);  // the other pipeline's drift node has a later window without it
  EXPECT_EQ(s[1].statistic, "ks_p");
  EXPECT_EQ(s[1].since_us, 200);
  EXPECT_EQ(s[2].statistic, "psi");
  EXPECT_EQ(s[2].node, "drift");
  EXPECT_EQ(s[2].since_us, 100);
  EXPECT_EQ(s[2].windows, 2);
  EXPECT_EQ(s[3].node, "schema");
  EXPECT_EQ(s[3].since_us, 0);
  EXPECT_TRUE(s[3].ongoing);
}

TEST(StreaksTest, RunsWithoutWindowsDoNotBreakAStreakAndFindingsAddTheirWindows) {
  // Findings whose windows were never recorded still sit on the line, by their start.
  auto s = ComputeStreaks({W("a", 0), W("c", 300)}, {F("b", 200), F("c", 300)});
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].since_us, 200);
  EXPECT_EQ(s[0].since_run, "b");
  EXPECT_TRUE(s[0].ongoing);
  // Several findings in one window count once.
  auto t = ComputeStreaks({}, {F("a", 0), F("a", 0)});
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(t[0].windows, 1);
}

TEST(IsoTimeTest, ParsesDatesTimesFractionsAndOffsets) {
  auto p = [](const std::string& s) {
    auto r = ParseIsoTimeMicros(s);
    EXPECT_TRUE(r.ok()) << s << ": " << r.status().ToString();
    return r.ok() ? *r : -1;
  };
  EXPECT_EQ(p("1970-01-01"), 0);
  EXPECT_EQ(p("1970-01-02"), 86400LL * 1000000);
  EXPECT_EQ(p("2026-11-25T06:19:07Z"), 1795587547LL * 1000000);
  EXPECT_EQ(p("2026-11-25T06:19:07.25Z"), 1795587547LL * 1000000 + 250000);
  EXPECT_EQ(p("2026-11-25 06:19:07.123456"), 1795587547LL * 1000000 + 123456);
  EXPECT_EQ(p("2026-11-25T06:19"), 1795587540LL * 1000000);
  EXPECT_EQ(p("2026-11-25T08:19:07+02:00"), 1795587547LL * 1000000);
  EXPECT_EQ(p("2026-11-25T01:19:07-0500"), 1795587547LL * 1000000);
  EXPECT_EQ(p("2024-02-29"), 1709164800LL * 1000000);
  for (const char* bad : {"", "2026", "2026-13-01", "2025-02-29", "2026-11-25T25:00", "2026-11-25T06:19:07Zjunk",
                          "yesterday", "2026-11-25T06"}) {
    auto r = ParseIsoTimeMicros(bad);
    EXPECT_FALSE(r.ok()) << bad;
    if (!r.ok()) {
      EXPECT_THAT(r.status().message(), HasSubstr("ISO-8601"));
    }
  }
}

}  // namespace
}  // namespace trestle::core
