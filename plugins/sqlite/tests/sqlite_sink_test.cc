#include "sqlite_sink.h"

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "test_util.h"

namespace trestle_sqlite {
namespace {

using test::Conn;
using test::TempDir;
using trestle::Options;
using trestle::StringList;
using trestle::testing::BatchBuilder;
using trestle::testing::Harness;

Options sink(const std::string& path, const std::string& table) { return Options().set("path", path).set("table", table); }

/// Writes `batches` through a sink made of `o`, then commits and publishes; returns
/// each rejection as "<batch>:<row> <reason>".
std::vector<std::string> run_sink(const Options& o, const std::vector<trestle::Batch>& batches) {
  Harness<SqliteSink> h(o);
  h.open(batches.at(0).schema());
  std::vector<std::string> rejected;
  for (size_t b = 0; b < batches.size(); ++b) {
    h.write(batches[b]);
    for (const auto& r : h.recorded().rejections)
      rejected.push_back(std::to_string(b) + ":" + std::to_string(r.row) + " " + r.reason);
  }
  h.commit(true);
  h.close();
  return rejected;
}

trestle::Batch day_rows(const std::string& day, std::vector<std::optional<int64_t>> ids, double base) {
  std::vector<std::optional<std::string>> days(ids.size(), day);
  std::vector<std::optional<double>> scores;
  for (size_t i = 0; i < ids.size(); ++i) scores.push_back(base + static_cast<double>(i));
  return BatchBuilder().str("day", days).i64("customer", ids).f64("score", scores).build();
}

class SqliteSinkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db = dir.file("insights.db");
    test::exec(db, "CREATE TABLE scores (day TEXT NOT NULL, customer INTEGER NOT NULL, score REAL, note TEXT DEFAULT 'x', "
                   "PRIMARY KEY (day, customer))");
  }
  std::vector<std::string> table(const std::string& order = "day, customer") const {
    return test::rows(db, "SELECT * FROM scores ORDER BY " + order);
  }
  TempDir dir;
  std::string db;
};

TEST_F(SqliteSinkTest, AppendsAndPublishesOnlyAtTheEnd) {
  Harness<SqliteSink> h(sink(db, "scores"));
  trestle::Batch b = day_rows("2026-12-01", {1, 2}, 0.5);
  h.open(b.schema());
  h.write(b);
  h.commit(false);  // an intermediate commit makes nothing visible
  EXPECT_TRUE(table().empty());
  h.prepare();
  EXPECT_TRUE(table().empty());
  h.publish();
  h.close();
  EXPECT_EQ(table(), (std::vector<std::string>{"2026-12-01|1|0.5|x", "2026-12-01|2|1.5|x"}));
}

TEST_F(SqliteSinkTest, CreatesTheFileAndTableAtTheFirstWriteOnly) {
  std::string fresh = dir.file("sub/dir/new.db");
  trestle::Batch b = BatchBuilder()
                         .i64("id", {1, 2})
                         .i32("small", {3, std::nullopt})
                         .f64("x", {0.25, -1e300})
                         .f32("y", {1.5f, 2.0f})
                         .boolean("ok", {true, false})
                         .str("s", {"é\"'", ""})
                         .ts("t", {1796083200LL * 1000000 + 1, std::nullopt})
                         .build();
  {
    Harness<SqliteSink> h(sink(fresh, "t").set("create", true));
    h.open(b.schema());  // validate: nothing created
    EXPECT_FALSE(std::filesystem::exists(fresh));
    h.close();
    EXPECT_FALSE(std::filesystem::exists(fresh));
  }
  EXPECT_TRUE(run_sink(sink(fresh, "t").set("create", true), {b}).empty());
  EXPECT_EQ(test::rows(fresh, "SELECT name, type FROM pragma_table_info('t') ORDER BY cid"),
            (std::vector<std::string>{"id|INTEGER", "small|INTEGER", "x|REAL", "y|REAL", "ok|BOOLEAN", "s|TEXT",
                                      "t|TIMESTAMP"}));
  EXPECT_EQ(test::rows(fresh, "SELECT id, small, x, y, ok, s, t, typeof(t) FROM t ORDER BY id"),
            (std::vector<std::string>{"1|3|0.25|1.5|1|é\"'|2026-12-01T00:00:00.000001|text",
                                      "2|NULL|-1.0e+300|2.0|0||NULL|null"}));
}

