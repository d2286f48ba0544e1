// redis_stream_source against a real redis-server, through the SDK's harness: decoding,
// XACK only at ack(seq), claiming a dead consumer's entries, poison entries, a restart
// of the server in the middle of a read, metrics, and the validate-time errors.
#include <chrono>
#include <set>
#include <thread>

#include "redis_fixture.h"
#include "stream_source.h"

namespace trestle_redis::testing {
namespace {

using trestle::StringList;
using trestle::StringMap;
using Source = trestle::testing::Harness<StreamSource>;

class SourceTest : public RedisTest {
 protected:
  /// A source on this test's stream and group "g", consumer "c1", that creates the
  /// group, waits 50 ms per read and ends after 300 ms without entries.
  trestle::Options Opts(const RedisServer& s, const StringMap& schema) {
    return Connect(s)
        .set("stream", Key())
        .set("group", std::string("g"))
        .set("consumer", std::string("c1"))
        .set("create_group", true)
        .set("block_ms", int64_t{50})
        .set("stop_when_idle_ms", int64_t{300})
        .set("schema", schema)
        .set("id_column", std::string("entry_id"));
  }
  trestle::Options Opts(const StringMap& schema) { return Opts(server(), schema); }
  static std::vector<std::string> Ids(const std::vector<trestle::Batch>& batches) {
    std::vector<std::string> ids;
    for (const auto& b : batches)
      for (int64_t r = 0; r < b.num_rows(); ++r) ids.emplace_back(b.column("entry_id").str(r));
    return ids;
  }
  static std::string OpenError(const trestle::Options& o) {
    auto e = trestle::testing::open_error<StreamSource>(o);
    return e ? e->what() : "no error";
  }
};

const StringMap kScores = {{"customer", {"int64"}}, {"score", {"float64"}}};

TEST_F(SourceTest, JsonPayloadEntriesBecomeTypedRowsInStreamOrder) {
  std::vector<std::string> ids = AddEntries(server(), Key(), {{"data", R"({"customer": 1, "score": 0.5})"},
                                                              {"data", R"({"customer": 2, "score": null})"},
                                                              {"data", R"({"customer": 3, "score": 2})"}});
  Source src(Opts(kScores).set("payload_field", std::string("data")));
  trestle::Schema s = src.open();
  ASSERT_EQ(s.size(), 3u);
  EXPECT_EQ(s.field(0).name, "entry_id");
  EXPECT_EQ(s.field(1).name, "customer");
  EXPECT_EQ(s.field(2).name, "score");
  auto batches = NonEmpty(src.drain(100));
  ASSERT_EQ(batches.size(), 1u);
  const trestle::Batch& b = batches[0];
  EXPECT_EQ(Ids(batches), ids);
  EXPECT_EQ(trestle::testing::ints(b.column("customer")), (std::vector<int64_t>{1, 2, 3}));
  EXPECT_DOUBLE_EQ(b.column("score").f64(0), 0.5);
  EXPECT_TRUE(b.column("score").is_null(1));
  EXPECT_DOUBLE_EQ(b.column("score").f64(2), 2.0);
  EXPECT_TRUE(src.recorded().rejected_records.empty());
  EXPECT_EQ(src.recorded().gauges["redis_connected"], 1);
}

TEST_F(SourceTest, FlatFieldsAreColumnsTypedByTheSchema) {
  AddEntries(server(), Key(), {{"customer", "10", "score", "1.25", "ignored", "x"}, {"score", "3", "customer", "11"}});
  Source src(Opts({{"customer", {"int64"}}, {"score", {"float32"}}}).set("not_null", StringList{"customer"}));
  EXPECT_FALSE(src.open().field(1).nullable);
  auto batches = NonEmpty(src.drain(100));
  ASSERT_EQ(batches.size(), 1u);
  EXPECT_EQ(trestle::testing::ints(batches[0].column("customer")), (std::vector<int64_t>{10, 11}));
  EXPECT_FLOAT_EQ(batches[0].column("score").f32(0), 1.25f);
  EXPECT_FLOAT_EQ(batches[0].column("score").f32(1), 3.0f);
}

TEST_F(SourceTest, AckAcknowledgesOnlyTheBatchesUpToItsSeq) {
  std::vector<std::vector<std::string>> entries;
  for (int i = 0; i < 10; ++i) entries.push_back({"customer", std::to_string(i)});
  std::vector<std::string> ids = AddEntries(server(), Key(), entries);
  Source src(Opts(kScores).set("stop_when_idle_ms", int64_t{0}));
  src.open();
  std::vector<trestle::Batch> batches;
  for (int i = 0; i < 4; ++i) batches.push_back(*src.next(3));
  EXPECT_EQ(batches[0].num_rows(), 3);
  EXPECT_EQ(batches[3].num_rows(), 1);
  EXPECT_EQ(Ids(batches), ids);
  EXPECT_EQ(Pending(server(), Key(), "g"), 10);  // read, nothing acknowledged yet

  src.ack(1);  // batches 0 and 1: six entries
  EXPECT_EQ(PendingIds(server(), Key(), "g"), std::vector<std::string>(ids.begin() + 6, ids.end()));
  EXPECT_EQ(src.recorded().gauges["redis_pending"], 4);

  // Nothing new, but batches wait for their ack: next() hands over an empty batch
  // (so that the engine can send the ack) instead of waiting for entries.
  std::optional<trestle::Batch> idle = src.next(3);
  ASSERT_TRUE(idle.has_value());
  EXPECT_EQ(idle->num_rows(), 0);
  src.ack(4);  // the batches up to the empty one: all of them
  EXPECT_EQ(Pending(server(), Key(), "g"), 0);
  EXPECT_EQ(src.recorded().gauges["redis_pending"], 0);
}

TEST_F(SourceTest, ASecondConsumerClaimsTheEntriesOfADeadOneAfterClaimIdleMs) {
  std::vector<std::vector<std::string>> entries;
  for (int i = 0; i < 5; ++i) entries.push_back({"customer", std::to_string(i)});
  std::vector<std::string> ids = AddEntries(server(), Key(), entries);
  {
    Source dead(Opts(kScores).set("consumer", std::string("dead")));
    dead.open();
    EXPECT_EQ(dead.next(100)->num_rows(), 5);
    // Destroyed without an ack: a worker killed before its sinks committed.
  }
  EXPECT_EQ(Pending(server(), Key(), "g", "dead"), 5);
  std::vector<std::string> later = AddEntries(server(), Key(), {{"customer", "5"}});

  Source alive(Opts(kScores).set("consumer", std::string("alive")).set("claim_idle_ms", int64_t{200})
                   .set("stop_when_idle_ms", int64_t{600}));
  alive.open();
  auto batches = alive.drain(100);
  std::vector<std::string> got = Ids(batches);
  std::multiset<std::string> seen(got.begin(), got.end());
  ids.push_back(later[0]);
  EXPECT_EQ(seen, std::multiset<std::string>(ids.begin(), ids.end()));  // each entry once
  EXPECT_EQ(alive.recorded().counters["redis_claimed"], 5);
  EXPECT_EQ(Pending(server(), Key(), "g", "dead"), 0);
  EXPECT_EQ(Pending(server(), Key(), "g", "alive"), 6);
  alive.ack(batches.size() - 1);
  EXPECT_EQ(Pending(server(), Key(), "g"), 0);
}

TEST_F(SourceTest, APoisonEntryIsDeadLetteredAfterMaxDeliveriesAndAcknowledged) {
  const std::string poison = AddEntries(server(), Key(), {{"data", R"({"customer": 666})"}})[0];
  const trestle::Options opts = Opts(kScores).set("payload_field", std::string("data")).set("max_deliveries", int64_t{3});
  // Three workers in turn read it and die before their sinks commit (the entry crashes
  // them, say): deliveries 1, 2 and 3.
  for (int attempt = 1; attempt <= 3; ++attempt) {
    Source crashing(opts);
    crashing.open();
    std::optional<trestle::Batch> b = crashing.next(100);
    ASSERT_TRUE(b.has_value());
    ASSERT_EQ(b->num_rows(), 1) << "attempt " << attempt;
    EXPECT_TRUE(crashing.recorded().rejected_records.empty());
  }
  std::vector<std::string> after = AddEntries(server(), Key(), {{"data", R"({"customer": 1})"}, {"data", R"({"customer": 2})"}});

  Source src(opts);
  src.open();
  auto batches = src.drain(100);
  EXPECT_EQ(Ids(batches), after);  // the entries after it still flow
  ASSERT_EQ(src.recorded().rejected_records.size(), 1u);
  const auto& dl = src.recorded().rejected_records[0];
  EXPECT_EQ(dl.record, R"({"data":"{\"customer\": 666}"})");
  EXPECT_EQ(dl.location, "stream " + Key() + " entry " + poison);
  EXPECT_EQ(dl.reason, "poison entry: delivered 4 times, more than max_deliveries 3; acknowledged so that group \"g\" "
                       "moves on");
  EXPECT_EQ(src.recorded().counters["redis_poison"], 1);
  EXPECT_EQ(Pending(server(), Key(), "g"), 3);
  src.ack(batches.size() - 1);
  EXPECT_EQ(Pending(server(), Key(), "g"), 0);  // the poison entry too: the group is not stuck
}

TEST_F(SourceTest, AnUndecodableEntryIsDeadLetteredAndAcknowledgedWithItsBatch) {
  std::vector<std::string> ids = AddEntries(server(), Key(), {{"data", R"({"customer": 1, "score": 0.1})"},
                                                              {"data", "{\"customer\": 2, "},
                                                              {"data", R"({"customer": "three"})"},
                                                              {"data", R"({"score": 4})"},
                                                              {"data", R"({"customer": 5})"}});
  Source src(Opts(kScores).set("payload_field", std::string("data")).set("not_null", StringList{"customer"}));
  src.open();
  auto batches = NonEmpty(src.drain(100));
  ASSERT_EQ(batches.size(), 1u);
  EXPECT_EQ(trestle::testing::ints(batches[0].column("customer")), (std::vector<int64_t>{1, 5}));
  const auto& dl = src.recorded().rejected_records;
  ASSERT_EQ(dl.size(), 3u);
  EXPECT_EQ(dl[0].location, "stream " + Key() + " entry " + ids[1]);
  EXPECT_EQ(dl[0].reason, "field \"data\" is not valid JSON: \"{\"customer\": 2, \"");
  EXPECT_EQ(dl[1].reason, "column \"customer\": \"three\" is not an int64");
  EXPECT_EQ(dl[2].reason, "column \"customer\" is missing or null, but option \"not_null\" lists it");
  EXPECT_EQ(Pending(server(), Key(), "g"), 5);  // handled, acknowledged with the batch
  src.ack(0);
  EXPECT_EQ(Pending(server(), Key(), "g"), 0);
}

TEST_F(SourceTest, ARestartOfTheServerMidReadLosesNothingAndDeliversEachEntryOnce) {
  std::string error;
  std::unique_ptr<RedisServer> own = RedisServer::Create(&error);
  ASSERT_TRUE(own) << error;
  const std::string stream = Key();
  std::vector<std::vector<std::string>> entries;
  for (int i = 0; i < 100; ++i) entries.push_back({"customer", std::to_string(i)});
  std::vector<std::string> ids = AddEntries(*own, stream, entries);

  Source src(Opts(*own, kScores).set("stop_when_idle_ms", int64_t{500}));
  src.open();
  std::vector<trestle::Batch> batches;
  for (int i = 0; i < 3; ++i) batches.push_back(*src.next(10));
  src.ack(0);

  ASSERT_TRUE(own->Stop(&error)) << error;  // SHUTDOWN NOSAVE: the AOF keeps stream and group
  std::thread restart([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(400));
    std::string e;
    EXPECT_TRUE(own->Start(&e)) << e;
    AddEntries(*own, stream, {{"customer", "100"}, {"customer", "101"}});
  });
  // This next() waits, reconnecting with backoff, until the server is back.
  for (std::optional<trestle::Batch> b; (b = src.next(10));) batches.push_back(std::move(*b));
  restart.join();

