// postgres_source against a real server, through the SDK's harness: type mapping,
// bound parameters, per-row rejects, validate-time errors for dropped and retyped
// columns, statement deadlines, and resuming after a lost connection.
#include <stdlib.h>

#include <cmath>
#include <limits>
#include <set>

#include "pg_fixture.h"
#include "postgres_source.h"

namespace trestle_pg::testing {
namespace {

using trestle::Options;
using trestle::StringList;
using trestle::StringMap;
using Source = trestle::testing::Harness<PostgresSource>;

class SourceTest : public PgTest {
 protected:
  Options Opts(const std::string& query) {
    return Options().set("conninfo", conninfo()).set("query", query).set("connect_deadline_s", 5.0);
  }
  static std::string OpenError(const Options& o) {
    auto e = trestle::testing::open_error<PostgresSource>(o);
    return e ? e->what() : "no error";
  }
};

TEST_F(SourceTest, MapsResultTypesAndReadsThroughACursorInBatches) {
  const std::string t = TableName();
  Sql("CREATE TABLE " + t +
      " (id int8, b bool, s2 int2, i4 int4, f4 real, f8 float8, n numeric, txt text, vc varchar(5), ch char(3), "
      "nm name, ts timestamp, tz timestamptz, d date);"
      "INSERT INTO " + t + " VALUES (1, true, 2, 3, 1.5, 0.1, 12.25, 'tab\there', 'v', 'c', 'nm', "
      "'2026-12-01 10:11:12.5', '2026-12-01 10:11:12+02', '2026-12-01'),"
      "(2, NULL, NULL, NULL, 'NaN', '-Infinity', 'NaN', NULL, NULL, NULL, NULL, NULL, NULL, NULL), (3, false, -2, -3, "
      "0, 0, 0, '', '', '', '', '0001-01-01', '9999-12-31 23:59:59.999999+00', '1999-01-31')");
  Source src(Opts("SELECT * FROM " + t + " ORDER BY id").set("fetch_rows", int64_t{2}));
  trestle::Schema s = src.open();
  std::string types;
  for (const auto& f : s.fields()) types += f.name + ":" + trestle::type_name(f.type) + " ";
  EXPECT_EQ(types,
            "id:int64 b:bool s2:int32 i4:int32 f4:float32 f8:float64 n:float64 txt:utf8 vc:utf8 ch:utf8 nm:utf8 "
            "ts:timestamp[us] tz:timestamp[us] d:utf8 ");
  auto batches = src.drain(1000);
  ASSERT_EQ(batches.size(), 2u);  // fetch_rows 2 wins over the engine's 1000
  EXPECT_EQ(batches[0].num_rows(), 2);
  const auto& b = batches[0];
  EXPECT_EQ(b.column("id").i64(0), 1);
  EXPECT_TRUE(b.column("b").bool_at(0));
  EXPECT_EQ(b.column("s2").i32(0), 2);
  EXPECT_FLOAT_EQ(b.column("f4").f32(0), 1.5f);
  EXPECT_DOUBLE_EQ(b.column("f8").f64(0), 0.1);
  EXPECT_DOUBLE_EQ(b.column("n").f64(0), 12.25);
  EXPECT_EQ(b.column("txt").str(0), "tab\there");
  EXPECT_EQ(b.column("ch").str(0), "c  ");
  EXPECT_EQ(b.column("ts").ts(0), 1'796'119'872'500'000);  // 2026-12-01 10:11:12.5 UTC
  EXPECT_EQ(b.column("tz").ts(0), 1'796'112'672'000'000);  // 08:11:12 UTC
  EXPECT_EQ(b.column("d").str(0), "2026-12-01");
  EXPECT_TRUE(b.column("b").is_null(1));
  EXPECT_TRUE(std::isnan(b.column("f4").f32(1)));
  EXPECT_EQ(b.column("f8").f64(1), -std::numeric_limits<double>::infinity());
  EXPECT_TRUE(b.column("txt").is_null(1));
  const auto& c = batches[1];
  EXPECT_EQ(c.column("ts").ts(0), -62'135'596'800'000'000);
  EXPECT_EQ(c.column("tz").ts(0), 253'402'300'799'999'999);
  EXPECT_EQ(c.column("d").str(0), "1999-01-31");
  EXPECT_TRUE(src.recorded().rejected_records.empty());
  src.close();
}

TEST_F(SourceTest, ParametersAreBoundNeverSpliced) {
  const std::string t = TableName();
  Sql("CREATE TABLE " + t + " (day date, v int); INSERT INTO " + t +
      " VALUES ('2026-12-01', 1), ('2026-12-02', 2), ('2026-12-01', 3)");
  Source src(Opts("SELECT v, $2::text AS echo FROM " + t + " WHERE day = $1 ORDER BY v")
                 .set("params", StringList{"2026-12-01", "x'); DROP TABLE " + t + "; --"}));
  src.open();
  auto batches = src.drain();
  ASSERT_EQ(batches.size(), 1u);
  EXPECT_EQ(trestle::testing::ints(batches[0].column("v")), (std::vector<int64_t>{1, 3}));
  EXPECT_EQ(batches[0].column("echo").str(0), "x'); DROP TABLE " + t + "; --");
  EXPECT_EQ(Sql("SELECT count(*) FROM " + t), "3");
  std::string m = OpenError(Opts("SELECT v FROM " + t + " WHERE day = $1"));
  EXPECT_NE(m.find("has 1 parameter ($1..$N) but option \"params\" gives 0"), std::string::npos) << m;
}

TEST_F(SourceTest, MinRowsFailsAQueryThatReturnsTooFewRows) {
  const std::string t = TableName();
  Sql("CREATE TABLE " + t + " (day date, v int); INSERT INTO " + t + " VALUES ('2026-12-01', 1)");
  Source empty(Opts("SELECT v FROM " + t + " WHERE day = $1").set("params", StringList{"2026-12-02"}).set("min_rows", int64_t{1}));
  empty.open();
  try {
    empty.drain();
    FAIL() << "expected a DataError";
  } catch (const trestle::Error& e) {
    EXPECT_EQ(e.code(), TRESTLE_DATA_ERROR);
    EXPECT_NE(std::string(e.what()).find("returned 0 rows, fewer than min_rows 1"), std::string::npos) << e.what();
  }
  Source enough(Opts("SELECT v FROM " + t + " WHERE day = $1").set("params", StringList{"2026-12-01"}).set("min_rows", int64_t{1}));
  enough.open();
  EXPECT_EQ(enough.drain().size(), 1u);
}

TEST_F(SourceTest, AnUnmappedTypeIsAnErrorThatSaysHowToCastIt) {
  std::string m = OpenError(Opts("SELECT gen_random_uuid() AS token, 1 AS n"));
  EXPECT_NE(m.find("column \"token\" of option \"query\" has type uuid"), std::string::npos) << m;
  EXPECT_NE(m.find("token::text"), std::string::npos) << m;
  // Declared as utf8, the same column reads as its text.
  Source src(Opts("SELECT '6f1c0c2e-9e1a-4b7e-8f43-2b8d1c7d9a10'::uuid AS token").set("schema", StringMap{{"token", {"utf8"}}}));
  src.open();
  EXPECT_EQ(src.drain()[0].column("token").str(0), "6f1c0c2e-9e1a-4b7e-8f43-2b8d1c7d9a10");
}

TEST_F(SourceTest, ADroppedColumnIsAValidateErrorNamingIt) {
  const std::string t = TableName();
  Sql("CREATE TABLE " + t + " (customer bigint, churn_score float8)");
  const Options o = Opts("SELECT customer, churn_score FROM " + t);
  EXPECT_EQ(OpenError(o), "no error");
  Sql("ALTER TABLE " + t + " DROP COLUMN churn_score");
  std::string m = OpenError(o);
  EXPECT_NE(m.find("column \"churn_score\" does not exist"), std::string::npos) << m;
  EXPECT_NE(m.find("SQLSTATE 42703"), std::string::npos) << m;
  EXPECT_NE(m.find("127.0.0.1:" + std::to_string(server().port())), std::string::npos) << m;
}

TEST_F(SourceTest, ATypeChangeIsAClearError) {
  const std::string t = TableName();
  Sql("CREATE TABLE " + t + " (customer bigint, attrs text)");
  const Options o = Opts("SELECT customer, attrs FROM " + t);
  EXPECT_EQ(OpenError(o), "no error");
  Sql("ALTER TABLE " + t + " ALTER COLUMN attrs TYPE jsonb USING attrs::jsonb");
  std::string m = OpenError(o);
  EXPECT_NE(m.find("column \"attrs\" of option \"query\" has type jsonb"), std::string::npos) << m;
}

TEST_F(SourceTest, AValueThatDoesNotConvertRejectsItsRowNotTheBatch) {
  Source src(Opts("SELECT big, n FROM (VALUES (1, 1, 1::numeric), (2, 5000000000, 2), (3, 3, '1e400'::numeric), "
                  "(4, 4, 4)) AS v(k, big, n) ORDER BY k")
                 .set("schema", StringMap{{"big", {"int32"}}}));
  src.open();
  auto batches = src.drain();
  ASSERT_EQ(batches.size(), 1u);
  EXPECT_EQ(trestle::testing::ints(batches[0].column("big")), (std::vector<int64_t>{1, 4}));
  const auto& rej = src.recorded().rejected_records;
  ASSERT_EQ(rej.size(), 2u);
  EXPECT_EQ(rej[0].location, "postgres query row 2");
  EXPECT_NE(rej[0].reason.find("column \"big\": \"5000000000\" is outside the range of int32"), std::string::npos)
      << rej[0].reason;
  EXPECT_NE(rej[0].record.find("big=5000000000"), std::string::npos) << rej[0].record;
  EXPECT_EQ(rej[1].location, "postgres query row 3");
  EXPECT_NE(rej[1].reason.find("column \"n\""), std::string::npos) << rej[1].reason;
}

TEST_F(SourceTest, ASlowQueryPassesItsDeadlineAndIsCancelledEachAttempt) {
  Source src(Opts("SELECT 1 AS z FROM pg_sleep(20)").set("statement_timeout_ms", int64_t{300}));
  src.open();
  for (int attempt = 0; attempt < 2; ++attempt) {
    try {
      src.next();
      FAIL() << "pg_sleep(20) finished within 300 ms";
    } catch (const trestle::Error& e) {
      EXPECT_EQ(e.code(), TRESTLE_DEADLINE_EXCEEDED) << e.what();
      EXPECT_NE(std::string(e.what()).find("deadline of 300 ms (option statement_timeout_ms)"), std::string::npos)
          << e.what();
    }
  }
  EXPECT_EQ(Sql("SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(20)%' AND state = 'active' AND "
                "pid <> pg_backend_pid()"),
            "0");
  src.close();
}

TEST_F(SourceTest, AfterALostConnectionTheRetryResumesWithoutRepeatingRows) {
  const std::string t = TableName();
  Sql("CREATE TABLE " + t + " AS SELECT g AS id FROM generate_series(1, 10) g");
  Source src(Opts("SELECT id FROM " + t + " ORDER BY id").set("fetch_rows", int64_t{3}).set("connect_deadline_s", 30.0));
  src.open();
  std::vector<int64_t> seen;
  auto take = [&](const trestle::Batch& b) {
    for (int64_t v : trestle::testing::ints(b.column("id"))) seen.push_back(v);
  };
  take(*src.next());
  std::string err;
  ASSERT_TRUE(server().Stop(&err)) << err;
  ASSERT_TRUE(server().Start(&err)) << err;
  try {
    src.next();
    FAIL() << "read on a connection the server ended";
  } catch (const trestle::Error& e) {
    EXPECT_EQ(e.code(), TRESTLE_UNAVAILABLE) << e.what();
  }
  while (auto b = src.next()) take(*b);  // the engine's retry, then the rest
  EXPECT_EQ(seen, (std::vector<int64_t>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}));
  src.close();
}

TEST_F(SourceTest, OfflineItDoesNotConnectAndNeedsEveryColumnDeclared) {
  setenv("TRESTLE_OFFLINE", "1", 1);
  Options o = Options().set("conninfo", std::string("host=127.0.0.1 port=1 dbname=x")).set("query", std::string("SELECT 1"));
  std::string m = OpenError(o);
  EXPECT_NE(m.find("declare every result column in option \"schema\""), std::string::npos) << m;
  Source src(Options(o).set("schema", StringMap{{"score", {"float64"}}, {"customer", {"int64"}}}));
  trestle::Schema s = src.open();
  unsetenv("TRESTLE_OFFLINE");
  EXPECT_EQ(s.names_list(), "customer, score");
  EXPECT_EQ(s.field(1).type, trestle::Type::Float64);
}

}  // namespace
}  // namespace trestle_pg::testing
