// EncodeInferResponse, EncodeError, EncodeModelMetadata, V2Datatype; and request ->
// rows -> response round trips of every column type.

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "exec/row_json.h"
#include "serve/infer_codec.h"

namespace trestle::core {
namespace {

using Json = nlohmann::json;

trestle::Schema AllTypes() {
  return trestle::Schema({{"b", trestle::Type::Bool},
                          {"i32", trestle::Type::Int32},
                          {"i64", trestle::Type::Int64},
                          {"f32", trestle::Type::Float32},
                          {"f64", trestle::Type::Float64},
                          {"s", trestle::Type::Utf8},
                          {"ts", trestle::Type::TimestampUs}});
}

/// Three rows of every type; row 1 is null everywhere.
std::shared_ptr<const trestle::Batch> AllTypesBatch() {
  trestle::ColumnBuilder b(trestle::Type::Bool), i32(trestle::Type::Int32), i64(trestle::Type::Int64),
      f32(trestle::Type::Float32), f64(trestle::Type::Float64), s(trestle::Type::Utf8), ts(trestle::Type::TimestampUs);
  b.append_bool(true);
  i32.append_i32(INT32_MIN);
  i64.append_i64(INT64_MAX);
  f32.append_f32(0.1f);
  f64.append_f64(0.1);
  s.append_str("h\xc3\xa9llo \"q\"");
  ts.append_ts(1796083200LL * 1000000 + 250000);
  for (auto* c : {&b, &i32, &i64, &f32, &f64, &s, &ts}) c->append_null();
  b.append_bool(false);
  i32.append_i32(7);
  i64.append_i64(INT64_MIN);
  f32.append_f32(-3.5f);
  f64.append_f64(1e300);
  s.append_str("");
  ts.append_ts(-1);
  return std::make_shared<trestle::Batch>(
      AllTypes(), std::vector<trestle::Column>{b.finish(), i32.finish(), i64.finish(), f32.finish(), f64.finish(), s.finish(), ts.finish()});
}

std::vector<RowOutcome> Answered(const std::shared_ptr<const trestle::Batch>& batch) {
  std::vector<RowOutcome> rows;
  for (int64_t r = 0; r < batch->num_rows(); ++r) rows.push_back({batch, r, "", "", ""});
  return rows;
}

Json Decode(const std::string& body) {
  Json j = Json::parse(body, nullptr, /*allow_exceptions=*/false);
  EXPECT_FALSE(j.is_discarded()) << body;
  return j;
}

InferRequest Req(InferForm form, std::string id = "", std::vector<std::string> outputs = {}) {
  InferRequest r;
  r.form = form;
  r.id = std::move(id);
  r.outputs = std::move(outputs);
  return r;
}

uint32_t Bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, sizeof u);
  return u;
}

TEST(V2Datatype, OfEveryColumnType) {
  EXPECT_STREQ(V2Datatype(trestle::Type::Bool), "BOOL");
  EXPECT_STREQ(V2Datatype(trestle::Type::Int32), "INT32");
  EXPECT_STREQ(V2Datatype(trestle::Type::Int64), "INT64");
  EXPECT_STREQ(V2Datatype(trestle::Type::Float32), "FP32");
  EXPECT_STREQ(V2Datatype(trestle::Type::Float64), "FP64");
  EXPECT_STREQ(V2Datatype(trestle::Type::Utf8), "BYTES");
  EXPECT_STREQ(V2Datatype(trestle::Type::TimestampUs), "BYTES");
}

