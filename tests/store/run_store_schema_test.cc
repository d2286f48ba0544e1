// The run store's schema: created in WAL mode, migrated from older versions keeping the
// runs, refused from a newer trestle, and errors that name the file.
#include "run_store_fixture.h"

#include <fstream>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace trestle::core {
namespace {

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

}  // namespace
}  // namespace trestle::core
