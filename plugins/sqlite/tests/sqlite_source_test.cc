#include "sqlite_source.h"

#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

#include "test_util.h"

namespace trestle_sqlite {
namespace {

using test::Conn;
using test::TempDir;
using trestle::Options;
using trestle::Type;
using trestle::testing::Harness;

Options source(const std::string& path, const std::string& query) {
  return Options().set("path", path).set("query", query);
}

class SqliteSourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db = dir.file("events.db");
    test::exec(db,
               "CREATE TABLE events (id INTEGER PRIMARY KEY, n BIGINT, amount REAL, score DOUBLE PRECISION, "
               "price DECIMAL(10,2), ok BOOLEAN, country TEXT, plan VARCHAR(20), day DATE, at TIMESTAMP, raw BLOB, "
               "anything);"
               "INSERT INTO events VALUES (1, 10, 1.5, 0.25, 9.99, 1, 'FR', 'pro', '2026-12-01', "
               "'2026-12-01T10:00:00.5Z', x'00ff', 1);"
               "INSERT INTO events VALUES (2, NULL, NULL, NULL, NULL, 0, NULL, NULL, NULL, NULL, NULL, NULL);"
               "INSERT INTO events VALUES (3, -7, -2, 1e300, 3, NULL, 'DE', 'free', '2026-12-02', "
               "'2026-12-02 23:59', NULL, 'x');");
  }
  TempDir dir;
  std::string db;
};

TEST_F(SqliteSourceTest, SchemaComesFromDeclaredTypes) {
  Harness<SqliteSource> h(source(db, "SELECT id, n, amount, score, price, ok, country, plan, day, at FROM events"));
  trestle::Schema s = h.open();
  std::vector<std::pair<std::string, Type>> want = {
      {"id", Type::Int64},   {"n", Type::Int64},   {"amount", Type::Float64},      {"score", Type::Float64},
      {"price", Type::Float64}, {"ok", Type::Bool}, {"country", Type::Utf8},       {"plan", Type::Utf8},
      {"day", Type::TimestampUs}, {"at", Type::TimestampUs}};
  ASSERT_EQ(s.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(s.field(i).name, want[i].first);
    EXPECT_EQ(s.field(i).type, want[i].second) << want[i].first << " is " << trestle::type_name(s.field(i).type);
  }
}

TEST_F(SqliteSourceTest, MinRowsFailsAQueryThatReturnsTooFewRows) {
  // A day whose rows are not loaded yet: with min_rows the run fails instead of
  // publishing empty results.
  Harness<SqliteSource> empty(source(db, "SELECT id FROM events WHERE day = ?1")
                                  .set("params", trestle::StringList{"2026-12-03"})
                                  .set("min_rows", int64_t{1}));
  empty.open();
  try {
    empty.drain();
    FAIL() << "expected a DataError";
  } catch (const trestle::Error& e) {
    EXPECT_EQ(e.code(), TRESTLE_DATA_ERROR);
    EXPECT_NE(std::string(e.what()).find("returned 0 rows, fewer than min_rows 1"), std::string::npos) << e.what();
  }
  Harness<SqliteSource> enough(source(db, "SELECT id FROM events").set("min_rows", int64_t{3}));
  enough.open();
  EXPECT_EQ(enough.drain(1).size(), 3u);
}

TEST_F(SqliteSourceTest, ReadsValuesAndNulls) {
  Harness<SqliteSource> h(source(db, "SELECT id, n, amount, ok, country, day, at FROM events ORDER BY id"));
  h.open();
  auto batches = h.drain();
  ASSERT_EQ(batches.size(), 1u);
  const trestle::Batch& b = batches[0];
  ASSERT_EQ(b.num_rows(), 3);
  EXPECT_TRUE(h.recorded().rejected_records.empty());
  EXPECT_EQ(b.column("n").i64(0), 10);
  EXPECT_TRUE(b.column("n").is_null(1));
  EXPECT_EQ(b.column("n").i64(2), -7);
  EXPECT_DOUBLE_EQ(b.column("amount").f64(0), 1.5);
  EXPECT_DOUBLE_EQ(b.column("amount").f64(2), -2.0);  // an INTEGER stored in a REAL column
  EXPECT_TRUE(b.column("ok").bool_at(0));
  EXPECT_FALSE(b.column("ok").bool_at(1));
  EXPECT_TRUE(b.column("ok").is_null(2));
  EXPECT_EQ(b.column("country").str(0), "FR");
  EXPECT_TRUE(b.column("country").is_null(1));
  // 2026-12-01T00:00:00Z = 1796083200 s.
  EXPECT_EQ(b.column("day").ts(0), 1796083200LL * 1000000);
  EXPECT_EQ(b.column("at").ts(0), (1796083200LL + 10 * 3600) * 1000000 + 500000);
  EXPECT_EQ(b.column("at").ts(2), (1796083200LL + 86400 + 23 * 3600 + 59 * 60) * 1000000);
}