TEST(EncodeInferResponseV2, OneOutputPerResponseColumnWithEveryType) {
  auto batch = AllTypesBatch();
  const std::string body = EncodeInferResponse(Req(InferForm::kV2, "req-1"), "churn", "3", AllTypes(), Answered(batch));
  // The protocol's order, model_name first.
  EXPECT_EQ(body.rfind(R"({"model_name":"churn","model_version":"3","id":"req-1","outputs":[)", 0), 0u) << body;
  Json j = Decode(body);
  EXPECT_FALSE(j.contains("parameters"));
  const Json& out = j["outputs"];
  ASSERT_EQ(out.size(), 7u);
  const char* types[] = {"BOOL", "INT32", "INT64", "FP32", "FP64", "BYTES", "BYTES"};
  for (size_t i = 0; i < 7; ++i) {
    EXPECT_EQ(out[i]["name"], AllTypes().field(i).name);
    EXPECT_EQ(out[i]["datatype"], types[i]);
    EXPECT_EQ(out[i]["shape"], Json::array({3}));
    ASSERT_EQ(out[i]["data"].size(), 3u);
    EXPECT_TRUE(out[i]["data"][1].is_null()) << i;
  }
  EXPECT_EQ(out[0]["data"][0], true);
  EXPECT_EQ(out[0]["data"][2], false);
  EXPECT_EQ(out[1]["data"][0].get<int64_t>(), INT32_MIN);
  EXPECT_EQ(out[1]["data"][2].get<int64_t>(), 7);
  EXPECT_EQ(out[2]["data"][0].get<int64_t>(), INT64_MAX);
  EXPECT_EQ(out[2]["data"][2].get<int64_t>(), INT64_MIN);
  EXPECT_EQ(static_cast<float>(out[3]["data"][0].get<double>()), 0.1f);
  EXPECT_EQ(out[3]["data"][2].get<double>(), -3.5);
  EXPECT_EQ(out[4]["data"][0].get<double>(), 0.1);
  EXPECT_EQ(out[4]["data"][2].get<double>(), 1e300);
  EXPECT_EQ(out[5]["data"][0], "h\xc3\xa9llo \"q\"");
  EXPECT_EQ(out[5]["data"][2], "");
  EXPECT_EQ(out[6]["data"][0], "2026-12-01T00:00:00.250000Z");
  EXPECT_EQ(out[6]["data"][2], "1969-12-31T23:59:59.999999Z");
}

TEST(EncodeInferResponseV2, Float32IsRecoveredBitForBit) {
  std::mt19937 rng(42);
  trestle::ColumnBuilder f(trestle::Type::Float32);
  std::vector<float> want = {0.1f, 1.0f / 3, std::numeric_limits<float>::min(), std::numeric_limits<float>::denorm_min(),
                             std::numeric_limits<float>::max(), -0.0f, 16777217.0f, 3.4028233e38f};
  while (want.size() < 5000) {
    const uint32_t u = rng();
    float v;
    std::memcpy(&v, &u, sizeof v);
    if (std::isfinite(v)) want.push_back(v);
  }
  for (float v : want) f.append_f32(v);
  trestle::Schema s({{"f", trestle::Type::Float32}});
  auto batch = std::make_shared<trestle::Batch>(s, std::vector<trestle::Column>{f.finish()});
  Json j = Decode(EncodeInferResponse(Req(InferForm::kV2), "m", "1", s, Answered(batch)));
  const Json& data = j["outputs"][0]["data"];
  ASSERT_EQ(data.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i)
    ASSERT_EQ(Bits(static_cast<float>(data[i].get<double>())), Bits(want[i])) << "value " << want[i] << " written as " << data[i].dump();

  // And back in: the written numbers parse to the same floats.
  const std::string request = R"({"inputs": [{"name": "f", "datatype": "FP32", "shape": [)" + std::to_string(want.size()) +
                              R"(], "data": )" + data.dump() + "}]}";
  auto req = ParseInferRequest(request, s, s);
  ASSERT_TRUE(req.ok()) << req.status().message();
  for (size_t i = 0; i < want.size(); ++i) ASSERT_EQ(Bits(req->rows.column(0).f32(static_cast<int64_t>(i))), Bits(want[i]));
}