TEST_F(SqliteSinkTest, ADirectoryWithoutWriteAccessIsRefusedAtValidate) {
  // SQLite needs to write its journal beside the database: a writable file in a
  // read-only directory would fail only at the merge. Checked as an unprivileged user
  // (root may write anywhere): as root, in a child that drops to nobody.
  const std::string d = dir.file("ro");
  std::filesystem::create_directories(d);
  const std::string db = d + "/t.db";
  test::exec(db, "CREATE TABLE t (id INTEGER)");
  ASSERT_EQ(::chmod(db.c_str(), 0666), 0);
  ASSERT_EQ(::chmod(d.c_str(), 0555), 0);
  ASSERT_EQ(::chmod(std::filesystem::path(d).parent_path().c_str(), 0755), 0);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    if (::geteuid() == 0 && (::setgid(65534) != 0 || ::setuid(65534) != 0)) ::_exit(3);
    try {
      Harness<SqliteSink> h(sink(db, "t"));
      h.open(trestle::testing::BatchBuilder().i64("id", {1}).build().schema());
    } catch (const trestle::Error& e) {
      const bool named = std::string(e.what()).find("is not writable, and SQLite writes its journal there") != std::string::npos;
      ::_exit(e.code() == TRESTLE_INVALID_ARGUMENT && named ? 0 : 4);
    } catch (...) {
      ::_exit(5);
    }
    ::_exit(6);  // not refused
  }
  int status = 0;
  ::waitpid(child, &status, 0);
  ASSERT_EQ(::chmod(d.c_str(), 0755), 0);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "3: cannot drop privileges, 4: other message, 5: other error, 6: not refused";
}

TEST_F(SqliteSinkTest, ValidateOnAnExistingFileChangesNothing) {
  struct stat before{}, after{};
  ASSERT_EQ(::stat(db.c_str(), &before), 0);
  Harness<SqliteSink> h(sink(db, "brand_new").set("create", true));
  h.open(day_rows("d", {1}, 0).schema());
  h.close();
  ASSERT_EQ(::stat(db.c_str(), &after), 0);
  EXPECT_EQ(before.st_size, after.st_size);
  EXPECT_EQ(before.st_mtim.tv_nsec, after.st_mtim.tv_nsec);
  EXPECT_TRUE(test::rows(db, "SELECT name FROM sqlite_master WHERE name = 'brand_new'").empty());
}

TEST_F(SqliteSinkTest, AMissingTableOrFileWithoutCreateIsAnError) {
  std::string e = test::open_error<SqliteSink>(sink(db, "nope"), day_rows("d", {1}, 0).schema());
  EXPECT_NE(e.find("table \"nope\" does not exist"), std::string::npos) << e;
  EXPECT_NE(e.find("create: true"), std::string::npos) << e;
  e = test::open_error<SqliteSink>(sink(dir.file("none.db"), "t"), day_rows("d", {1}, 0).schema());
  EXPECT_NE(e.find("does not exist; set create: true"), std::string::npos) << e;
}

TEST_F(SqliteSinkTest, APathThatIsNotARegularFileIsRefused) {
  std::string e = test::open_error<SqliteSink>(sink(dir.file(""), "t").set("create", true), day_rows("d", {1}, 0).schema());
  EXPECT_NE(e.find("is a directory"), std::string::npos) << e;
  std::string fifo = dir.file("pipe");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  e = test::open_error<SqliteSink>(sink(fifo, "t").set("create", true), day_rows("d", {1}, 0).schema());
  EXPECT_NE(e.find("is a FIFO"), std::string::npos) << e;
  e = test::open_error<SqliteSink>(sink("/dev/null", "t").set("create", true), day_rows("d", {1}, 0).schema());
  EXPECT_NE(e.find("is a character device"), std::string::npos) << e;
}

