// postgres_sink against a real server, through the SDK's harness (the same C trampolines
// the runtime calls): the three modes, two-phase publishing and rollback, per-row
// rejects, validate-time checks, the advisory lock, and a server restarted mid-COPY.
#include <libpq-fe.h>

#include <limits>
#include <memory>

#include "pg_fixture.h"
#include "postgres_sink.h"

namespace trestle_pg::testing {
namespace {

using trestle::Options;
using trestle::StringList;
using trestle::testing::BatchBuilder;
using Sink = trestle::testing::Harness<PostgresSink>;

class SinkTest : public PgTest {
 protected:
  Options Opts(const std::string& table, const std::string& mode = "append") {
    return Options()
        .set("conninfo", conninfo())
        .set("table", table)
        .set("mode", mode)
        .set("connect_deadline_s", 5.0);
  }
  /// A second session of the test itself (e.g. holding a lock).
  std::unique_ptr<PGconn, decltype(&PQfinish)> OtherSession() {
    return {PQconnectdb(conninfo().c_str()), &PQfinish};
  }
  static std::vector<std::string> Reasons(Sink& s) {
    std::vector<std::string> r;
    for (const auto& x : s.recorded().rejections) r.push_back(std::to_string(x.row) + ": " + x.reason);
    return r;
  }
};

TEST_F(SinkTest, AppendWritesEveryTypeAndIsVisibleOnlyAfterPublish) {
  const std::string t = TableName();
  Sql("CREATE TABLE " + t +
      " (b boolean, i integer, l bigint, f real, d double precision, s text, ts timestamptz, tsl timestamp, day date, "
      "n numeric, id serial)");
  Sink sink(Opts(t));
  auto batch = BatchBuilder()
                   .boolean("b", {true, std::nullopt})
                   .i32("i", {-7, 2})
                   .i64("l", {int64_t{1} << 40, std::nullopt})
                   .f32("f", {1.5f, -0.25f})
                   .f64("d", {0.1, std::numeric_limits<double>::quiet_NaN()})
                   .str("s", {"tab\there, new\nline, back\\slash, \"quote\", é", std::nullopt})
                   .ts("ts", {1'764'547'200'123'456, 0})
                   .ts("tsl", {1'764'547'200'000'000, std::nullopt})
                   .str("day", {"2026-12-01", std::nullopt})
                   .f64("n", {12.25, std::numeric_limits<double>::infinity()})
                   .build();
  sink.open(batch.schema());
  sink.write(batch);
  EXPECT_TRUE(sink.recorded().rejections.empty()) << ::testing::PrintToString(Reasons(sink));
  sink.prepare();
  EXPECT_EQ(Sql("SELECT count(*) FROM " + t), "0") << "visible before publish";
  sink.publish();
  sink.close();
  EXPECT_EQ(Sql("SELECT b, i, l, f, d, s, ts, tsl, day, n FROM " + t + " ORDER BY id"),
            "t|-7|1099511627776|1.5|0.1|tab\there, new\nline, back\\slash, \"quote\", é|2025-12-01 "
            "00:00:00.123456+00|2025-12-01 00:00:00|2026-12-01|12.25\n"
            "NULL|2|NULL|-0.25|NaN|NULL|1970-01-01 00:00:00+00|NULL|NULL|Infinity");
}

TEST_F(SinkTest, AnAbortedLoadLeavesTheTableAsItWasAndReleasesTheLock) {
  const std::string t = TableName();
  Sql("CREATE TABLE " + t + " (id bigint, day text); INSERT INTO " + t + " VALUES (1, 'old')");
  {
    Sink sink(Opts(t, "replace_partition").set("partition_by", StringList{"day"}));
    auto b = BatchBuilder().i64("id", {5, 6}).str("day", {"old", "old"}).build();
    sink.open(b.schema());
    sink.write(b);
    sink.prepare();  // merged inside the transaction: the old row is deleted there
    EXPECT_EQ(Sql("SELECT id FROM " + t), "1");
    sink.close();  // no publish: the run failed elsewhere
  }
  EXPECT_EQ(Sql("SELECT id, day FROM " + t), "1|old");
  EXPECT_EQ(Sql("SELECT pg_try_advisory_lock(hashtext('" + t + "'))"), "t") << "the lock outlived the load";
}

TEST_F(SinkTest, ReplacePartitionReplacesThatDateOnlyAndAReRunIsIdempotent) {
  const std::string t = TableName();
  Sql("CREATE TABLE " + t + " (day date, segment text, customers bigint);"
      "INSERT INTO " + t + " VALUES ('2026-12-01', 'a', 1), ('2026-12-01', 'z', 9), ('2026-12-02', 'a', 2)");
  auto run = [&] {
    Sink sink(Opts(t, "replace_partition").set("partition_by", StringList{"day"}));
    auto b = BatchBuilder().str("day", {"2026-12-01", "2026-12-01"}).str("segment", {"a", "b"}).i64("customers", {10, 20}).build();
    sink.open(b.schema());
    sink.write(b);
    sink.commit();
    sink.close();
  };
  run();
  const std::string want = "2026-12-01|a|10\n2026-12-01|b|20\n2026-12-02|a|2";
  EXPECT_EQ(Sql("SELECT day, segment, customers FROM " + t + " ORDER BY day, segment"), want);
  run();
  EXPECT_EQ(Sql("SELECT day, segment, customers FROM " + t + " ORDER BY day, segment"), want);
}

TEST_F(SinkTest, UpsertUpdatesAndInsertsAndRejectsCollisionsAndNullKeys) {
  const std::string t = TableName();
  Sql("CREATE TABLE " + t + " (id bigint PRIMARY KEY, score double precision, note text);"
      "INSERT INTO " + t + " VALUES (1, 0.5, 'kept note'), (9, 0.9, 'untouched')");
  Sink sink(Opts(t, "upsert").set("key", StringList{"id"}));
  auto b1 = BatchBuilder().i64("id", {1, 2, 2, std::nullopt}).f64("score", {0.75, 0.1, 0.2, 0.3}).build();
  sink.open(b1.schema());
  sink.write(b1);
  auto r = Reasons(sink);
  ASSERT_EQ(r.size(), 2u) << ::testing::PrintToString(r);
  EXPECT_NE(r[0].find("2: key (id=2) was already staged by this run"), std::string::npos) << r[0];
  EXPECT_NE(r[1].find("3: null in key column \"id\""), std::string::npos) << r[1];
  // A later batch colliding with an earlier one is rejected too.
  auto b2 = BatchBuilder().i64("id", {2, 3}).f64("score", {0.4, 0.6}).build();
  sink.write(b2);
  ASSERT_EQ(sink.recorded().rejections.size(), 1u);
  EXPECT_EQ(sink.recorded().rejections[0].row, 0);
  sink.commit();
  sink.close();
  EXPECT_EQ(Sql("SELECT id, score, note FROM " + t + " ORDER BY id"),
            "1|0.75|kept note\n2|0.1|NULL\n3|0.6|NULL\n9|0.9|untouched");
}

TEST_F(SinkTest, ValuesTheColumnCannotHoldAreRejectedRowByRowAndTheRestLoads) {
  const std::string t = TableName();
  Sql("CREATE TABLE " + t +
      " (i4 integer, i2 smallint, r real, n numeric(5,2), v varchar(3), c char(2), s text, req text NOT NULL, dt date)");
  Sink sink(Opts(t));
  const double inf = std::numeric_limits<double>::infinity();
  auto b = BatchBuilder()
               .i64("i4", {1, int64_t{1} << 33, 1, 1, 1, 1, 1, 1, 1})
               .i32("i2", {1, 1, 40000, 1, 1, 1, 1, 1, 1})
               .f64("r", {1.0, 1.0, 1.0, 1e300, 1.0, 1.0, 1.0, 1.0, 1.0})
               .f64("n", {999.99, 1.0, 1.0, 1.0, 1000.0, inf, 1.0, 1.0, 1.0})
               .str("v", {"abc", "a", "a", "a", "a", "a", "abcd", "a", "a"})
               .str("c", {"ab  ", "a", "a", "a", "a", "a", "a", "abc", "a"})
               .str("s", {"ok", "ok", "ok", "ok", "ok", "ok", "ok", "ok", std::string("nul\0byte", 8)})
               .str("req", {"x", "x", "x", "x", "x", "x", "x", "x", std::nullopt})
               .str("dt", {"2026-02-28", "2026-02-28", "2026-02-28", "2026-02-28", "2026-02-28", "2026-02-28",
                           "2026-02-28", "2026-02-28", "2026-02-30"})
               .build();
  sink.open(b.schema());
  sink.write(b);
  auto r = Reasons(sink);
  ASSERT_EQ(r.size(), 8u) << ::testing::PrintToString(r);
  EXPECT_NE(r[0].find("1: value 8589934592 of column \"i4\" is out of the range of its type integer"), std::string::npos) << r[0];
  EXPECT_NE(r[1].find("2: value 40000 of column \"i2\" is out of the range of its type smallint"), std::string::npos) << r[1];
  EXPECT_NE(r[2].find("3: value 1e+300 of column \"r\" is out of the range of its type real"), std::string::npos) << r[2];
  EXPECT_NE(r[3].find("4: value 1000 does not fit column \"n\" of type numeric(5,2)"), std::string::npos) << r[3];
  EXPECT_NE(r[4].find("5: column \"n\" is numeric(5,2), which cannot hold Infinity"), std::string::npos) << r[4];
  EXPECT_NE(r[5].find("6: value of column \"v\" is 4 characters, longer than its type character varying(3)"), std::string::npos) << r[5];
  EXPECT_NE(r[6].find("7: value of column \"c\" is 3 characters"), std::string::npos) << r[6];
  EXPECT_NE(r[7].find("8: column \"s\" holds a NUL byte"), std::string::npos) << r[7];
  sink.commit();
  sink.close();
  EXPECT_EQ(Sql("SELECT i4, i2, r, n, v, c, s, req, dt FROM " + t), "1|1|1|999.99|abc|ab|ok|x|2026-02-28");

  Sink sink2(Opts(t));
  auto b2 = BatchBuilder()
                .i64("i4", {1, 1, 1}).i32("i2", {1, 1, 1}).f64("r", {1, 1, 1}).f64("n", {1, 1, 1})
                .str("v", {"a", "a", "a"}).str("c", {"a", "a", "a"}).str("s", {"ok", "ok", "bad \xff utf8"})
                .str("req", {std::nullopt, "x", "x"}).str("dt", {"2026-02-28", "2026-02-30", "2026-02-28"})
                .build();
  sink2.open(b2.schema());
  sink2.write(b2);
  r = Reasons(sink2);
  ASSERT_EQ(r.size(), 3u) << ::testing::PrintToString(r);
  EXPECT_NE(r[0].find("0: null in column \"req\", which is NOT NULL in table " + t), std::string::npos) << r[0];
  EXPECT_NE(r[1].find("1: column \"dt\" is a date in table " + t + " but \"2026-02-30\" is not a YYYY-MM-DD date"),
            std::string::npos) << r[1];
  EXPECT_NE(r[2].find("2: column \"s\" is not valid UTF-8"), std::string::npos) << r[2];
  sink2.close();
}

TEST_F(SinkTest, OpenChecksTheTableAndChangesNothing) {
  const std::string t = TableName();
  auto err = [&](Options o, const trestle::Schema& in) {
    auto e = trestle::testing::open_error<PostgresSink>(o, in);
    return e ? std::string(e->what()) : std::string("no error");
  };
  auto in = BatchBuilder().i64("id", {1}).str("name", {"a"}).build().schema();
  EXPECT_NE(err(Opts(t), in).find("table " + t + " does not exist"), std::string::npos) << err(Opts(t), in);
  EXPECT_EQ(err(Opts(t).set("create", true), in), "no error");
  EXPECT_EQ(Sql("SELECT count(*) FROM pg_class WHERE relname = '" + t + "'"), "0") << "open() created the table";

  Sql("CREATE TABLE " + t + " (id integer, other text, must text NOT NULL)");
  std::string m = err(Opts(t), in);
  EXPECT_NE(m.find("column \"name\" of the input is not in table " + t), std::string::npos) << m;
  // Every mismatch in one message, not one per run.
  EXPECT_NE(m.find("column \"must\" of table " + t + " is NOT NULL without a default"), std::string::npos) << m;
  Sql("ALTER TABLE " + t + " ADD COLUMN name jsonb");
  m = err(Opts(t), in);
  EXPECT_NE(m.find("column \"name\" is utf8 in the input but jsonb in table " + t), std::string::npos) << m;
  Sql("ALTER TABLE " + t + " ALTER COLUMN name TYPE text");
  m = err(Opts(t), in);
  EXPECT_NE(m.find("column \"must\" of table " + t + " is NOT NULL without a default"), std::string::npos) << m;
  Sql("ALTER TABLE " + t + " ALTER COLUMN must SET DEFAULT 'd'");
  EXPECT_EQ(err(Opts(t), in), "no error");
  m = err(Opts(t, "upsert").set("key", StringList{"id"}), in);
  EXPECT_NE(m.find("mode upsert needs a primary key or unique index on exactly (id)"), std::string::npos) << m;
  Sql("CREATE UNIQUE INDEX ON " + t + " (id)");
  EXPECT_EQ(err(Opts(t, "upsert").set("key", StringList{"id"}), in), "no error");
  m = err(Opts(t, "upsert").set("key", StringList{"nope"}), in);
  EXPECT_NE(m.find("option \"key\" names column \"nope\""), std::string::npos) << m;
  EXPECT_NE(err(Opts(t, "upsert"), in).find("mode upsert needs option \"key\""), std::string::npos);
}

TEST_F(SinkTest, CreateMakesTheTableInsideTheLoadTransaction) {
  const std::string t = TableName();
  auto b = BatchBuilder().i64("id", {1, 2}).f64("score", {0.5, 0.25}).str("seg", {"a", "b"}).build();
  {
    Sink sink(Opts(t, "upsert").set("key", StringList{"id"}).set("create", true));
    sink.open(b.schema());
    sink.write(b);
    sink.prepare();
    sink.close();
  }
  EXPECT_EQ(Sql("SELECT count(*) FROM pg_class WHERE relname = '" + t + "'"), "0") << "an aborted load created the table";
  Sink sink(Opts(t, "upsert").set("key", StringList{"id"}).set("create", true));
  sink.open(b.schema());
  sink.write(b);
  sink.commit();
  sink.close();
  EXPECT_EQ(Sql("SELECT id, score, seg FROM " + t + " ORDER BY id"), "1|0.5|a\n2|0.25|b");
  EXPECT_EQ(Sql("SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = '" + t +
                "'::regclass AND attnum > 0 ORDER BY attnum"),
            "bigint\ndouble precision\ntext");
  EXPECT_EQ(Sql("SELECT count(*) FROM pg_index WHERE indrelid = '" + t + "'::regclass AND indisprimary"), "1");
}

TEST_F(SinkTest, QuotedNamesAreQuotedProperly) {
  Sql("CREATE SCHEMA \"Odd Schema\"; CREATE TABLE \"Odd Schema\".\"Mixed\"\"Name\" (\"we\"\"ird col\" text, \"ID\" int)");
  Sink sink(Opts("\"Odd Schema\".\"Mixed\"\"Name\""));
  auto b = BatchBuilder().str("we\"ird col", {"x"}).i32("ID", {3}).build();
  sink.open(b.schema());
  sink.write(b);
  sink.commit();
  sink.close();
  EXPECT_EQ(Sql("SELECT * FROM \"Odd Schema\".\"Mixed\"\"Name\""), "x|3");
}

TEST_F(SinkTest, AnotherSessionHoldingTheLockStopsTheLoadWithTheKeyNamed) {
  const std::string t = TableName();
  Sql("CREATE TABLE " + t + " (id bigint)");
  auto other = OtherSession();
  PQclear(PQexec(other.get(), "SELECT pg_advisory_lock(hashtext('nightly-2026-12-01'))"));
  Sink sink(Opts(t).set("lock_key", std::string("nightly-2026-12-01")));
  auto b = BatchBuilder().i64("id", {1}).build();
  sink.open(b.schema());
  try {
    sink.write(b);
    FAIL() << "loaded while another session held the lock";
  } catch (const trestle::Error& e) {
    EXPECT_EQ(e.code(), TRESTLE_UNAVAILABLE);
    EXPECT_NE(std::string(e.what()).find("lock_key \"nightly-2026-12-01\" is held by another session"), std::string::npos)
        << e.what();
  }
  // Released elsewhere: the retried call goes through.
  PQclear(PQexec(other.get(), "SELECT pg_advisory_unlock_all()"));
  sink.write(b);
  sink.commit();
  sink.close();
  EXPECT_EQ(Sql("SELECT count(*) FROM " + t), "1");
}

TEST_F(SinkTest, RefusedConnectionAtOpenNamesHostAndPortAndWritesNothing) {
  const int port = trestle::dbtest::FreePort();
  Options o = Opts("t").set("conninfo", "host=127.0.0.1 port=" + std::to_string(port) + " user=postgres dbname=postgres")
                  .set("connect_deadline_s", 0.5);
  auto e = trestle::testing::open_error<PostgresSink>(o, BatchBuilder().i64("id", {1}).build().schema());
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->code(), TRESTLE_UNAVAILABLE);
  EXPECT_NE(std::string(e->what()).find("127.0.0.1:" + std::to_string(port)), std::string::npos) << e->what();
  EXPECT_NE(std::string(e->what()).find("Connection refused"), std::string::npos) << e->what();
}

// The server restarts between two batches: the next write fails with UNAVAILABLE, and
// its retry (what the engine does) reconnects and replays the staging from the start.
TEST_F(SinkTest, AServerRestartMidCopyIsSurvivedByReplayingTheStaging) {
  const std::string t = TableName();
  Sql("CREATE TABLE " + t + " (id bigint, day text); INSERT INTO " + t + " VALUES (0, '2026-12-01'), (100, '2026-12-02')");
  Sink sink(Opts(t, "replace_partition").set("partition_by", StringList{"day"}).set("connect_deadline_s", 30.0));
  auto batch = [](int64_t from) {
    std::vector<std::optional<int64_t>> ids;
    std::vector<std::optional<std::string>> days;
    for (int64_t i = from; i < from + 1000; ++i) ids.push_back(i), days.push_back("2026-12-01");
    return BatchBuilder().i64("id", ids).str("day", days).build();
  };
  sink.open(batch(1).schema());
  sink.write(batch(1));
  std::string err;
  ASSERT_TRUE(server().Stop(&err)) << err;
  ASSERT_TRUE(server().Start(&err)) << err;
  try {
    sink.write(batch(1001));
    FAIL() << "a write on a connection the server ended succeeded";
  } catch (const trestle::Error& e) {
    EXPECT_EQ(e.code(), TRESTLE_UNAVAILABLE) << e.what();
    EXPECT_NE(std::string(e.what()).find("connection lost"), std::string::npos) << e.what();
  }
  sink.write(batch(1001));  // the engine's retry
  sink.write(batch(2001));
  // And once more between the last write and the commit.
  server().Kill();
  ASSERT_TRUE(server().Start(&err)) << err;
  EXPECT_THROW(sink.prepare(), trestle::Error);
  sink.prepare();  // retried
  EXPECT_EQ(Sql("SELECT count(*) FROM " + t), "2") << "visible before publish";
  sink.publish();
  sink.close();
  EXPECT_EQ(Sql("SELECT count(*), count(DISTINCT id), min(id), max(id) FROM " + t + " WHERE day = '2026-12-01'"),
            "3000|3000|1|3000");
  EXPECT_EQ(Sql("SELECT id FROM " + t + " WHERE day = '2026-12-02'"), "100");
}

TEST_F(SinkTest, WithoutTheSpoolALostStagingFailsCleanlyAndPublishesNothing) {
  const std::string t = TableName();
  Sql("CREATE TABLE " + t + " (id bigint); INSERT INTO " + t + " VALUES (7)");
  {
    Sink sink(Opts(t).set("spool", false).set("connect_deadline_s", 30.0));
    auto b = BatchBuilder().i64("id", {1, 2, 3}).build();
    sink.open(b.schema());
    sink.write(b);
    std::string err;
    ASSERT_TRUE(server().Stop(&err)) << err;
    ASSERT_TRUE(server().Start(&err)) << err;
    EXPECT_THROW(sink.write(b), trestle::Error);
    try {
      sink.write(b);  // the retry cannot bring the lost rows back
      FAIL();
    } catch (const trestle::Error& e) {
      EXPECT_EQ(e.code(), TRESTLE_UNAVAILABLE);
      EXPECT_NE(std::string(e.what()).find("connection lost while staging 3 rows into " + t +
                                           "; nothing was published; re-run the date"),
                std::string::npos)
          << e.what();
    }
    sink.close();
  }
  EXPECT_EQ(Sql("SELECT id FROM " + t), "7");
}

}  // namespace
}  // namespace trestle_pg::testing