TEST(EncodeInferResponseV2, TimestampsAreWrittenAsIsoTimestampMicrosWrites) {
  // Edges: the epoch, leap days, century years, the first and last four-digit years,
  // and values whose year has no four digits.
  std::vector<int64_t> micros = {0, -1, 1, 951782400000000, 951868799999999, -2203891200000000, 4107456000000000,
                                 4107542399999999, -62167219200000000, 253402300799999999, 253402300800000000,
                                 -62167219200000001, INT64_MAX, INT64_MIN};
  std::mt19937_64 rng(7);
  std::uniform_int_distribution<int64_t> any(-62167219200000000, 253402300799999999);
  while (micros.size() < 20000) micros.push_back(any(rng));
  trestle::ColumnBuilder ts(trestle::Type::TimestampUs);
  for (int64_t m : micros) ts.append_ts(m);
  trestle::Schema s({{"ts", trestle::Type::TimestampUs}});
  auto batch = std::make_shared<trestle::Batch>(s, std::vector<trestle::Column>{ts.finish()});
  Json j = Decode(EncodeInferResponse(Req(InferForm::kV2), "m", "1", s, Answered(batch)));
  const Json& data = j["outputs"][0]["data"];
  ASSERT_EQ(data.size(), micros.size());
  for (size_t i = 0; i < micros.size(); ++i) ASSERT_EQ(data[i], IsoTimestampMicros(micros[i])) << micros[i];
  EXPECT_EQ(data[3], "2000-02-29T00:00:00.000000Z");
  EXPECT_EQ(data[8], "0000-01-01T00:00:00.000000Z");
  EXPECT_EQ(data[9], "9999-12-31T23:59:59.999999Z");
}

TEST(EncodeInferResponseV2, NonFiniteFloatsAreNull) {
  trestle::ColumnBuilder f(trestle::Type::Float32), d(trestle::Type::Float64);
  f.append_f32(std::numeric_limits<float>::quiet_NaN());
  f.append_f32(-std::numeric_limits<float>::infinity());
  d.append_f64(std::numeric_limits<double>::infinity());
  d.append_f64(std::numeric_limits<double>::quiet_NaN());
  trestle::Schema s({{"f", trestle::Type::Float32}, {"d", trestle::Type::Float64}});
  auto batch = std::make_shared<trestle::Batch>(s, std::vector<trestle::Column>{f.finish(), d.finish()});
  Json j = Decode(EncodeInferResponse(Req(InferForm::kV2), "m", "1", s, Answered(batch)));
  for (int o = 0; o < 2; ++o)
    for (int r = 0; r < 2; ++r) EXPECT_TRUE(j["outputs"][o]["data"][r].is_null()) << o << "," << r;
}

TEST(EncodeInferResponseV2, InvalidUtf8StaysValidJson) {
  trestle::ColumnBuilder s(trestle::Type::Utf8);
  s.append_str("ok\xff\xfe!");
  trestle::Schema schema({{"s", trestle::Type::Utf8}});
  auto batch = std::make_shared<trestle::Batch>(schema, std::vector<trestle::Column>{s.finish()});
  Json j = Decode(EncodeInferResponse(Req(InferForm::kV2), "m", "1", schema, Answered(batch)));
  EXPECT_EQ(j["outputs"][0]["data"][0], "ok\xef\xbf\xbd\xef\xbf\xbd!");
  Json k = Decode(EncodeInferResponse(Req(InferForm::kInstances), "m", "1", schema, Answered(batch)));
  EXPECT_EQ(k["predictions"][0]["s"], "ok\xef\xbf\xbd\xef\xbf\xbd!");
}

TEST(EncodeInferResponseV2, OnlyTheRequestedOutputsInTheirOrder) {
  auto batch = AllTypesBatch();
  Json j = Decode(EncodeInferResponse(Req(InferForm::kV2, "", {"ts", "b"}), "m", "1", AllTypes(), Answered(batch)));
  EXPECT_FALSE(j.contains("id"));
  ASSERT_EQ(j["outputs"].size(), 2u);
  EXPECT_EQ(j["outputs"][0]["name"], "ts");
  EXPECT_EQ(j["outputs"][1]["name"], "b");
  EXPECT_EQ(j["outputs"][1]["data"], Json::parse("[true, null, false]"));
}