TEST_F(SqliteSinkTest, ATypeMismatchNamesTableColumnAndBothTypes) {
  trestle::Batch b = BatchBuilder().str("day", {"d"}).i64("customer", {1}).str("score", {"high"}).build();
  auto e = trestle::testing::open_error<SqliteSink>(sink(db, "scores"), b.schema());
  ASSERT_TRUE(e);
  EXPECT_EQ(e->code(), TRESTLE_INVALID_ARGUMENT);
  EXPECT_NE(std::string(e->what()).find("table \"scores\" column \"score\" is declared REAL, which does not hold the "
                                        "input's utf8 values"),
            std::string::npos)
      << e->what();
  // float into INTEGER, int into TEXT: refused; int into REAL: fine.
  b = BatchBuilder().str("day", {"d"}).f64("customer", {1}).build();
  EXPECT_NE(test::open_error<SqliteSink>(sink(db, "scores"), b.schema()).find("\"customer\" is declared INTEGER"), std::string::npos);
  b = BatchBuilder().str("day", {"d"}).i64("customer", {1}).i64("note", {1}).build();
  EXPECT_NE(test::open_error<SqliteSink>(sink(db, "scores"), b.schema()).find("\"note\" is declared TEXT"), std::string::npos);
  b = BatchBuilder().str("day", {"d"}).i32("customer", {1}).i64("score", {1}).build();
  EXPECT_EQ(test::open_error<SqliteSink>(sink(db, "scores"), b.schema()), "");
  // Every mismatch in one message, not one per run.
  b = BatchBuilder().str("day", {"d"}).f64("customer", {1}).i64("note", {1}).i64("extra", {1}).build();
  const std::string all = test::open_error<SqliteSink>(sink(db, "scores"), b.schema());
  EXPECT_NE(all.find("\"customer\" is declared INTEGER"), std::string::npos) << all;
  EXPECT_NE(all.find("\"note\" is declared TEXT"), std::string::npos) << all;
  EXPECT_NE(all.find("has no column \"extra\""), std::string::npos) << all;
}

TEST_F(SqliteSinkTest, ColumnsMustMatchByName) {
  trestle::Batch b = BatchBuilder().str("day", {"d"}).i64("customer", {1}).f64("plan", {1}).build();
  std::string e = test::open_error<SqliteSink>(sink(db, "scores"), b.schema());
  EXPECT_NE(e.find("table \"scores\" has no column \"plan\" (its columns: day, customer, score, note)"), std::string::npos) << e;
  b = BatchBuilder().str("day", {"d"}).f64("score", {1}).build();
  e = test::open_error<SqliteSink>(sink(db, "scores"), b.schema());
  EXPECT_NE(e.find("column \"customer\" is NOT NULL without a default"), std::string::npos) << e;
  // Nullable and defaulted columns may be missing, and case does not matter (as in SQL).
  b = BatchBuilder().str("DAY", {"d"}).i64("Customer", {1}).build();
  EXPECT_EQ(test::open_error<SqliteSink>(sink(db, "scores"), b.schema()), "");
  b = BatchBuilder().str("day", {"d"}).i64("customer", {1}).i64("Customer", {2}).build();
  e = test::open_error<SqliteSink>(sink(db, "scores"), b.schema());
  EXPECT_NE(e.find("name one table column"), std::string::npos) << e;
}

TEST_F(SqliteSinkTest, OptionCombinations) {
  auto schema = day_rows("d", {1}, 0).schema();
  EXPECT_NE(test::open_error<SqliteSink>(sink(db, "scores").set("mode", std::string("replace_partition")), schema)
                .find("needs option \"partition_by\""),
            std::string::npos);
  EXPECT_NE(test::open_error<SqliteSink>(sink(db, "scores").set("mode", std::string("upsert")), schema).find("needs option \"key\""),
            std::string::npos);
  EXPECT_NE(test::open_error<SqliteSink>(sink(db, "scores").set("key", StringList{"customer"}), schema)
                .find("\"key\" is only for mode: upsert"),
            std::string::npos);
  EXPECT_NE(test::open_error<SqliteSink>(sink(db, "scores").set("mode", std::string("replace_partition")).set("partition_by", StringList{"date"}), schema)
                .find("\"partition_by\" names column \"date\", which the input lacks (input columns: day, customer, score)"),
            std::string::npos);
  EXPECT_NE(test::open_error<SqliteSink>(sink(db, "sqlite_master"), schema).find("reserved"), std::string::npos);
  test::exec(db, "CREATE VIEW v AS SELECT * FROM scores");
  EXPECT_NE(test::open_error<SqliteSink>(sink(db, "v"), schema).find("\"v\" is a view"), std::string::npos);
}