  std::vector<std::string> got = Ids(batches);
  std::multiset<std::string> seen(got.begin(), got.end());
  std::vector<std::string> expected;
  for (const auto& e : own->Must({"XRANGE", stream, "-", "+"}).elements) expected.push_back(e.elements[0].str);
  ASSERT_EQ(expected.size(), 102u);  // the 100 (kept by the AOF), then the two added after the restart
  EXPECT_EQ(std::vector<std::string>(expected.begin(), expected.begin() + 100), ids);
  EXPECT_EQ(seen, std::multiset<std::string>(expected.begin(), expected.end()));  // all, once each
  EXPECT_GE(src.recorded().counters["redis_reconnects"], 1);
  EXPECT_EQ(src.recorded().gauges["redis_connected"], 1);
  bool warned = false;
  for (const auto& [sev, msg] : src.recorded().logs)
    warned = warned || (sev == TRESTLE_LOG_WARNING && msg.find("connection lost while reading stream") != std::string::npos);
  EXPECT_TRUE(warned);
  src.ack(batches.size() - 1);
  EXPECT_EQ(Pending(*own, stream, "g"), 0);
}

TEST_F(SourceTest, AReplyLostWithTheConnectionIsReadAgainFromTheConsumersPendingList) {
  AddEntries(server(), Key(), {{"customer", "0"}});
  Source src(Opts(kScores));
  src.open();
  std::vector<trestle::Batch> batches = {*src.next(100)};
  // What a reply lost with the connection leaves behind: the server delivered entries
  // to c1 (they are pending for it), but the source never saw them.
  AddEntries(server(), Key(), {{"customer", "1"}, {"customer", "2"}});
  server().Must({"XREADGROUP", "GROUP", "g", "c1", "STREAMS", Key(), ">"});
  server().Must({"CLIENT", "KILL", "TYPE", "normal"});  // every connection but this one
  AddEntries(server(), Key(), {{"customer", "3"}});
  for (std::optional<trestle::Batch> b; (b = src.next(100));) batches.push_back(std::move(*b));
  std::vector<int64_t> customers;
  for (const auto& b : batches)
    for (int64_t v : trestle::testing::ints(b.column("customer"))) customers.push_back(v);
  EXPECT_EQ(customers, (std::vector<int64_t>{0, 1, 2, 3}));  // 0 once, though it was pending too
  EXPECT_EQ(src.recorded().counters["redis_reconnects"], 1);
}

TEST_F(SourceTest, LagAndPendingAreReportedAsGauges) {
  std::vector<std::vector<std::string>> entries;
  for (int i = 0; i < 10; ++i) entries.push_back({"customer", std::to_string(i)});
  AddEntries(server(), Key(), entries);
  Source src(Opts(kScores).set("count", int64_t{4}));
  src.open();
  EXPECT_EQ(src.next(100)->num_rows(), 4);  // count caps the read below the batch size
  src.ack(0);
  EXPECT_EQ(src.recorded().gauges["redis_pending"], 0);
  EXPECT_EQ(src.recorded().gauges["redis_lag"], 6);  // Redis 7's XINFO GROUPS lag
}

TEST_F(SourceTest, ACancelledRunEndsTheStream) {
  Source src(Opts(kScores).set("stop_when_idle_ms", int64_t{0}));
  src.open();
  src.recorded().cancel = true;
  EXPECT_FALSE(src.next(100).has_value());
}

TEST_F(SourceTest, AGeneratedConsumerNameLeavesTheGroupWhenNothingIsPending) {
  AddEntries(server(), Key(), {{"customer", "1"}});
  trestle::Options o = Opts(kScores);
  o.set("consumer", std::string(""));
  Source src(o);
  src.open();
  auto batches = src.drain(100);
  src.ack(batches.size() - 1);
  EXPECT_EQ(server().Must({"XINFO", "CONSUMERS", Key(), "g"}).elements.size(), 1u);
  src.close();
  EXPECT_EQ(server().Must({"XINFO", "CONSUMERS", Key(), "g"}).elements.size(), 0u);
}

TEST_F(SourceTest, ValidateNamesTheMissingStreamOrGroup) {
  trestle::Options o = Opts(kScores).set("create_group", false);
  std::string m = OpenError(o);
  EXPECT_NE(m.find("redis_stream_source on redis " + server().address() + ": option \"stream\": stream \"" + Key() +
                   "\" does not exist"),
            std::string::npos)
      << m;
  EXPECT_NE(m.find("create_group: true"), std::string::npos) << m;
  AddEntries(server(), Key(), {{"customer", "1"}});
  m = OpenError(o);
  EXPECT_NE(m.find("option \"group\": stream \"" + Key() + "\" has no consumer group \"g\""), std::string::npos) << m;
  server().Must({"SET", Key("string"), "x"});
  m = OpenError(o.set("stream", Key("string")));
  EXPECT_NE(m.find("key \"" + Key("string") + "\" holds another type than a stream"), std::string::npos) << m;
}

TEST_F(SourceTest, ValidateNamesBadOptions) {
  EXPECT_EQ(OpenError(Opts({{"x", {"decimal"}}})),
            "option \"schema\": column \"x\" has unknown type \"decimal\" (known: bool, int32, int64, float32, float64, "
            "utf8, timestamp)");
  EXPECT_EQ(OpenError(Opts(kScores).set("not_null", StringList{"custmer"})),
            "option \"not_null\" names column \"custmer\", which option \"schema\" does not declare");
  EXPECT_EQ(OpenError(Opts(kScores).set("id_column", std::string("score"))),
            "option \"id_column\" is \"score\", which option \"schema\" declares as a column too; choose another name");
  EXPECT_NE(OpenError(Opts(kScores).set("start_id", std::string("latest"))).find("option \"start_id\" is \"latest\""),
            std::string::npos);
  EXPECT_EQ(OpenError(Opts(StringMap{})), "option \"schema\" declares no columns");
}

}  // namespace
}  // namespace trestle_redis::testing
