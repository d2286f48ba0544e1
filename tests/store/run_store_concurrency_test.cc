// The run store under concurrency: threads sharing one store, and several connections
// on one file standing in for concurrent `trestle run` processes.
#include "run_store_fixture.h"

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace trestle::core {
namespace {

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

}  // namespace
}  // namespace trestle::core