TEST_F(SqliteSinkTest, UpsertNeedsAUniqueKeyOnExactlyTheKeyColumns) {
  auto schema = day_rows("d", {1}, 0).schema();
  std::string e = test::open_error<SqliteSink>(sink(db, "scores").set("mode", std::string("upsert")).set("key", StringList{"customer"}), schema);
  EXPECT_NE(e.find("needs a PRIMARY KEY or UNIQUE index on exactly (customer) in table \"scores\", which has unique keys (day, customer)"),
            std::string::npos) << e;
  EXPECT_EQ(test::open_error<SqliteSink>(sink(db, "scores").set("mode", std::string("upsert")).set("key", StringList{"customer", "day"}), schema), "");
  test::exec(db, "CREATE TABLE plain (day TEXT, customer INTEGER, score REAL)");
  e = test::open_error<SqliteSink>(sink(db, "plain").set("mode", std::string("upsert")).set("key", StringList{"customer"}), schema);
  EXPECT_NE(e.find("which has none"), std::string::npos) << e;
  test::exec(db, "CREATE UNIQUE INDEX plain_customer ON plain (customer)");
  EXPECT_EQ(test::open_error<SqliteSink>(sink(db, "plain").set("mode", std::string("upsert")).set("key", StringList{"customer"}), schema), "");
  test::exec(db, "CREATE TABLE byrowid (customer INTEGER PRIMARY KEY, day TEXT, score REAL)");
  EXPECT_EQ(test::open_error<SqliteSink>(sink(db, "byrowid").set("mode", std::string("upsert")).set("key", StringList{"customer"}), schema), "");
}

TEST_F(SqliteSinkTest, RowsThatCannotBeWrittenAreRejectedOneByOne) {
  test::exec(db, "CREATE TABLE m (day TEXT, customer INTEGER, score REAL NOT NULL, note TEXT)");
  trestle::Batch b = BatchBuilder()
                         .str("day", {"d1", std::nullopt, "d1", "d1", "d1"})
                         .i64("customer", {1, 2, 3, 4, 5})
                         .f64("score", {1.0, 2.0, std::nullopt, std::numeric_limits<double>::quiet_NaN(), INFINITY})
                         .build();
  auto rejected = run_sink(sink(db, "m").set("mode", std::string("replace_partition")).set("partition_by", StringList{"day"}), {b});
  ASSERT_EQ(rejected.size(), 3u);
  EXPECT_EQ(rejected[0], "0:1 column \"day\" is NULL, but it is a partition_by column, which needs a value");
  EXPECT_EQ(rejected[1], "0:2 column \"score\" is NULL, but table \"m\" declares it NOT NULL");
  EXPECT_EQ(rejected[2], "0:3 column \"score\" is NaN, which SQLite would store as NULL");
  EXPECT_EQ(test::rows(db, "SELECT customer, score FROM m ORDER BY customer"), (std::vector<std::string>{"1|1.0", "5|Inf"}));
}

TEST_F(SqliteSinkTest, UpsertKeyCollisionsKeepTheFirstRow) {
  Options o = sink(db, "scores").set("mode", std::string("upsert")).set("key", StringList{"day", "customer"});
  auto rejected = run_sink(o, {day_rows("d1", {1, 2, 1}, 10), day_rows("d1", {2, 3, std::nullopt}, 20)});
  ASSERT_EQ(rejected.size(), 3u);
  EXPECT_EQ(rejected[0], "0:2 key collision: key (day=\"d1\", customer=1) was already written by an earlier row of this "
                         "run; the first row is kept");
  EXPECT_EQ(rejected[1].substr(0, 45), "1:0 key collision: key (day=\"d1\", customer=2)");
  EXPECT_EQ(rejected[2], "1:2 column \"customer\" is NULL, but it is part of the key, which needs a value");
  EXPECT_EQ(table(), (std::vector<std::string>{"d1|1|10.0|x", "d1|2|11.0|x", "d1|3|21.0|x"}));
}

