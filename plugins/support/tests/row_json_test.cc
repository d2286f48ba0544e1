#include "row_json.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <optional>
#include <string>

#include <trestle/testing.hpp>

namespace trestle_support {
namespace {

using trestle::testing::BatchBuilder;

std::string Json(std::string_view s) {
  std::string out;
  append_json_string(out, s, nullptr);
  return out;
}

TEST(RowJson, Strings) {
  EXPECT_EQ(Json(""), "\"\"");
  EXPECT_EQ(Json("a\"b\\c/d"), "\"a\\\"b\\\\c/d\"");
  EXPECT_EQ(Json("\n\r\t\b\f\x01\x1f"), "\"\\n\\r\\t\\b\\f\\u0001\\u001f\"");
  EXPECT_EQ(Json(std::string_view("nul\0here", 8)), "\"nul\\u0000here\"");
  EXPECT_EQ(Json("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"), "\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"");
  JsonStats stats;
  std::string out;
  // A lone continuation byte, a truncated sequence, an overlong '/', a surrogate.
  append_json_string(out, "\x80|\xe2\x82|\xc0\xaf|\xed\xa0\x80", &stats);
  EXPECT_EQ(out, "\"\xef\xbf\xbd|\xef\xbf\xbd\xef\xbf\xbd|\xef\xbf\xbd\xef\xbf\xbd|\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"");
  EXPECT_EQ(stats.invalid_utf8, 8);
}

TEST(RowJson, Utf8SequenceLength) {
  auto len = [](std::string_view s) {
    return utf8_sequence_length(reinterpret_cast<const unsigned char*>(s.data()), s.size());
  };
  EXPECT_EQ(len("\xc3\xa9"), 2u);
  EXPECT_EQ(len("\xe2\x82\xac!"), 3u);
  EXPECT_EQ(len("\xf0\x9f\x98\x80"), 4u);
  EXPECT_EQ(len("\xe2\x82"), 0u);      // truncated
  EXPECT_EQ(len("\xc0\xaf"), 0u);      // overlong
  EXPECT_EQ(len("\xed\xa0\x80"), 0u);  // surrogate
  EXPECT_EQ(len("\x80"), 0u);          // continuation byte
}

TEST(RowJson, RowsOfEveryType) {
  const trestle::Batch b = BatchBuilder()
                               .i32("i", {1, std::nullopt, -7})
                               .i64("l", {int64_t{1} << 40, 0, std::nullopt})
                               .f64("x", {1.0, 0.1, std::nan("")})
                               .f32("y", {INFINITY, 0.5f, 1e20f})
                               .boolean("ok", {true, std::nullopt, false})
                               .str("s\n", {"tab\t\xff", "", std::nullopt})
                               .ts("t", {1700000000123456, std::nullopt, -1})
                               .build();
  const JsonRowWriter writer(b.schema());
  JsonStats stats;
  std::string out;
  for (int64_t r = 0; r < b.num_rows(); ++r) {
    writer.append_row(out, b, r, &stats);
    out += '\n';
  }
  EXPECT_EQ(out,
            "{\"i\":1,\"l\":1099511627776,\"x\":1.0,\"y\":null,\"ok\":true,\"s\\n\":\"tab\\t\xef\xbf\xbd\","
            "\"t\":\"2023-11-14T22:13:20.123456\"}\n"
            "{\"i\":null,\"l\":0,\"x\":0.1,\"y\":0.5,\"ok\":null,\"s\\n\":\"\",\"t\":null}\n"
            "{\"i\":-7,\"l\":null,\"x\":null,\"y\":1e+20,\"ok\":false,\"s\\n\":null,"
            "\"t\":\"1969-12-31T23:59:59.999999\"}\n");
  EXPECT_EQ(stats.non_finite, 2);
  EXPECT_EQ(stats.invalid_utf8, 1);
}

TEST(RowJson, TimestampsWithZ) {
  const trestle::Batch b =
      BatchBuilder().ts("t", {0, 951782400000000, 1700000000123456, -1, 253402300799999999}).build();
  const JsonRowWriter writer(b.schema(), TimestampSuffix::kZ);
  std::string out;
  for (int64_t r = 0; r < b.num_rows(); ++r) writer.append_row(out, b, r, nullptr);
  EXPECT_EQ(out,
            "{\"t\":\"1970-01-01T00:00:00.000000Z\"}{\"t\":\"2000-02-29T00:00:00.000000Z\"}"
            "{\"t\":\"2023-11-14T22:13:20.123456Z\"}{\"t\":\"1969-12-31T23:59:59.999999Z\"}"
            "{\"t\":\"9999-12-31T23:59:59.999999Z\"}");
}

TEST(RowJson, NoColumns) {
  const trestle::Batch b = BatchBuilder().i32("a", {1}).build();
  const JsonRowWriter writer(trestle::Schema{});
  std::string out;
  writer.append_row(out, b, 0, nullptr);
  EXPECT_EQ(out, "{}");
}

}  // namespace
}  // namespace trestle_support