TEST_F(SqliteSourceTest, AnExpressionNeedsASchemaEntry) {
  std::string e = test::open_error<SqliteSource>(source(db, "SELECT country, count(*) AS customers FROM events GROUP BY country"));
  EXPECT_NE(e.find("\"customers\""), std::string::npos) << e;
  EXPECT_NE(e.find("expression without a declared type"), std::string::npos) << e;
  EXPECT_NE(e.find("schema: {customers: [int64]}"), std::string::npos) << e;
  EXPECT_NE(e.find(db), std::string::npos) << e;

  Harness<SqliteSource> h(source(db, "SELECT country, count(*) AS customers FROM events GROUP BY country ORDER BY 1")
                              .set("schema", trestle::StringMap{{"customers", {"int64"}}}));
  EXPECT_EQ(h.open().field(1).type, Type::Int64);
  auto b = h.drain();
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(trestle::testing::ints(b[0].column("customers")), (std::vector<int64_t>{1, 1, 1}));
}

TEST_F(SqliteSourceTest, BlobAndUntypedColumnsNeedASchemaEntry) {
  std::string e = test::open_error<SqliteSource>(source(db, "SELECT raw FROM events"));
  EXPECT_NE(e.find("\"raw\" is declared BLOB"), std::string::npos) << e;
  e = test::open_error<SqliteSource>(source(db, "SELECT anything FROM events"));
  EXPECT_NE(e.find("\"anything\""), std::string::npos) << e;
  EXPECT_NE(e.find("\"schema\""), std::string::npos) << e;
}

TEST_F(SqliteSourceTest, ADroppedColumnIsNamedWithSqlitesMessage) {
  test::exec(db, "ALTER TABLE events DROP COLUMN plan");
  std::string e = test::open_error<SqliteSource>(source(db, "SELECT id, plan FROM events"));
  EXPECT_NE(e.find("no such column: plan"), std::string::npos) << e;
  EXPECT_NE(e.find(db), std::string::npos) << e;
  EXPECT_NE(e.find("\"query\""), std::string::npos) << e;
}

TEST_F(SqliteSourceTest, AMissingFileIsRefusedAndNotCreated) {
  std::string missing = dir.file("nope.db");
  auto e = trestle::testing::open_error<SqliteSource>(source(missing, "SELECT 1 AS a"));
  ASSERT_TRUE(e);
  EXPECT_EQ(e->code(), TRESTLE_INVALID_ARGUMENT);
  EXPECT_NE(std::string(e->what()).find(missing), std::string::npos) << e->what();
  EXPECT_FALSE(std::filesystem::exists(missing));
}

TEST_F(SqliteSourceTest, ANonDatabaseFileIsRefused) {
  std::string junk = dir.file("junk.db");
  { std::ofstream(junk) << "this is not a database, just some text that is long enough to have a header........"; }
  std::string e = test::open_error<SqliteSource>(source(junk, "SELECT 1 AS a"));
  EXPECT_NE(e.find("file is not a database"), std::string::npos) << e;
}

TEST_F(SqliteSourceTest, OneStatementOnly) {
  std::string e = test::open_error<SqliteSource>(source(db, "SELECT id FROM events; DELETE FROM events"));
  EXPECT_NE(e.find("more than one statement"), std::string::npos) << e;
  EXPECT_NE(e.find("DELETE FROM events"), std::string::npos) << e;
  // A trailing ';' and comments are fine.
  EXPECT_EQ(test::open_error<SqliteSource>(source(db, "SELECT id FROM events; -- all of them\n;")), "");
  e = test::open_error<SqliteSource>(source(db, "DELETE FROM events"));
  EXPECT_NE(e.find("must be a SELECT"), std::string::npos) << e;
  EXPECT_EQ(test::rows(db, "SELECT count(*) FROM events"), std::vector<std::string>{"3"});
}