TEST_F(SqliteSinkTest, UpsertUpdatesInputColumnsAndIsIdempotent) {
  test::exec(db, "INSERT INTO scores VALUES ('d1', 1, 0.0, 'kept'), ('d1', 9, 9.0, 'other')");
  Options o = sink(db, "scores").set("mode", std::string("upsert")).set("key", StringList{"day", "customer"});
  EXPECT_TRUE(run_sink(o, {day_rows("d1", {1, 2}, 5)}).empty());
  const std::vector<std::string> want{"d1|1|5.0|kept", "d1|2|6.0|x", "d1|9|9.0|other"};
  EXPECT_EQ(table(), want);
  EXPECT_TRUE(run_sink(o, {day_rows("d1", {1, 2}, 5)}).empty());
  EXPECT_EQ(table(), want);
}

TEST_F(SqliteSinkTest, ReplacePartitionReplacesThePartitionsOfTheRunAndIsIdempotent) {
  Options o = sink(db, "scores").set("mode", std::string("replace_partition")).set("partition_by", StringList{"day"});
  EXPECT_TRUE(run_sink(o, {day_rows("d1", {1, 2, 3}, 0)}).empty());
  EXPECT_TRUE(run_sink(o, {day_rows("d2", {1, 2}, 10)}).empty());
  // Re-running d2 with other rows replaces d2 alone.
  EXPECT_TRUE(run_sink(o, {day_rows("d2", {4}, 40), day_rows("d2", {5}, 50)}).empty());
  const std::vector<std::string> want{"d1|1|0.0|x", "d1|2|1.0|x", "d1|3|2.0|x", "d2|4|40.0|x", "d2|5|50.0|x"};
  EXPECT_EQ(table(), want);
  EXPECT_TRUE(run_sink(o, {day_rows("d2", {4}, 40), day_rows("d2", {5}, 50)}).empty());
  EXPECT_EQ(table(), want);
}

TEST_F(SqliteSinkTest, ARunWithoutRowsChangesNothing) {
  test::exec(db, "INSERT INTO scores VALUES ('d1', 1, 0.0, 'kept')");
  trestle::Batch none = day_rows("d1", {}, 0);
  for (const char* mode : {"append", "replace_partition", "upsert"}) {
    Options o = sink(db, "scores").set("mode", std::string(mode));
    if (std::string(mode) == "replace_partition") o.set("partition_by", StringList{"day"});
    if (std::string(mode) == "upsert") o.set("key", StringList{"day", "customer"});
    EXPECT_TRUE(run_sink(o, {none}).empty());
    EXPECT_EQ(table(), std::vector<std::string>{"d1|1|0.0|kept"}) << mode;
  }
  // create: true still creates the table of a run without rows.
  std::string fresh = dir.file("fresh.db");
  run_sink(sink(fresh, "t").set("create", true), {none});
  EXPECT_EQ(test::rows(fresh, "SELECT count(*) FROM t"), std::vector<std::string>{"0"});
}

TEST_F(SqliteSinkTest, CloseWithoutPublishRollsBack) {
  test::exec(db, "INSERT INTO scores VALUES ('d1', 1, 0.0, 'kept')");
  const std::vector<std::string> before = table();
  {
    Harness<SqliteSink> h(sink(db, "scores").set("mode", std::string("replace_partition")).set("partition_by", StringList{"day"}));
    trestle::Batch b = day_rows("d1", {7, 8}, 1);
    h.open(b.schema());
    h.write(b);
    h.prepare();  // merged inside the transaction, but another sink failed: no publish
    h.close();
  }
  EXPECT_EQ(table(), before);
  // A database file this run created is removed again.
  std::string fresh = dir.file("fresh.db");
  {
    Harness<SqliteSink> h(sink(fresh, "t").set("create", true));
    trestle::Batch b = day_rows("d1", {7}, 1);
    h.open(b.schema());
    h.write(b);
    h.close();
  }
  EXPECT_FALSE(std::filesystem::exists(fresh));
}