TEST(EncodeInferResponseV2, RowsNotAnsweredAreNullAndListedInRowErrors) {
  auto a = AllTypesBatch(), b = AllTypesBatch();
  std::vector<RowOutcome> rows = {{b, 2, "", "", ""},
                                  {nullptr, -1, "score", "DATA_ERROR", "age is negative"},
                                  {a, 0, "", "", ""},
                                  {nullptr, -1, "validate", "INVALID_ARGUMENT", "plan \"x\" unknown"}};
  const std::string body = EncodeInferResponse(Req(InferForm::kV2, "r"), "m", "1", AllTypes(), rows);
  Json j = Decode(body);
  const Json& i32 = j["outputs"][1];
  EXPECT_EQ(i32["shape"], Json::array({4}));
  EXPECT_EQ(i32["data"], Json::parse("[7, null, -2147483648, null]"));
  for (const Json& out : j["outputs"]) {
    EXPECT_TRUE(out["data"][1].is_null());
    EXPECT_TRUE(out["data"][3].is_null());
  }
  EXPECT_EQ(j["parameters"], Json::parse(R"({"row_errors": [
      {"row": 1, "node": "score", "code": "DATA_ERROR", "reason": "age is negative"},
      {"row": 3, "node": "validate", "code": "INVALID_ARGUMENT", "reason": "plan \"x\" unknown"}]})"));
  EXPECT_NE(body.find(R"({"row":1,"node":"score","code":"DATA_ERROR","reason":"age is negative"})"), std::string::npos) << body;
}

TEST(EncodeInferResponseV2, ColumnsMissingFromTheRowsBatchOrRowsOutsideItAreNull) {
  trestle::ColumnBuilder other(trestle::Type::Int64);
  other.append_i64(1);
  auto batch = std::make_shared<trestle::Batch>(trestle::Schema({{"other", trestle::Type::Int64}}),
                                                std::vector<trestle::Column>{other.finish()});
  auto full = AllTypesBatch();
  std::vector<RowOutcome> rows = {{batch, 0, "", "", ""}, {full, 3, "", "", ""}, {full, -1, "", "", ""}, {full, 0, "", "", ""}};
  Json j = Decode(EncodeInferResponse(Req(InferForm::kV2), "m", "1", AllTypes(), rows));
  EXPECT_EQ(j["outputs"][2]["data"], Json::parse("[null, null, null, 9223372036854775807]"));
  EXPECT_FALSE(j.contains("parameters"));  // those rows were answered
}

TEST(EncodeInferResponseInstances, OnePredictionPerRow) {
  auto batch = AllTypesBatch();
  std::vector<RowOutcome> rows = Answered(batch);
  rows.insert(rows.begin() + 1, RowOutcome{nullptr, -1, "score", "DATA_ERROR", "bad"});
  const std::string body = EncodeInferResponse(Req(InferForm::kInstances, "q"), "churn", "", AllTypes(), rows);
  EXPECT_EQ(body.rfind(R"({"model_name":"churn","model_version":"","id":"q","predictions":[{"b":true,"i32":-2147483648,)", 0), 0u)
      << body;
  Json j = Decode(body);
  const Json& p = j["predictions"];
  ASSERT_EQ(p.size(), 4u);
  EXPECT_EQ(p[0]["i64"].get<int64_t>(), INT64_MAX);
  EXPECT_EQ(static_cast<float>(p[0]["f32"].get<double>()), 0.1f);
  EXPECT_EQ(p[0]["ts"], "2026-12-01T00:00:00.250000Z");
  EXPECT_EQ(p[0]["s"], "h\xc3\xa9llo \"q\"");
  EXPECT_EQ(p[1], Json::parse(R"({"error": {"node": "score", "code": "DATA_ERROR", "reason": "bad"}})"));
  ASSERT_EQ(p[2].size(), 7u);
  for (const auto& [k, v] : p[2].items()) EXPECT_TRUE(v.is_null()) << k;
  EXPECT_EQ(p[3]["b"], false);
  EXPECT_EQ(p[3]["ts"], "1969-12-31T23:59:59.999999Z");
}