TEST_F(SqliteSourceTest, ParamsAreBoundByType) {
  Harness<SqliteSource> h(source(db, "SELECT typeof(?1) AS a, typeof(?2) AS b, typeof(?3) AS c, typeof(?4) AS d, ?3 AS e")
                              .set("params", trestle::StringList{"-42", "0.5", "2026-12-01", "1e3"})
                              .set("schema", trestle::StringMap{{"a", {"utf8"}}, {"b", {"utf8"}}, {"c", {"utf8"}},
                                                                {"d", {"utf8"}}, {"e", {"utf8"}}}));
  h.open();
  auto b = h.drain();
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].column("a").str(0), "integer");
  EXPECT_EQ(b[0].column("b").str(0), "real");
  EXPECT_EQ(b[0].column("c").str(0), "text");
  EXPECT_EQ(b[0].column("d").str(0), "real");
  EXPECT_EQ(b[0].column("e").str(0), "2026-12-01");
}

TEST_F(SqliteSourceTest, ParamsAreNeverSplicedIntoTheSql) {
  Harness<SqliteSource> h(source(db, "SELECT id FROM events WHERE country = ?1")
                              .set("params", trestle::StringList{"FR' OR '1'='1"}));
  h.open();
  EXPECT_TRUE(h.drain().empty());
  Harness<SqliteSource> fr(source(db, "SELECT id FROM events WHERE country = ?1 AND day = ?2")
                               .set("params", trestle::StringList{"FR", "2026-12-01"}));
  fr.open();
  auto b = fr.drain();
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(trestle::testing::ints(b[0].column("id")), std::vector<int64_t>{1});
}

TEST_F(SqliteSourceTest, ParamCountMustMatchThePlaceholders) {
  std::string e = test::open_error<SqliteSource>(source(db, "SELECT id FROM events WHERE day = ?1 AND country = ?2")
                                                     .set("params", trestle::StringList{"2026-12-01"}));
  EXPECT_NE(e.find("\"params\" has 1 values but the query has 2 placeholders"), std::string::npos) << e;
}

TEST_F(SqliteSourceTest, SchemaOptionErrors) {
  std::string e = test::open_error<SqliteSource>(source(db, "SELECT id FROM events").set("schema", trestle::StringMap{{"idd", {"int64"}}}));
  EXPECT_NE(e.find("\"idd\", which the query does not return (it returns: id)"), std::string::npos) << e;
  e = test::open_error<SqliteSource>(source(db, "SELECT id FROM events").set("schema", trestle::StringMap{{"id", {"decimal"}}}));
  EXPECT_NE(e.find("column \"id\" has unknown type \"decimal\""), std::string::npos) << e;
  e = test::open_error<SqliteSource>(source(db, "SELECT id, n AS id FROM events"));
  EXPECT_NE(e.find("two columns named \"id\""), std::string::npos) << e;
}

TEST_F(SqliteSourceTest, AValueThatDoesNotFitRejectsOnlyItsRow) {
  test::exec(db,
             "CREATE TABLE m (id INTEGER, n INTEGER, small INTEGER, flag BOOLEAN, at DATETIME);"
             "INSERT INTO m VALUES (1, 5, 1, 1, '2026-01-01');"
             "INSERT INTO m VALUES (2, 'abc', 2, 0, '2026-01-02');"          // text in an INTEGER column
             "INSERT INTO m VALUES (3, 7, 3000000000, 1, '2026-01-03');"     // beyond int32 (schema says int32)
             "INSERT INTO m VALUES (4, 8, 4, 2, '2026-01-04');"              // 2 is not a bool
             "INSERT INTO m VALUES (5, 9, 5, 0, 'yesterday');"               // not a timestamp
             "INSERT INTO m VALUES (6, 10, 6, NULL, NULL);");
  Harness<SqliteSource> h(source(db, "SELECT * FROM m ORDER BY id").set("schema", trestle::StringMap{{"small", {"int32"}}}));
  h.open();
  auto b = h.drain(2);
  std::vector<int64_t> ids;
  for (const auto& x : b) {
    for (auto v : trestle::testing::ints(x.column("id"))) ids.push_back(v);
  }
  EXPECT_EQ(ids, (std::vector<int64_t>{1, 6}));
  const auto& rej = h.recorded().rejected_records;
  ASSERT_EQ(rej.size(), 4u);
  EXPECT_EQ(rej[0].location, db + " query row 2");
  EXPECT_NE(rej[0].reason.find("column \"n\": the text \"abc\" is not an int64"), std::string::npos) << rej[0].reason;
  EXPECT_NE(rej[0].record.find("\"n\":\"abc\""), std::string::npos) << rej[0].record;
  EXPECT_EQ(rej[1].location, db + " query row 3");
  EXPECT_NE(rej[1].reason.find("column \"small\": the integer 3000000000 is out of the int32 range"), std::string::npos)
      << rej[1].reason;
  EXPECT_NE(rej[2].reason.find("column \"flag\": the integer 2 is not a bool"), std::string::npos) << rej[2].reason;
  EXPECT_NE(rej[3].reason.find("column \"at\": the text \"yesterday\" is not an ISO-8601 timestamp"), std::string::npos)
      << rej[3].reason;
}

