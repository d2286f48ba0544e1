// redis_hash_sink and redis_stream_sink against a real redis-server: idempotent hash
// upserts with HDEL for nulls and a TTL, dead-lettered rows, XADD layouts read back by
// the source, MAXLEN trimming, and a write that survives a killed and restarted server.
#include <chrono>
#include <map>
#include <thread>

#include "hash_sink.h"
#include "redis_fixture.h"
#include "stream_sink.h"
#include "stream_source.h"

namespace trestle_redis::testing {
namespace {

using trestle::StringList;
using trestle::StringMap;
using trestle::testing::BatchBuilder;
using HashS = trestle::testing::Harness<HashSink>;
using StreamS = trestle::testing::Harness<StreamSink>;
using Source = trestle::testing::Harness<StreamSource>;

class SinkTest : public RedisTest {
 protected:
  /// HGETALL as "field=value,..." sorted by field.
  std::string Hash(const std::string& key) {
    std::map<std::string, std::string> m;
    const RedisValue v = server().Must({"HGETALL", key});
    for (size_t i = 0; i + 1 < v.elements.size(); i += 2) m[v.elements[i].str] = v.elements[i + 1].str;
    std::string s;
    for (const auto& [k, val] : m) s += (s.empty() ? "" : ",") + k + "=" + val;
    return s;
  }
  trestle::Options HashOpts() {
    return Connect(server()).set("key", StringList{"customer"}).set("key_prefix", Key() + ":");
  }
};

trestle::Batch Scores() {
  return BatchBuilder()
      .i64("customer", {1, 2, 3})
      .f64("score", {0.25, 0.5, 0.125})
      .str("segment", {"a", std::nullopt, "c"})
      .build();
}

TEST_F(SinkTest, HashSinkUpsertsAndWritingAgainChangesNothing) {
  for (int run = 0; run < 2; ++run) {
    HashS sink(HashOpts());
    sink.open(Scores().schema());
    sink.write(Scores());
    sink.commit();
    sink.close();
    EXPECT_EQ(Hash(Key() + ":1"), "score=0.25,segment=a") << "run " << run;
    EXPECT_EQ(Hash(Key() + ":2"), "score=0.5") << "run " << run;
    EXPECT_EQ(Hash(Key() + ":3"), "score=0.125,segment=c") << "run " << run;
    EXPECT_EQ(sink.recorded().counters["redis_hashes_written"], 3);
  }
  EXPECT_EQ(server().Int({"TTL", Key() + ":1"}), -1);  // no ttl_s: no expiry
  // A newer row of a key replaces its fields; a null removes one; the last row wins.
  HashS sink(HashOpts().set("fields", StringList{"segment"}).set("ttl_s", int64_t{300}));
  trestle::Batch update = BatchBuilder()
                              .i64("customer", {1, 3, 3})
                              .f64("score", {9.0, 9.0, 9.0})
                              .str("segment", {std::nullopt, "x", "y"})
                              .build();
  sink.open(update.schema());
  sink.write(update);
  EXPECT_EQ(Hash(Key() + ":1"), "score=0.25");  // score is not among the fields written
  EXPECT_EQ(Hash(Key() + ":3"), "score=0.125,segment=y");
  const long long ttl = server().Int({"TTL", Key() + ":3"});
  EXPECT_GT(ttl, 0);
  EXPECT_LE(ttl, 300);
}

TEST_F(SinkTest, HashSinkJoinsSeveralKeyColumnsAndRejectsNullKeysAndForeignKeys) {
  server().Must({"SET", Key() + ":2:b", "a string, not a hash"});
  HashS sink(HashOpts().set("key", StringList{"customer", "region"}).set("ttl_s", int64_t{60}));
  trestle::Batch b = BatchBuilder()
                         .i64("customer", {1, 2, std::nullopt})
                         .str("region", {"a", "b", "c"})
                         .f64("score", {1.0, 2.0, 3.0})
                         .build();
  sink.open(b.schema());
  sink.write(b);
  EXPECT_EQ(Hash(Key() + ":1:a"), "score=1");
  const auto& rejected = sink.recorded().rejections;
  ASSERT_EQ(rejected.size(), 2u);
  EXPECT_EQ(rejected[0].row, 2);
  EXPECT_EQ(rejected[0].reason, "key column \"customer\" is null");
  EXPECT_EQ(rejected[1].row, 1);
  EXPECT_NE(rejected[1].reason.find("key \"" + Key() + ":2:b\" holds another type than a hash (WRONGTYPE)"),
            std::string::npos)
      << rejected[1].reason;
  EXPECT_EQ(server().Must({"GET", Key() + ":2:b"}).str, "a string, not a hash");
  EXPECT_EQ(server().Int({"TTL", Key() + ":2:b"}), -1);  // no EXPIRE on somebody else's key
  EXPECT_EQ(sink.recorded().counters["redis_hashes_written"], 1);
}

TEST_F(SinkTest, HashSinkNamesMissingColumns) {
  auto e = trestle::testing::open_error<HashSink>(HashOpts().set("key", StringList{"cust"}), Scores().schema());
  ASSERT_TRUE(e);
  EXPECT_EQ(std::string(e->what()),
            "option \"key\" names column \"cust\", which the input does not have (it has: customer, score, segment)");
  e = trestle::testing::open_error<HashSink>(HashOpts(), BatchBuilder().i64("customer", {1}).build().schema());
  ASSERT_TRUE(e);
  EXPECT_NE(std::string(e->what()).find("no column is left to write as a hash field"), std::string::npos);
}

TEST_F(SinkTest, StreamSinkRowsReadBackThroughTheSourceInBothLayouts) {
  trestle::Batch b = BatchBuilder()
                         .boolean("flag", {true, std::nullopt})
                         .i32("n", {-7, 8})
                         .i64("customer", {1, 2})
                         .f32("w", {0.1f, 2.5f})
                         .f64("score", {0.1, std::nullopt})
                         .str("name", {"Ann \"quoted\"", "Bo"})
                         .ts("at", {1'796'119'200'000'001, 0})
                         .build();
  const StringMap schema = {{"flag", {"bool"}}, {"n", {"int32"}},   {"customer", {"int64"}}, {"w", {"float32"}},
                            {"score", {"float64"}}, {"name", {"utf8"}}, {"at", {"timestamp"}}};
  const std::vector<std::string> layouts = {"", "data"};
  for (const std::string& payload : layouts) {
    const std::string stream = Key(payload.empty() ? "flat" : "json");
    StreamS sink(Connect(server()).set("stream", stream).set("payload_field", payload));
    sink.open(b.schema());
    sink.write(b);
    sink.commit();
    EXPECT_EQ(server().Int({"XLEN", stream}), 2);
    Source src(Connect(server())
                   .set("stream", stream)
                   .set("group", std::string("g"))
                   .set("create_group", true)
                   .set("block_ms", int64_t{50})
                   .set("stop_when_idle_ms", int64_t{200})
                   .set("payload_field", payload)
                   .set("schema", schema));
    src.open();
    auto batches = NonEmpty(src.drain(100));
    ASSERT_EQ(batches.size(), 1u) << payload;
    const trestle::Batch& got = batches[0];
    EXPECT_TRUE(got.column("flag").bool_at(0));
    EXPECT_TRUE(got.column("flag").is_null(1));
    EXPECT_EQ(got.column("n").i32(0), -7);
    EXPECT_EQ(got.column("customer").i64(1), 2);
    EXPECT_FLOAT_EQ(got.column("w").f32(0), 0.1f);
    EXPECT_DOUBLE_EQ(got.column("score").f64(0), 0.1);
    EXPECT_TRUE(got.column("score").is_null(1));
    EXPECT_EQ(got.column("name").str(0), "Ann \"quoted\"");
    EXPECT_EQ(got.column("at").ts(0), 1'796'119'200'000'001);
    EXPECT_EQ(got.column("at").ts(1), 0);
    EXPECT_TRUE(src.recorded().rejected_records.empty()) << src.recorded().rejected_records[0].reason;
  }
  // Flat: a null column is left out of the entry.
  const RedisValue last = server().Must({"XREVRANGE", Key("flat"), "+", "-", "COUNT", "1"});
  EXPECT_EQ(last.elements[0].elements[1].ToString(),
            R"(["n","8","customer","2","w","2.5","name","Bo","at","1970-01-01T00:00:00.000000"])");
  const RedisValue json = server().Must({"XREVRANGE", Key("json"), "+", "-", "COUNT", "1"});
  EXPECT_EQ(json.elements[0].elements[1].elements[1].str,
            R"({"flag":null,"n":8,"customer":2,"w":2.5,"score":null,"name":"Bo","at":"1970-01-01T00:00:00.000000"})");
}

TEST_F(SinkTest, StreamSinkMaxlenTrimsTheStream) {
  std::vector<std::optional<int64_t>> ids;
  for (int64_t i = 0; i < 1000; ++i) ids.push_back(i);
  trestle::Batch b = BatchBuilder().i64("id", ids).build();
  StreamS sink(Connect(server()).set("stream", Key()).set("maxlen", int64_t{100}));
  sink.open(b.schema());
  sink.write(b);
  sink.commit();
  const long long len = server().Int({"XLEN", Key()});
  EXPECT_GE(len, 100);  // MAXLEN ~ trims whole macro nodes (100 entries each by default)
  EXPECT_LT(len, 300);
  const RedisValue last = server().Must({"XREVRANGE", Key(), "+", "-", "COUNT", "1"});
  EXPECT_EQ(last.elements[0].elements[1].ToString(), R"(["id","999"])");
  StreamS plain(Connect(server()).set("stream", Key("plain")));
  plain.open(b.schema());
  plain.write(b);
  EXPECT_EQ(server().Int({"XLEN", Key("plain")}), 1000);
  EXPECT_EQ(plain.recorded().counters["redis_entries_added"], 1000);
}

TEST_F(SinkTest, StreamSinkRejectsAnAllNullRowAndAKeyOfAnotherType) {
  StreamS sink(Connect(server()).set("stream", Key()));
  trestle::Batch b = BatchBuilder().i64("id", {1, std::nullopt}).build();
  sink.open(b.schema());
  sink.write(b);
  ASSERT_EQ(sink.recorded().rejections.size(), 1u);
  EXPECT_EQ(sink.recorded().rejections[0].row, 1);
  EXPECT_EQ(server().Int({"XLEN", Key()}), 1);
  server().Must({"HSET", Key("hash"), "f", "v"});
  auto e = trestle::testing::open_error<StreamSink>(Connect(server()).set("stream", Key("hash")), b.schema());
  ASSERT_TRUE(e);
  EXPECT_EQ(e->code(), TRESTLE_INVALID_ARGUMENT);
  EXPECT_NE(std::string(e->what()).find("option \"stream\": key \"" + Key("hash") + "\" holds a hash, not a stream"),
            std::string::npos)
      << e->what();
}

TEST_F(SinkTest, SinksWriteThroughAKilledAndRestartedServer) {
  std::string error;
  std::unique_ptr<RedisServer> own = RedisServer::Create(&error);  // appendfsync always: a kill loses nothing
  ASSERT_TRUE(own) << error;
  StreamS streams(Connect(*own).set("stream", Key()));
  HashS hashes(Connect(*own).set("key", StringList{"customer"}).set("key_prefix", Key() + ":"));
  streams.open(Scores().schema());
  hashes.open(Scores().schema());
  streams.write(Scores());
  hashes.write(Scores());

  own->Kill();
  std::thread restart([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(400));
    std::string e;
    EXPECT_TRUE(own->Start(&e)) << e;
  });
  streams.write(Scores());  // waits, reconnecting, until the server is back
  hashes.write(BatchBuilder().i64("customer", {1}).f64("score", {7.0}).str("segment", {"z"}).build());
  restart.join();
  EXPECT_EQ(own->Int({"XLEN", Key()}), 6);  // between batches: nothing doubled
  EXPECT_EQ(own->Must({"HGET", Key() + ":1", "score"}).str, "7");
  EXPECT_EQ(own->Must({"HGET", Key() + ":2", "score"}).str, "0.5");
  EXPECT_EQ(streams.recorded().counters["redis_reconnects"], 1);
  EXPECT_EQ(hashes.recorded().counters["redis_reconnects"], 1);
}

TEST_F(SinkTest, AServerThatStaysDownFailsTheWriteAfterReconnectTimeout) {
  std::string error;
  std::unique_ptr<RedisServer> own = RedisServer::Create(&error);
  ASSERT_TRUE(own) << error;
  StreamS sink(Connect(*own).set("stream", Key()).set("reconnect_timeout_s", 0.5));
  sink.open(Scores().schema());
  own->Kill();
  try {
    sink.write(Scores());
    FAIL() << "expected UNAVAILABLE";
  } catch (const trestle::Error& e) {
    EXPECT_EQ(e.code(), TRESTLE_UNAVAILABLE);
    const std::string m = e.what();
    EXPECT_NE(m.find("redis_stream_sink on redis " + own->address() + ": adding 3 entries to stream \"" + Key() +
                     "\" (XADD) failed: the server was unreachable for"),
              std::string::npos)
        << m;
    EXPECT_NE(m.find("(option reconnect_timeout_s = 0.5)"), std::string::npos) << m;
  }
}

}  // namespace
}  // namespace trestle_redis::testing
