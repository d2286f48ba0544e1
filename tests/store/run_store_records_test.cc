// The run store records runs, monitor windows and findings and reads them back, with
// the queries' filters, abandoned runs, and records that arrive outside a run.
#include "run_store_fixture.h"

#include <cmath>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace trestle::core {
namespace {

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

}  // namespace
}  // namespace trestle::core