TEST_F(SqliteSourceTest, RealsInMessagesAndDeadLettersAreShortestExactText) {
  test::exec(db,
             "CREATE TABLE r (id INTEGER, n INTEGER, x REAL);"
             "INSERT INTO r VALUES (1, 0.1, 1e300);"
             "INSERT INTO r VALUES (2, 0.30000000000000004, 5e-324);");
  Harness<SqliteSource> h(source(db, "SELECT * FROM r ORDER BY id"));
  h.open();
  h.drain(10);
  const auto& rej = h.recorded().rejected_records;
  ASSERT_EQ(rej.size(), 2u);
  // The shortest text that reads back to the same double, not 17 digits.
  EXPECT_NE(rej[0].reason.find("column \"n\": the real 0.1 is not an int64"), std::string::npos) << rej[0].reason;
  EXPECT_NE(rej[0].record.find("\"n\":0.1,\"x\":1e+300}"), std::string::npos) << rej[0].record;
  EXPECT_NE(rej[1].reason.find("the real 0.30000000000000004 is not"), std::string::npos) << rej[1].reason;
  EXPECT_NE(rej[1].record.find("\"x\":5e-324}"), std::string::npos) << rej[1].record;
}

TEST_F(SqliteSourceTest, BatchesHoldAtMostMaxRows) {
  Conn c(db);
  c.exec("CREATE TABLE seq (i INTEGER)");
  c.exec("WITH RECURSIVE r(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM r WHERE i < 2499) INSERT INTO seq SELECT i FROM r");
  Harness<SqliteSource> h(source(db, "SELECT i FROM seq ORDER BY i"));
  h.open();
  auto b = h.drain(1000);
  ASSERT_EQ(b.size(), 3u);
  EXPECT_EQ(b[0].num_rows(), 1000);
  EXPECT_EQ(b[1].num_rows(), 1000);
  EXPECT_EQ(b[2].num_rows(), 500);
  EXPECT_EQ(b[2].column("i").i64(499), 2499);
  EXPECT_FALSE(h.next());  // stays at end of stream
}

TEST_F(SqliteSourceTest, ALockedDatabaseIsUnavailableAndTheRetryReadsEverything) {
  Harness<SqliteSource> h(source(db, "SELECT id FROM events ORDER BY id").set("busy_timeout_ms", int64_t{50}));
  h.open();
  Conn writer(db);
  writer.exec("BEGIN EXCLUSIVE");
  try {
    h.next();
    ADD_FAILURE() << "next() did not fail while another connection held an exclusive lock";
  } catch (const trestle::Error& e) {
    EXPECT_EQ(e.code(), TRESTLE_UNAVAILABLE) << e.what();
    EXPECT_NE(std::string(e.what()).find("database is locked"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(db), std::string::npos) << e.what();
  }
  writer.exec("COMMIT");
  auto b = h.drain();
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(trestle::testing::ints(b[0].column("id")), (std::vector<int64_t>{1, 2, 3}));
}

TEST_F(SqliteSourceTest, CancellationEndsALongQuery) {
  // An endless recursive query: only the interrupt ends it.
  Harness<SqliteSource> h(source(db, "WITH RECURSIVE r(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM r) "
                                     "SELECT i FROM r WHERE i < 0")
                              .set("schema", trestle::StringMap{{"i", {"int64"}}}));
  h.open();
  h.recorded().cancel = true;
  EXPECT_FALSE(h.next());
}

TEST_F(SqliteSourceTest, TheFileIsOpenedReadOnly) {
  // A writer committing while the source has its statement prepared is not blocked, and
  // the source never writes: the query cannot be a write even inside a CTE.
  std::string e = test::open_error<SqliteSource>(
      source(db, "WITH x AS (SELECT 1) INSERT INTO events (id) SELECT 99 FROM x"));
  EXPECT_NE(e.find("must be a SELECT"), std::string::npos) << e;
  Harness<SqliteSource> h(source(db, "SELECT id FROM events"));
  h.open();
  test::exec(db, "INSERT INTO events (id) VALUES (4)");
  EXPECT_EQ(h.drain()[0].num_rows(), 4);
}

}  // namespace
}  // namespace trestle_sqlite
