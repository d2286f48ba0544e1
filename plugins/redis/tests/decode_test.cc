// The parts of the redis plugin that need no server: reading option address, decoding
// entries into typed rows (JSON payload and flat fields), and the text the sinks store.
#include <cmath>
#include <limits>

#include <gtest/gtest.h>

#include <trestle/testing.hpp>

#include "entry_decoder.h"
#include "redis_conn.h"
#include "value_text.h"

namespace trestle_redis {
namespace {

std::string AddressError(const std::string& address) {
  try {
    Endpoint::parse(address, "");
  } catch (const trestle::Error& e) {
    return e.what();
  }
  return "no error";
}

TEST(Endpoint, ReadsHostPortIpv6AndUnixSockets) {
  EXPECT_EQ(Endpoint::parse("127.0.0.1:6380", "").str(), "127.0.0.1:6380");
  EXPECT_EQ(Endpoint::parse("redis.internal", "").str(), "redis.internal:6379");
  Endpoint v6 = Endpoint::parse("[::1]:7000", "");
  EXPECT_EQ(v6.host, "::1");
  EXPECT_EQ(v6.port, 7000);
  EXPECT_EQ(v6.str(), "[::1]:7000");
  EXPECT_EQ(Endpoint::parse("ignored:1", "/run/redis.sock").str(), "unix:/run/redis.sock");
}

TEST(Endpoint, BadAddressesNameTheOptionAndTheFix) {
  EXPECT_NE(AddressError("localhost:http").find("option \"address\" is \"localhost:http\": the port \"http\" is not a number"), std::string::npos);
  EXPECT_NE(AddressError("h:70000").find("not a number from 1 to 65535"), std::string::npos);
  EXPECT_NE(AddressError("redis://h:6379").find("not a URL"), std::string::npos);
  EXPECT_NE(AddressError("::1").find("[::1]:6379"), std::string::npos);
  EXPECT_NE(AddressError(":6379").find("the host is missing"), std::string::npos);
  EXPECT_NE(AddressError("h:").find("the port after ':' is missing"), std::string::npos);
  EXPECT_NE(AddressError("").find("option \"address\" is empty"), std::string::npos);
}

StreamEntry Entry(std::string id, std::vector<std::pair<std::string, std::string>> fields) {
  StreamEntry e;
  e.id = std::move(id);
  e.fields = std::move(fields);
  return e;
}

class DecodeTest : public ::testing::Test {
 protected:
  // id_column "id" first, then the columns in name order, as the source builds it.
  trestle::Schema schema_{std::vector<trestle::Field>{{"id", trestle::Type::Utf8, false},
                                                      {"active", trestle::Type::Bool, true},
                                                      {"at", trestle::Type::TimestampUs, true},
                                                      {"customer", trestle::Type::Int64, false},
                                                      {"n", trestle::Type::Int32, true},
                                                      {"name", trestle::Type::Utf8, true},
                                                      {"score", trestle::Type::Float64, true},
                                                      {"w", trestle::Type::Float32, true}}};
  std::vector<trestle::ColumnBuilder> Builders() const {
    std::vector<trestle::ColumnBuilder> b;
    for (const auto& f : schema_.fields()) b.emplace_back(f.type);
    return b;
  }
  static trestle::Batch Finish(const trestle::Schema& s, std::vector<trestle::ColumnBuilder>& b) {
    std::vector<trestle::Column> cols;
    for (auto& x : b) cols.push_back(x.finish());
    return trestle::Batch(s, cols);
  }
};

TEST_F(DecodeTest, JsonPayloadFillsTheDeclaredColumns) {
  EntryDecoder d(schema_, "data", "id");
  auto b = Builders();
  std::string reason;
  ASSERT_TRUE(d.append(Entry("1-0", {{"data", R"({"customer": 42, "score": 0.75, "name": "Ann", "active": true,
      "at": "2026-12-01T10:00:00Z", "n": 7, "w": 1.5, "extra": [1, 2]})"}}), b, &reason)) << reason;
  ASSERT_TRUE(d.append(Entry("1-1", {{"other", "x"}, {"data", R"({"customer": 43, "score": null})"}}), b, &reason)) << reason;
  trestle::Batch batch = Finish(schema_, b);
  ASSERT_EQ(batch.num_rows(), 2);
  EXPECT_EQ(batch.column("id").str(0), "1-0");
  EXPECT_EQ(batch.column("customer").i64(0), 42);
  EXPECT_DOUBLE_EQ(batch.column("score").f64(0), 0.75);
  EXPECT_EQ(batch.column("name").str(0), "Ann");
  EXPECT_TRUE(batch.column("active").bool_at(0));
  EXPECT_EQ(batch.column("at").ts(0), 1'796'119'200'000'000);
  EXPECT_EQ(batch.column("n").i32(0), 7);
  EXPECT_FLOAT_EQ(batch.column("w").f32(0), 1.5f);
  EXPECT_EQ(batch.column("customer").i64(1), 43);
  EXPECT_TRUE(batch.column("score").is_null(1));
  EXPECT_TRUE(batch.column("name").is_null(1));
}

TEST_F(DecodeTest, JsonThatDoesNotFitIsRefusedWithTheColumnAndValue) {
  EntryDecoder d(schema_, "data", "id");
  auto b = Builders();
  std::string reason;
  EXPECT_FALSE(d.append(Entry("1-0", {{"data", "{not json"}}), b, &reason));
  EXPECT_EQ(reason, "field \"data\" is not valid JSON: \"{not json\"");
  EXPECT_FALSE(d.append(Entry("1-1", {{"data", "[1]"}}), b, &reason));
  EXPECT_EQ(reason, "field \"data\" holds JSON that is not an object: \"[1]\"");
  EXPECT_FALSE(d.append(Entry("1-2", {{"payload", "{}"}}), b, &reason));
  EXPECT_EQ(reason, "the entry has no field \"data\" (option payload_field)");
  EXPECT_FALSE(d.append(Entry("1-3", {{"data", R"({"customer": "42"})"}}), b, &reason));
  EXPECT_EQ(reason, "column \"customer\": \"42\" is not an int64");
  EXPECT_FALSE(d.append(Entry("1-4", {{"data", R"({"customer": 1, "n": 3000000000})"}}), b, &reason));
  EXPECT_EQ(reason, "column \"n\": 3000000000 is not an int32");
  EXPECT_FALSE(d.append(Entry("1-5", {{"data", R"({"score": 1})"}}), b, &reason));
  EXPECT_EQ(reason, "column \"customer\" is missing or null, but option \"not_null\" lists it");
  EXPECT_FALSE(d.append(Entry("1-6", {{"data", R"({"customer": 1, "at": "yesterday"})"}}), b, &reason));
  EXPECT_EQ(reason, "column \"at\": \"yesterday\" is not a timestamp (ISO 8601 text)");
  // Nothing of a refused entry was appended.
  for (auto& x : b) EXPECT_EQ(x.size(), 0);
}

TEST_F(DecodeTest, FlatFieldsAreTextTypedByTheSchema) {
  EntryDecoder d(schema_, "", "id");
  auto b = Builders();
  std::string reason;
  ASSERT_TRUE(d.append(Entry("5-0", {{"customer", "+7"}, {"score", "-1e3"}, {"active", "FALSE"}, {"name", ""},
                                     {"at", "2026-12-01 10:00:00"}, {"n", "-3"}, {"w", "inf"}, {"unknown", "x"}}),
                       b, &reason)) << reason;
  ASSERT_TRUE(d.append(Entry("5-1", {{"customer", "8"}, {"score", ""}, {"active", "1"}}), b, &reason)) << reason;
  trestle::Batch batch = Finish(schema_, b);
  EXPECT_EQ(batch.column("customer").i64(0), 7);
  EXPECT_DOUBLE_EQ(batch.column("score").f64(0), -1000);
  EXPECT_FALSE(batch.column("active").bool_at(0));
  EXPECT_FALSE(batch.column("name").is_null(0));  // an empty utf8 value is "", not null
  EXPECT_EQ(batch.column("name").str(0), "");
  EXPECT_EQ(batch.column("at").ts(0), 1'796'119'200'000'000);
  EXPECT_EQ(batch.column("n").i32(0), -3);
  EXPECT_TRUE(std::isinf(batch.column("w").f32(0)));
  EXPECT_TRUE(batch.column("score").is_null(1));  // empty: null for a number
  EXPECT_TRUE(batch.column("active").bool_at(1));
  EXPECT_TRUE(batch.column("name").is_null(1));  // absent: null

  EXPECT_FALSE(d.append(Entry("5-2", {{"customer", "12abc"}}), b, &reason));
  EXPECT_EQ(reason, "column \"customer\": \"12abc\" is not an int64");
  EXPECT_FALSE(d.append(Entry("5-3", {{"customer", "1"}, {"w", "1e39"}}), b, &reason));
  EXPECT_EQ(reason, "column \"w\": \"1e39\" is not a float32");
  EXPECT_FALSE(d.append(Entry("5-4", {{"customer", "1"}, {"active", "yes"}}), b, &reason));
  EXPECT_EQ(reason, "column \"active\": \"yes\" is not a bool");
}

TEST(ValueText, SinksWriteWhatTheSourceReadsBack) {
  trestle::Batch b = trestle::testing::BatchBuilder()
                         .boolean("b", {true})
                         .i32("i", {-5})
                         .i64("l", {9007199254740993})
                         .f32("f", {0.1f})
                         .f64("d", {0.1})
                         .str("s", {"tab\there"})
                         .ts("t", {1'796'119'200'000'001})
                         .build();
  std::vector<std::string> texts;
  for (const auto& c : b.columns()) {
    texts.emplace_back();
    append_value_text(texts.back(), c, 0);
  }
  EXPECT_EQ(texts, (std::vector<std::string>{"true", "-5", "9007199254740993", "0.1", "0.1", "tab\there",
                                             "2026-12-01T10:00:00.000001"}));
  std::vector<trestle::Field> fields;
  std::vector<std::pair<std::string, std::string>> entry_fields;
  for (size_t c = 0; c < b.schema().size(); ++c) {
    fields.push_back(b.schema().field(c));
    entry_fields.emplace_back(b.schema().field(c).name, texts[c]);
  }
  EntryDecoder d(trestle::Schema(fields), "", "");
  std::vector<trestle::ColumnBuilder> builders;
  for (const auto& f : fields) builders.emplace_back(f.type);
  std::string reason;
  ASSERT_TRUE(d.append(Entry("1-0", entry_fields), builders, &reason)) << reason;
  EXPECT_FLOAT_EQ(builders[3].finish().f32(0), 0.1f);
  EXPECT_EQ(builders[2].finish().i64(0), 9007199254740993);
  EXPECT_EQ(builders[6].finish().ts(0), 1'796'119'200'000'001);
}

}  // namespace
}  // namespace trestle_redis