TEST_F(SqliteSinkTest, ALockedDatabaseIsUnavailableAndTheRetriedWriteStagesOnce) {
  Harness<SqliteSink> h(sink(db, "scores").set("busy_timeout_ms", int64_t{50}));
  trestle::Batch b = day_rows("d1", {1, 2}, 0);
  h.open(b.schema());
  {
    Conn other(db);
    other.exec("BEGIN IMMEDIATE");
    other.exec("INSERT INTO scores VALUES ('d0', 1, 1.0, 'other')");
    try {
      h.write(b);
      ADD_FAILURE() << "write() did not fail while another connection held the write lock";
    } catch (const trestle::Error& e) {
      EXPECT_EQ(e.code(), TRESTLE_UNAVAILABLE) << e.what();
      EXPECT_NE(std::string(e.what()).find("database is locked"), std::string::npos) << e.what();
    }
    other.exec("COMMIT");
  }
  h.write(b);  // the host's retry
  h.commit(true);
  h.close();
  EXPECT_EQ(table(), (std::vector<std::string>{"d0|1|1.0|other", "d1|1|0.0|x", "d1|2|1.0|x"}));
}

TEST_F(SqliteSinkTest, TwoSinksOfOneFileCannotBothWriteAndSaySo) {
  // A limitation, pinned: the first sink holds the file's write lock until it publishes.
  test::exec(db, "CREATE TABLE other (day TEXT, customer INTEGER, score REAL)");
  Harness<SqliteSink> a(sink(db, "scores").set("busy_timeout_ms", int64_t{20}));
  Harness<SqliteSink> b(sink(db, "other").set("busy_timeout_ms", int64_t{20}));
  trestle::Batch rows = day_rows("d1", {1}, 0);
  a.open(rows.schema());
  b.open(rows.schema());
  a.write(rows);
  try {
    b.write(rows);
    ADD_FAILURE() << "the second sink took the lock the first one holds";
  } catch (const trestle::Error& e) {
    EXPECT_EQ(e.code(), TRESTLE_UNAVAILABLE) << e.what();
    EXPECT_NE(std::string(e.what()).find("only one sqlite_sink may write a database file"), std::string::npos) << e.what();
  }
  a.commit(true);
  a.close();
  b.close();
  EXPECT_EQ(table(), std::vector<std::string>{"d1|1|0.0|x"});
}

TEST_F(SqliteSinkTest, AConstraintFailingInTheMergeFailsTheRunAndPublishesNothing) {
  test::exec(db, "INSERT INTO scores VALUES ('d1', 1, 0.0, 'kept')");
  Harness<SqliteSink> h(sink(db, "scores"));
  trestle::Batch b = day_rows("d1", {2, 1}, 0);  // (d1, 1) exists: append violates the primary key
  h.open(b.schema());
  h.write(b);
  try {
    h.prepare();
    ADD_FAILURE() << "the final commit did not fail";
  } catch (const trestle::Error& e) {
    EXPECT_EQ(e.code(), TRESTLE_DATA_ERROR) << e.what();
    EXPECT_NE(std::string(e.what()).find("UNIQUE constraint failed: scores.day, scores.customer"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("mode append"), std::string::npos) << e.what();
  }
  h.close();
  EXPECT_EQ(table(), std::vector<std::string>{"d1|1|0.0|kept"});
}

TEST_F(SqliteSinkTest, TheTableIsRecheckedAtTheFirstWrite) {
  Harness<SqliteSink> h(sink(db, "scores"));
  trestle::Batch b = day_rows("d1", {1}, 0);
  h.open(b.schema());
  test::exec(db, "ALTER TABLE scores DROP COLUMN score");
  try {
    h.write(b);
    ADD_FAILURE() << "write() accepted a table that lost a column";
  } catch (const trestle::Error& e) {
    EXPECT_NE(std::string(e.what()).find("has no column \"score\""), std::string::npos) << e.what();
  }
  h.close();
  EXPECT_TRUE(table().empty());
}

}  // namespace
}  // namespace trestle_sqlite