TEST(InferCodecRoundTrip, EveryColumnTypeThroughRequestAndResponse) {
  const std::string request = R"({"inputs": [
    {"name": "b", "shape": [3], "datatype": "BOOL", "data": [true, null, false]},
    {"name": "i32", "shape": [3], "datatype": "INT32", "data": [-2147483648, null, 7]},
    {"name": "i64", "shape": [3], "datatype": "INT64", "data": [9223372036854775807, null, -9223372036854775808]},
    {"name": "f32", "shape": [3], "datatype": "FP32", "data": [0.10000000149011612, null, -3.5]},
    {"name": "f64", "shape": [3], "datatype": "FP64", "data": [0.1, null, 1e+300]},
    {"name": "s", "shape": [3], "datatype": "BYTES", "data": ["h\u00e9llo \"q\"", null, ""]},
    {"name": "ts", "shape": [3], "datatype": "BYTES", "data": ["2026-12-01T00:00:00.250000Z", null, "1969-12-31T23:59:59.999999Z"]}
  ]})";
  auto req = ParseInferRequest(request, AllTypes(), AllTypes());
  ASSERT_TRUE(req.ok()) << req.status().message();
  auto rows = std::make_shared<trestle::Batch>(req->rows);
  Json in = Json::parse(request);
  Json out = Decode(EncodeInferResponse(*req, "m", "1", AllTypes(), Answered(rows)));
  ASSERT_EQ(out["outputs"].size(), 7u);
  for (size_t i = 0; i < 7; ++i) {
    EXPECT_EQ(out["outputs"][i]["name"], in["inputs"][i]["name"]);
    EXPECT_EQ(out["outputs"][i]["datatype"], in["inputs"][i]["datatype"]);
    EXPECT_EQ(out["outputs"][i]["data"], in["inputs"][i]["data"]) << out["outputs"][i]["name"];
  }
  // And the instances form of the same rows.
  Json instances = Decode(EncodeInferResponse(Req(InferForm::kInstances), "m", "1", AllTypes(), Answered(rows)));
  auto again = ParseInferRequest(R"({"instances": )" + instances["predictions"].dump() + "}", AllTypes(), AllTypes());
  ASSERT_TRUE(again.ok()) << again.status().message();
  Json out2 = Decode(EncodeInferResponse(Req(InferForm::kV2), "m", "1", AllTypes(), Answered(std::make_shared<trestle::Batch>(again->rows))));
  EXPECT_EQ(out2["outputs"], out["outputs"]);
}

TEST(EncodeError, IsTheV2ErrorBody) {
  EXPECT_EQ(EncodeError("inputs[0].name: missing"), R"({"error":"inputs[0].name: missing"})");
  Json j = Decode(EncodeError("bad \"quote\" and \xff byte"));
  EXPECT_EQ(j["error"], "bad \"quote\" and \xef\xbf\xbd byte");
}

TEST(EncodeModelMetadata, NamesVersionsAndTensors) {
  trestle::Schema in({{"age", trestle::Type::Float64}, {"signup", trestle::Type::TimestampUs}});
  trestle::Schema out({{"score", trestle::Type::Float32}, {"churn", trestle::Type::Bool}});
  const std::string body = EncodeModelMetadata("churn", {"3", "4"}, in, out);
  EXPECT_EQ(body, R"({"name":"churn","versions":["3","4"],"platform":"trestle",)"
                  R"("inputs":[{"name":"age","datatype":"FP64","shape":[-1]},{"name":"signup","datatype":"BYTES","shape":[-1]}],)"
                  R"("outputs":[{"name":"score","datatype":"FP32","shape":[-1]},{"name":"churn","datatype":"BOOL","shape":[-1]}]})");
  Json none = Decode(EncodeModelMetadata("m", {}, trestle::Schema(), trestle::Schema()));
  EXPECT_EQ(none["versions"], Json::array());
  EXPECT_EQ(none["inputs"], Json::array());
}

}  // namespace
}  // namespace trestle::core
