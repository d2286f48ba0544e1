// ParseInferRequest: the KServe v2 and instances request forms, and every refusal's path.

#include "serve/infer_codec.h"

#include <cstring>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace trestle::core {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

trestle::Schema Churn() {
  return trestle::Schema({{"age", trestle::Type::Float64},
                          {"plan", trestle::Type::Utf8},
                          {"tenure_months", trestle::Type::Int64}});
}

trestle::Schema Scores() {
  return trestle::Schema({{"score", trestle::Type::Float64}, {"label", trestle::Type::Utf8}, {"churn", trestle::Type::Bool}});
}

/// One column called "x" of type t.
trestle::Schema One(trestle::Type t, bool nullable = true) { return trestle::Schema({{"x", t, nullable}}); }

/// A v2 body with the single input "x".
std::string V2(const std::string& datatype, const std::string& data, const std::string& shape) {
  return R"({"inputs": [{"name": "x", "datatype": ")" + datatype + R"(", "shape": )" + shape + R"(, "data": )" + data + "}]}";
}

InferRequest Parse(const std::string& body, const trestle::Schema& schema, const trestle::Schema& response = Scores()) {
  auto r = ParseInferRequest(body, schema, response);
  EXPECT_TRUE(r.ok()) << r.status().message() << "\nbody: " << body;
  if (!r.ok()) return InferRequest{};
  return std::move(r).value();
}

/// The message of a refused body (and that it is INVALID_ARGUMENT).
std::string Refusal(const std::string& body, const trestle::Schema& schema, const trestle::Schema& response = Scores()) {
  auto r = ParseInferRequest(body, schema, response);
  EXPECT_FALSE(r.ok()) << "accepted: " << body;
  if (r.ok()) return "";
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
  return r.status().message();
}

const char* kChurnV2 = R"({
  "id": "req-1",
  "inputs": [
    {"name": "tenure_months", "shape": [2], "datatype": "INT64", "data": [3, 48]},
    {"name": "age", "shape": [2, 1], "datatype": "FP64", "data": [[31.5], [62]]},
    {"name": "plan", "shape": [2], "datatype": "BYTES", "data": ["basic", "pro"]}
  ]
})";

TEST(ParseInferRequestV2, ReadsEachInputAsOneColumnInTheSchemasOrder) {
  InferRequest req = Parse(kChurnV2, Churn());
  EXPECT_EQ(req.form, InferForm::kV2);
  EXPECT_EQ(req.id, "req-1");
  EXPECT_FALSE(req.timeout_ms.has_value());
  EXPECT_TRUE(req.outputs.empty());
  ASSERT_EQ(req.rows.num_rows(), 2);
  EXPECT_EQ(req.rows.schema(), Churn());
  EXPECT_EQ(req.rows.column("age").f64(0), 31.5);
  EXPECT_EQ(req.rows.column("age").f64(1), 62.0);
  EXPECT_EQ(req.rows.column("plan").str(1), "pro");
  EXPECT_EQ(req.rows.column("tenure_months").i64(0), 3);
  EXPECT_EQ(req.rows.column("tenure_months").i64(1), 48);
}

TEST(ParseInferRequestV2, ReadsEveryColumnTypeAndNulls) {
  trestle::Schema s({{"b", trestle::Type::Bool},
                     {"i32", trestle::Type::Int32},
                     {"i64", trestle::Type::Int64},
                     {"f32", trestle::Type::Float32},
                     {"f64", trestle::Type::Float64},
                     {"s", trestle::Type::Utf8},
                     {"ts", trestle::Type::TimestampUs}});
  InferRequest req = Parse(R"({"inputs": [
    {"name": "b", "shape": [3], "datatype": "BOOL", "data": [true, null, false]},
    {"name": "i32", "shape": [3], "datatype": "INT32", "data": [-2147483648, 2147483647, null]},
    {"name": "i64", "shape": [3], "datatype": "INT64", "data": [null, -9223372036854775808, 9223372036854775807]},
    {"name": "f32", "shape": [3], "datatype": "FP32", "data": [0.10000000149011612, null, -3.5]},
    {"name": "f64", "shape": [3], "datatype": "FP64", "data": [0.1, 1e300, null]},
    {"name": "s", "shape": [3], "datatype": "BYTES", "data": ["h\u00e9llo", "", null]},
    {"name": "ts", "shape": [3], "datatype": "BYTES", "data": ["1970-01-01T00:00:01.5Z", null, "2026-12-01"]}
  ]})",
                           s);
  ASSERT_EQ(req.rows.num_rows(), 3);
  const auto& b = req.rows.column("b");
  EXPECT_TRUE(b.bool_at(0));
  EXPECT_TRUE(b.is_null(1));
  EXPECT_FALSE(b.bool_at(2));
  const auto& i32 = req.rows.column("i32");
  EXPECT_EQ(i32.i32(0), INT32_MIN);
  EXPECT_EQ(i32.i32(1), INT32_MAX);
  EXPECT_TRUE(i32.is_null(2));
  const auto& i64 = req.rows.column("i64");
  EXPECT_TRUE(i64.is_null(0));
  EXPECT_EQ(i64.i64(1), INT64_MIN);
  EXPECT_EQ(i64.i64(2), INT64_MAX);
  const auto& f32 = req.rows.column("f32");
  EXPECT_EQ(f32.f32(0), 0.1f);
  EXPECT_TRUE(f32.is_null(1));
  EXPECT_EQ(f32.f32(2), -3.5f);
  const auto& f64 = req.rows.column("f64");
  EXPECT_EQ(f64.f64(0), 0.1);
  EXPECT_EQ(f64.f64(1), 1e300);
  EXPECT_TRUE(f64.is_null(2));
  const auto& str = req.rows.column("s");
  EXPECT_EQ(str.str(0), "h\xc3\xa9llo");
  EXPECT_EQ(str.str(1), "");
  EXPECT_TRUE(str.is_null(2));
  const auto& ts = req.rows.column("ts");
  EXPECT_EQ(ts.ts(0), 1500000);
  EXPECT_TRUE(ts.is_null(1));
  EXPECT_EQ(ts.ts(2), 1796083200LL * 1000000);
}

TEST(ParseInferRequestV2, FlattensNestedRowMajorData) {
  InferRequest a = Parse(V2("INT64", "[[1], [2], [3]]", "[3, 1]"), One(trestle::Type::Int64));
  ASSERT_EQ(a.rows.num_rows(), 3);
  EXPECT_EQ(a.rows.column(0).i64(2), 3);
  InferRequest b = Parse(V2("INT64", "[[1, 2], [3, 4]]", "[4]"), One(trestle::Type::Int64));
  ASSERT_EQ(b.rows.num_rows(), 4);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(b.rows.column(0).i64(i), i + 1);
  InferRequest c = Parse(V2("INT64", "[[[1]], [[2]]]", "[2, 1]"), One(trestle::Type::Int64));
  EXPECT_EQ(c.rows.column(0).i64(1), 2);
}

TEST(ParseInferRequestV2, RefusesRaggedNesting) {
  const auto t = trestle::Type::Int64;
  EXPECT_THAT(Refusal(V2("INT64", "[[1], [2, 3]]", "[3]"), One(t)), StartsWith("inputs[0].data[1]: ragged nested data: 2 values here, 1"));
  EXPECT_THAT(Refusal(V2("INT64", "[[1], 2]", "[2]"), One(t)),
              StartsWith("inputs[0].data[1]: ragged nested data: a value where the others at this level are arrays"));
  EXPECT_THAT(Refusal(V2("INT64", "[1, [2]]", "[2]"), One(t)),
              StartsWith("inputs[0].data[1]: ragged nested data: an array where the others at this level are values"));
  EXPECT_THAT(Refusal(V2("INT64", "[[[1]], [[2], [3]]]", "[3]"), One(t)), StartsWith("inputs[0].data[1]: ragged nested data"));
}

TEST(ParseInferRequestV2, ShapeIsOneColumnOfNRowsAndMatchesTheData) {
  const auto t = trestle::Type::Int64;
  for (const char* bad : {"[2, 2]", "[]", "[2, 1, 1]", "[\"2\"]", "[-1]", "[1.5]", "2", "{}"})
    EXPECT_THAT(Refusal(V2("INT64", "[1, 2]", bad), One(t)), StartsWith("inputs[0].shape: expected [n] or [n, 1]")) << bad;
  EXPECT_THAT(Refusal(V2("INT64", "[]", "[0]"), One(t)), StartsWith("inputs[0].shape: no rows"));
  EXPECT_EQ(Refusal(V2("INT64", "[1, 2, 3]", "[2]"), One(t)), "inputs[0].data: 3 values, but shape [2] holds 2");
  EXPECT_EQ(Refusal(V2("INT64", "[[1], [2]]", "[3, 1]"), One(t)), "inputs[0].data: 2 values, but shape [3, 1] holds 3");
  EXPECT_THAT(Refusal(R"({"inputs": [{"name": "x", "datatype": "INT64", "data": [1]}]})", One(t)),
              StartsWith("inputs[0].shape: missing"));
}

TEST(ParseInferRequestV2, EveryInputHasTheSameRows) {
  EXPECT_EQ(Refusal(R"({"inputs": [
    {"name": "age", "shape": [2], "datatype": "FP64", "data": [1, 2]},
    {"name": "plan", "shape": [3], "datatype": "BYTES", "data": ["a", "b", "c"]},
    {"name": "tenure_months", "shape": [2], "datatype": "INT64", "data": [1, 2]}]})",
                    Churn()),
            "inputs[1].shape: 3 rows, but inputs[0] has 2; every input has the same number of rows");
}

TEST(ParseInferRequestV2, InputNamesAreKnownDistinctAndComplete) {
  EXPECT_EQ(Refusal(R"({"inputs": [
    {"name": "age", "shape": [1], "datatype": "FP64", "data": [1]},
    {"name": "plan", "shape": [1], "datatype": "BYTES", "data": ["a"]},
    {"name": "foo", "shape": [1], "datatype": "INT64", "data": [1]}]})",
                    Churn()),
            R"(inputs[2].name: unknown input "foo"; the inputs are: age, plan, tenure_months)");
  EXPECT_EQ(Refusal(R"({"inputs": [
    {"name": "age", "shape": [1], "datatype": "FP64", "data": [1]},
    {"name": "plan", "shape": [1], "datatype": "BYTES", "data": ["a"]},
    {"name": "age", "shape": [1], "datatype": "FP64", "data": [2]}]})",
                    Churn()),
            R"(inputs[2].name: input "age" appears twice (also inputs[0]))");
  EXPECT_EQ(Refusal(R"({"inputs": [
    {"name": "age", "shape": [1], "datatype": "FP64", "data": [1]},
    {"name": "plan", "shape": [1], "datatype": "BYTES", "data": ["a"]}]})",
                    Churn()),
            R"(inputs: input "tenure_months" is missing; every input is required)");
  EXPECT_EQ(Refusal(R"({"inputs": [{"shape": [1], "datatype": "FP64", "data": [1]}]})", Churn()), "inputs[0].name: missing");
  EXPECT_EQ(Refusal(R"({"inputs": [{"name": 7, "shape": [1], "datatype": "FP64", "data": [1]}]})", Churn()),
            "inputs[0].name: expected a string, got 7");
}

TEST(ParseInferRequestV2, DatatypeMustFitTheColumn) {
  EXPECT_EQ(Refusal(R"({"inputs": [
    {"name": "age", "shape": [1], "datatype": "FP64", "data": [1]},
    {"name": "tenure_months", "shape": [1], "datatype": "BYTES", "data": ["12"]},
    {"name": "plan", "shape": [1], "datatype": "BYTES", "data": ["a"]}]})",
                    Churn()),
            R"(inputs[1].datatype: BYTES does not fit column "tenure_months" (int64); use INT64)");

  struct Case {
    trestle::Type column;
    const char* datatype;
    const char* value;
    bool fits;
  };
  const auto f32 = trestle::Type::Float32, f64 = trestle::Type::Float64, i32 = trestle::Type::Int32,
             i64 = trestle::Type::Int64, b = trestle::Type::Bool, s = trestle::Type::Utf8, ts = trestle::Type::TimestampUs;
  const Case cases[] = {
      {f64, "INT8", "1", true},    {f64, "INT16", "1", true},   {f64, "INT32", "1", true},  {f64, "INT64", "1", true},
      {f64, "UINT8", "1", true},   {f64, "UINT16", "1", true},  {f64, "UINT32", "1", true}, {f64, "UINT64", "1", true},
      {f64, "FP16", "1.5", true},  {f32, "FP32", "1.5", true},  {f32, "FP64", "1.5", true}, {f64, "BOOL", "true", false},
      {f64, "BYTES", "\"1\"", false}, {i32, "INT8", "1", true}, {i32, "UINT64", "1", true}, {i64, "UINT8", "1", true},
      {i64, "INT64", "1", true},   {i64, "FP32", "1", false},   {i32, "FP64", "1", false},  {i64, "BOOL", "true", false},
      {b, "BOOL", "true", true},   {b, "INT8", "1", false},     {b, "BYTES", "\"true\"", false},
      {s, "BYTES", "\"a\"", true}, {s, "INT64", "1", false},    {s, "BOOL", "true", false},
      {ts, "BYTES", "\"2026-12-01\"", true}, {ts, "INT64", "1", true}, {ts, "INT32", "1", false}, {ts, "FP64", "1", false},
  };
  for (const auto& c : cases) {
    const std::string body = V2(c.datatype, std::string("[") + c.value + "]", "[1]");
    const std::string where = std::string(type_name(c.column)) + " " + c.datatype;
    if (c.fits) {
      Parse(body, One(c.column));
    } else {
      EXPECT_THAT(Refusal(body, One(c.column)),
                  StartsWith(std::string("inputs[0].datatype: ") + c.datatype + " does not fit column \"x\" (" + type_name(c.column) + ")"))
          << where;
    }
  }
  EXPECT_EQ(Refusal(V2("BOOL", "[1]", "[1]"), One(ts)),
            R"(inputs[0].datatype: BOOL does not fit column "x" (timestamp[us]); use BYTES (ISO-8601 text) or INT64 (microseconds))");
  EXPECT_EQ(Refusal(V2("FLOAT", "[1]", "[1]"), One(f32)),
            R"(inputs[0].datatype: "FLOAT" is not a KServe v2 datatype (BOOL, INT8..INT64, UINT8..UINT64, FP16, FP32, FP64, BYTES); use FP32)");
  EXPECT_THAT(Refusal(R"({"inputs": [{"name": "x", "shape": [1], "data": [1]}]})", One(f32)),
              StartsWith("inputs[0].datatype: missing; use FP32"));
  EXPECT_EQ(Refusal(R"({"inputs": [{"name": "x", "shape": [1], "datatype": 5, "data": [1]}]})", One(f32)),
            "inputs[0].datatype: expected a string, got 5");
}

TEST(ParseInferRequestV2, IntegerValuesMustBeIntegersInRange) {
  EXPECT_EQ(Refusal(R"({"inputs": [
    {"name": "age", "shape": [6], "datatype": "FP64", "data": [1, 2, 3, 4, 5, 6]},
    {"name": "plan", "shape": [6], "datatype": "BYTES", "data": ["a", "b", "c", "d", "e", "f"]},
    {"name": "tenure_months", "shape": [6], "datatype": "INT64", "data": [1, 2, 3, 4, 5, "abc"]}]})",
                    Churn()),
            R"(inputs[2].data[5]: expected an integer for INT64 input "tenure_months", got "abc")");
  const auto i32 = trestle::Type::Int32, i64 = trestle::Type::Int64, f64 = trestle::Type::Float64;
  EXPECT_EQ(Refusal(V2("INT64", "[1, 1.5]", "[2]"), One(i64)), R"(inputs[0].data[1]: expected an integer for INT64 input "x", got 1.5)");
  EXPECT_EQ(Refusal(V2("INT64", "[true]", "[1]"), One(i64)), R"(inputs[0].data[0]: expected an integer for INT64 input "x", got true)");
  EXPECT_EQ(Refusal(V2("INT64", "[[1], [2.0]]", "[2, 1]"), One(i64)),
            R"(inputs[0].data[1][0]: expected an integer for INT64 input "x", got 2.0)");
  // The column's range: an INT64 tensor into an int32 column.
  InferRequest edge = Parse(V2("INT64", "[2147483647, -2147483648]", "[2]"), One(i32));
  EXPECT_EQ(edge.rows.column(0).i32(0), INT32_MAX);
  EXPECT_EQ(edge.rows.column(0).i32(1), INT32_MIN);
  EXPECT_EQ(Refusal(V2("INT64", "[2147483648]", "[1]"), One(i32)), R"(inputs[0].data[0]: 2147483648 is out of range for int32 column "x")");
  EXPECT_EQ(Refusal(V2("INT64", "[-2147483649]", "[1]"), One(i32)), R"(inputs[0].data[0]: -2147483649 is out of range for int32 column "x")");
  EXPECT_EQ(Refusal(V2("UINT64", "[9223372036854775808]", "[1]"), One(i64)),
            R"(inputs[0].data[0]: 9223372036854775808 is out of range for int64 column "x")");
  // The declared datatype's range.
  EXPECT_EQ(Refusal(V2("INT8", "[127, 128]", "[2]"), One(i64)), R"(inputs[0].data[1]: 128 is out of range for INT8 input "x")");
  EXPECT_EQ(Refusal(V2("UINT8", "[-1]", "[1]"), One(i64)), R"(inputs[0].data[0]: -1 is out of range for UINT8 input "x")");
  EXPECT_EQ(Refusal(V2("INT32", "[3000000000]", "[1]"), One(f64)), R"(inputs[0].data[0]: 3000000000 is out of range for INT32 input "x")");
  EXPECT_THAT(Refusal(V2("INT64", "[99999999999999999999]", "[1]"), One(i64)),
              HasSubstr("is out of range for INT64 input \"x\""));
  EXPECT_THAT(Refusal(V2("INT64", "[1e30]", "[1]"), One(i64)), HasSubstr("is out of range for INT64 input \"x\""));
  // Integer tensors into a float column keep their value.
  InferRequest f = Parse(V2("UINT64", "[18446744073709551615, 7]", "[2]"), One(f64));
  EXPECT_EQ(f.rows.column(0).f64(0), 18446744073709551615.0);
  EXPECT_EQ(f.rows.column(0).f64(1), 7.0);
  EXPECT_EQ(Refusal(V2("INT32", "[1.5]", "[1]"), One(f64)), R"(inputs[0].data[0]: expected an integer for INT32 input "x", got 1.5)");
}

TEST(ParseInferRequestV2, FloatValuesMustBeNumbersInRange) {
  const auto f32 = trestle::Type::Float32, f64 = trestle::Type::Float64;
  EXPECT_EQ(Refusal(V2("FP64", "[1, \"2\"]", "[2]"), One(f64)), R"(inputs[0].data[1]: expected a number for FP64 input "x", got "2")");
  EXPECT_EQ(Refusal(V2("FP32", "[1e300]", "[1]"), One(f64)), R"(inputs[0].data[0]: 1e+300 is out of range for FP32 input "x")");
  EXPECT_EQ(Refusal(V2("FP64", "[-1e300]", "[1]"), One(f32)), R"(inputs[0].data[0]: -1e+300 is out of range for float32 column "x")");
  EXPECT_EQ(Refusal(V2("FP16", "[70000]", "[1]"), One(f32)), R"(inputs[0].data[0]: 70000 is out of range for FP16 input "x")");
  InferRequest ok = Parse(V2("FP16", "[65504, -2, 3]", "[3]"), One(f32));
  EXPECT_EQ(ok.rows.column(0).f32(0), 65504.0f);
  EXPECT_EQ(ok.rows.column(0).f32(1), -2.0f);
  InferRequest big = Parse(V2("FP64", "[1.7976931348623157e308, 5e-324]", "[2]"), One(f64));
  EXPECT_EQ(big.rows.column(0).f64(0), 1.7976931348623157e308);
  EXPECT_EQ(big.rows.column(0).f64(1), 5e-324);
}

TEST(ParseInferRequestV2, BoolAndStringValues) {
  EXPECT_EQ(Refusal(V2("BOOL", "[true, 1]", "[2]"), One(trestle::Type::Bool)),
            R"(inputs[0].data[1]: expected true or false for BOOL input "x", got 1)");
  EXPECT_EQ(Refusal(V2("BYTES", "[\"a\", 5]", "[2]"), One(trestle::Type::Utf8)),
            R"(inputs[0].data[1]: expected a string for BYTES input "x", got 5)");
  EXPECT_EQ(Refusal(V2("BYTES", "[[\"a\"], [\"b\"]]", "[1]"), One(trestle::Type::Utf8)), "inputs[0].data: 2 values, but shape [1] holds 1");
}

TEST(ParseInferRequestV2, TimestampsAreIsoTextOrInt64Microseconds) {
  const auto ts = trestle::Type::TimestampUs;
  InferRequest req = Parse(V2("BYTES", R"(["2026-12-01T10:00:00Z", "2026-12-01 10:00:00", "2026-12-01", "2026-12-01T12:00:00.25+02:00"])", "[4]"),
                           One(ts));
  const int64_t day = 1796083200LL * 1000000, ten = 10LL * 3600 * 1000000;
  EXPECT_EQ(req.rows.column(0).ts(0), day + ten);
  EXPECT_EQ(req.rows.column(0).ts(1), day + ten);
  EXPECT_EQ(req.rows.column(0).ts(2), day);
  EXPECT_EQ(req.rows.column(0).ts(3), day + ten + 250000);
  InferRequest micros = Parse(V2("INT64", "[1796083200000000, -1]", "[2]"), One(ts));
  EXPECT_EQ(micros.rows.column(0).ts(0), day);
  EXPECT_EQ(micros.rows.column(0).ts(1), -1);
  EXPECT_EQ(Refusal(V2("BYTES", R"(["2026-12-01", "yesterday"])", "[2]"), One(ts)),
            R"(inputs[0].data[1]: "yesterday" is not an ISO-8601 time for BYTES input "x"; )"
            R"(e.g. "2026-12-01T10:00:00Z", "2026-12-01 10:00:00" or "2026-12-01")");
  EXPECT_THAT(Refusal(V2("BYTES", R"(["2026-02-30"])", "[1]"), One(ts)), StartsWith("inputs[0].data[0]: \"2026-02-30\" is not an ISO-8601 time"));
  EXPECT_EQ(Refusal(V2("BYTES", "[5]", "[1]"), One(ts)), R"(inputs[0].data[0]: expected an ISO-8601 time string for BYTES input "x", got 5)");
  EXPECT_EQ(Refusal(V2("INT64", R"(["2026-12-01"])", "[1]"), One(ts)),
            R"(inputs[0].data[0]: expected an integer for INT64 input "x", got "2026-12-01")");
}

TEST(ParseInferRequestV2, NullIsANullValueUnlessTheColumnIsNotNullable) {
  InferRequest req = Parse(V2("FP64", "[null, 2]", "[2]"), One(trestle::Type::Float64));
  EXPECT_TRUE(req.rows.column(0).is_null(0));
  EXPECT_EQ(req.rows.column(0).f64(1), 2.0);
  EXPECT_EQ(Refusal(V2("FP64", "[1, null]", "[2]"), One(trestle::Type::Float64, /*nullable=*/false)),
            R"(inputs[0].data[1]: null, but FP64 input "x" is not nullable)");
}

TEST(ParseInferRequestV2, BinaryTensorDataIsRefused) {
  const auto s = One(trestle::Type::Int64);
  EXPECT_EQ(Refusal(R"({"inputs": [{"name": "x", "shape": [1], "datatype": "INT64", "data": [1], "parameters": {"binary_data_size": 8}}]})", s),
            "inputs[0].parameters.binary_data_size: not supported: binary tensor data");
  EXPECT_EQ(Refusal(R"({"inputs": [{"name": "x", "shape": [1], "datatype": "INT64", "data": [1], "parameters": {"binary_data": true}}]})", s),
            "inputs[0].parameters.binary_data: not supported: binary tensor data");
  EXPECT_EQ(Refusal(R"({"inputs": [{"name": "x", "shape": [1], "datatype": "INT64", "data": [1]}],
                        "outputs": [{"name": "score", "parameters": {"binary_data": true}}]})",
                    s),
            "outputs[0].parameters.binary_data: not supported: binary tensor data");
  EXPECT_EQ(Refusal(R"({"parameters": {"binary_data_output": true}, "inputs": [{"name": "x", "shape": [1], "datatype": "INT64", "data": [1]}]})", s),
            "parameters.binary_data_output: not supported: binary tensor data");
  // Asking for JSON explicitly is fine, as are parameters the codec does not know.
  InferRequest ok = Parse(R"({"parameters": {"binary_data_output": false, "priority": 3},
    "inputs": [{"name": "x", "shape": [1], "datatype": "INT64", "data": [1], "parameters": {"content_type": "x"}}],
    "outputs": [{"name": "score", "parameters": {"binary_data": false}}]})",
                          s);
  EXPECT_EQ(ok.outputs, std::vector<std::string>{"score"});
}

TEST(ParseInferRequestV2, OutputsNameResponseColumns) {
  const auto s = One(trestle::Type::Int64);
  const std::string in = R"("inputs": [{"name": "x", "shape": [1], "datatype": "INT64", "data": [1]}])";
  InferRequest req = Parse("{" + in + R"(, "outputs": [{"name": "churn"}, {"name": "score"}]})", s);
  EXPECT_EQ(req.outputs, (std::vector<std::string>{"churn", "score"}));
  EXPECT_TRUE(Parse("{" + in + R"(, "outputs": []})", s).outputs.empty());
  EXPECT_EQ(Refusal("{" + in + R"(, "outputs": [{"name": "score"}, {"name": "foo"}]})", s),
            R"(outputs[1].name: unknown output "foo"; the outputs are: score, label, churn)");
  EXPECT_EQ(Refusal("{" + in + R"(, "outputs": [{"name": "score"}, {"name": "score"}]})", s),
            R"(outputs[1].name: output "score" appears twice (also outputs[0]))");
  EXPECT_EQ(Refusal("{" + in + R"(, "outputs": "score"})", s), R"(outputs: expected an array of {"name"}, got "score")");
  EXPECT_EQ(Refusal("{" + in + R"(, "outputs": ["score"]})", s), R"(outputs[0]: expected an object {"name"}, got "score")");
  EXPECT_EQ(Refusal("{" + in + R"(, "outputs": [{}]})", s), "outputs[0].name: missing");
  EXPECT_EQ(Refusal("{" + in + R"(, "outputs": [{"name": "score", "nmae": "x"}]})", s),
            "outputs[0].nmae: unknown key; an output has name, parameters");
  EXPECT_EQ(Refusal("{" + in + R"(, "outputs": [{"name": "score", "parameters": 1}]})", s),
            "outputs[0].parameters: expected an object, got 1");
}

TEST(ParseInferRequestV2, IdAndTimeout) {
  const auto s = One(trestle::Type::Int64);
  const std::string in = R"("inputs": [{"name": "x", "shape": [1], "datatype": "INT64", "data": [1]}])";
  InferRequest req = Parse(R"({"id": "abc", "parameters": {"timeout_ms": 250}, )" + in + "}", s);
  EXPECT_EQ(req.id, "abc");
  EXPECT_EQ(req.timeout_ms, 250);
  EXPECT_EQ(Refusal(R"({"id": 5, )" + in + "}", s), "id: expected a string, got 5");
  EXPECT_EQ(Refusal(R"({"parameters": [], )" + in + "}", s), "parameters: expected an object, got []");
  for (const char* bad : {"0", "-1", "1.5", "\"5\"", "null", "9223372036854775808"})
    EXPECT_EQ(Refusal(R"({"parameters": {"timeout_ms": )" + std::string(bad) + "}, " + in + "}", s),
              "parameters.timeout_ms: expected a positive integer (milliseconds), got " + std::string(bad));
}

TEST(ParseInferRequest, TheBodyIsAnObjectOfOneKnownForm) {
  const auto s = One(trestle::Type::Int64);
  EXPECT_EQ(Refusal(R"({"inputs": [], "instances": []})", s), R"(the body has both "inputs" (KServe v2) and "instances"; send one)");
  EXPECT_EQ(Refusal(R"({"input": []})", s), R"(the body has neither "inputs" (KServe v2) nor "instances")");
  EXPECT_EQ(Refusal("[1, 2]", s), R"(expected a JSON object with "inputs" (KServe v2) or "instances", got [1,2])");
  EXPECT_EQ(Refusal(R"({"inputs": [{"name": "x", "shape": [1], "datatype": "INT64", "data": [1]}], "output": []})", s),
            "output: unknown top-level key; a KServe v2 request has id, parameters, inputs, outputs");
  EXPECT_EQ(Refusal(R"({"instances": [{"x": 1}], "time out": 5})", s),
            R"(["time out"]: unknown top-level key; an instances request has id, timeout_ms, instances)");
  EXPECT_EQ(Refusal(R"({"inputs": []})", s), "inputs: expected a non-empty array of input tensors, got []");
  EXPECT_EQ(Refusal(R"({"inputs": {"x": 1}})", s), R"(inputs: expected a non-empty array of input tensors, got {"x":1})");
  EXPECT_EQ(Refusal(R"({"inputs": [5]})", s), "inputs[0]: expected an input tensor object {name, shape, datatype, data}, got 5");
  EXPECT_EQ(Refusal(R"({"inputs": [{"name": "x", "shape": [1], "datatype": "INT64", "data": [1], "dtype": "x"}]})", s),
            "inputs[0].dtype: unknown key; an input has name, shape, datatype, data, parameters");
  EXPECT_EQ(Refusal(R"({"inputs": [{"name": "x", "shape": [1], "datatype": "INT64"}]})", s), "inputs[0].data: missing");
  EXPECT_EQ(Refusal(R"({"inputs": [{"name": "x", "shape": [1], "datatype": "INT64", "data": 1}]})", s),
            "inputs[0].data: expected an array, got 1");
  EXPECT_EQ(Refusal(R"({"inputs": [{"name": "x", "shape": [1], "datatype": "INT64", "data": [1], "parameters": 3}]})", s),
            "inputs[0].parameters: expected an object, got 3");
}

TEST(ParseInferRequest, MalformedJsonNamesTheByte) {
  const auto s = One(trestle::Type::Float64);
  const std::string bad = Refusal(R"({"inputs": x})", s);
  EXPECT_THAT(bad, StartsWith("malformed JSON at byte 12: "));
  EXPECT_THAT(bad, HasSubstr("invalid literal"));
  EXPECT_THAT(Refusal("", s), StartsWith("malformed JSON at byte 1: "));
  EXPECT_THAT(Refusal(R"({"instances": [{"x": 1}]} x)", s), StartsWith("malformed JSON at byte "));
  // JSON has no NaN or Infinity.
  EXPECT_THAT(Refusal(V2("FP64", "[NaN]", "[1]"), s), StartsWith("malformed JSON at byte "));
  EXPECT_THAT(Refusal(V2("FP64", "[Infinity]", "[1]"), s), StartsWith("malformed JSON at byte "));
  EXPECT_THAT(Refusal(V2("FP64", "[-Infinity]", "[1]"), s), StartsWith("malformed JSON at byte "));
  // Strings must be UTF-8.
  EXPECT_THAT(Refusal(V2("BYTES", "[\"\xff\"]", "[1]"), One(trestle::Type::Utf8)), StartsWith("malformed JSON at byte "));
}

std::string Nested(int depth, char open, const std::string& inner) {
  std::string s;
  for (int i = 0; i < depth; ++i) s += open == '[' ? "[" : "{\"a\":";
  s += inner;
  for (int i = 0; i < depth; ++i) s += open == '[' ? "]" : "}";
  return s;
}

TEST(ParseInferRequest, RefusesNestingDeeperThan64Levels) {
  const auto s = One(trestle::Type::Float64);
  // 64 levels are parsed (and refused for what they hold); 65 are not.
  EXPECT_THAT(Refusal(Nested(64, '[', "1"), s), StartsWith("expected a JSON object"));
  EXPECT_EQ(Refusal(Nested(65, '[', "1"), s), "nested deeper than 64 levels");
  EXPECT_THAT(Refusal(Nested(64, '{', "1"), s), HasSubstr("neither"));
  EXPECT_EQ(Refusal(Nested(65, '{', "1"), s), "nested deeper than 64 levels");
  // Deep inside a real request.
  EXPECT_EQ(Refusal(R"({"inputs": [{"name": "x", "shape": [1], "datatype": "FP64", "data": )" + Nested(62, '[', "1") + "}]}", s),
            "nested deeper than 64 levels");
  // A megabyte of "[" costs the parser memory, not stack.
  EXPECT_EQ(Refusal(std::string(1 << 20, '['), s), "nested deeper than 64 levels");
  EXPECT_EQ(Refusal(std::string(1 << 20, '[') + std::string(1 << 20, ']'), s), "nested deeper than 64 levels");
}

// ---------------------------------------------------------------------------------------
// Instances

TEST(ParseInferRequestInstances, ReadsRowsAndMissingKeysAsNull) {
  trestle::Schema s({{"b", trestle::Type::Bool},
                     {"i32", trestle::Type::Int32},
                     {"i64", trestle::Type::Int64},
                     {"f32", trestle::Type::Float32},
                     {"f64", trestle::Type::Float64},
                     {"s", trestle::Type::Utf8},
                     {"ts", trestle::Type::TimestampUs}});
  InferRequest req = Parse(R"({"id": "r9", "timeout_ms": 1500, "instances": [
    {"b": true, "i32": -7, "i64": 9223372036854775807, "f32": 0.5, "f64": 2, "s": "x", "ts": "2026-12-01T10:00:00Z"},
    {"ts": 1500000},
    {"b": null, "i32": null, "i64": null, "f32": null, "f64": null, "s": null, "ts": null}
  ]})",
                           s);
  EXPECT_EQ(req.form, InferForm::kInstances);
  EXPECT_EQ(req.id, "r9");
  EXPECT_EQ(req.timeout_ms, 1500);
  ASSERT_EQ(req.rows.num_rows(), 3);
  EXPECT_EQ(req.rows.schema(), s);
  EXPECT_TRUE(req.rows.column("b").bool_at(0));
  EXPECT_EQ(req.rows.column("i32").i32(0), -7);
  EXPECT_EQ(req.rows.column("i64").i64(0), INT64_MAX);
  EXPECT_EQ(req.rows.column("f32").f32(0), 0.5f);
  EXPECT_EQ(req.rows.column("f64").f64(0), 2.0);
  EXPECT_EQ(req.rows.column("s").str(0), "x");
  EXPECT_EQ(req.rows.column("ts").ts(0), 1796083200LL * 1000000 + 10LL * 3600 * 1000000);
  EXPECT_EQ(req.rows.column("ts").ts(1), 1500000);
  for (size_t c = 0; c < s.size(); ++c) {
    if (s.field(c).name != "ts") {
      EXPECT_TRUE(req.rows.column(c).is_null(1)) << s.field(c).name;
    }
    EXPECT_TRUE(req.rows.column(c).is_null(2)) << s.field(c).name;
  }
}

TEST(ParseInferRequestInstances, RefusalsNameTheRowAndColumn) {
  const auto churn = Churn();
  EXPECT_EQ(Refusal(R"({"instances": [{"age": 1}, {"age": 2}, {"age": 3}, {"age": 4, "foo": 1}]})", churn),
            R"(instances[3]: unknown column "foo"; the inputs are: age, plan, tenure_months)");
  EXPECT_EQ(Refusal(R"({"instances": [{"age": 1}, {"tenure_months": "abc"}]})", churn),
            R"(instances[1].tenure_months: expected an integer for int64 column "tenure_months", got "abc")");
  EXPECT_EQ(Refusal(R"({"instances": [{"age": "old"}]})", churn), R"(instances[0].age: expected a number for float64 column "age", got "old")");
  EXPECT_EQ(Refusal(R"({"instances": [{"plan": 3}]})", churn), R"(instances[0].plan: expected a string for utf8 column "plan", got 3)");
  EXPECT_EQ(Refusal(R"({"instances": [{"x": 2147483648}]})", One(trestle::Type::Int32)),
            R"(instances[0].x: 2147483648 is out of range for int32 column "x")");
  EXPECT_EQ(Refusal(R"({"instances": [{"x": 1e39}]})", One(trestle::Type::Float32)),
            R"(instances[0].x: 1e+39 is out of range for float32 column "x")");
  EXPECT_EQ(Refusal(R"({"instances": [{"x": 1}]})", One(trestle::Type::Bool)),
            R"(instances[0].x: expected true or false for bool column "x", got 1)");
  EXPECT_EQ(Refusal(R"({"instances": [{"x": 1.5}]})", One(trestle::Type::TimestampUs)),
            R"(instances[0].x: expected an ISO-8601 time string or integer microseconds for timestamp[us] column "x", got 1.5)");
  EXPECT_THAT(Refusal(R"({"instances": [{"x": "soon"}]})", One(trestle::Type::TimestampUs)),
              StartsWith(R"(instances[0].x: "soon" is not an ISO-8601 time for timestamp[us] column "x")"));
  EXPECT_EQ(Refusal(R"({"instances": [{"odd name": "a"}]})", trestle::Schema({{"odd name", trestle::Type::Int64}})),
            R"(instances[0]["odd name"]: expected an integer for int64 column "odd name", got "a")");
  EXPECT_EQ(Refusal(R"({"instances": [{"x": 1}, {}]})", One(trestle::Type::Int64, /*nullable=*/false)),
            R"(instances[1]: "x" is missing, and int64 column "x" is not nullable)");
  EXPECT_EQ(Refusal(R"({"instances": [{"x": null}]})", One(trestle::Type::Int64, /*nullable=*/false)),
            R"(instances[0].x: null, but int64 column "x" is not nullable)");
}

TEST(ParseInferRequestInstances, TheBodyAroundTheRows) {
  const auto s = One(trestle::Type::Int64);
  EXPECT_EQ(Refusal(R"({"instances": []})", s), "instances: expected a non-empty array of objects {column: value}, got []");
  EXPECT_EQ(Refusal(R"({"instances": {"x": 1}})", s), R"(instances: expected a non-empty array of objects {column: value}, got {"x":1})");
  EXPECT_EQ(Refusal(R"({"instances": [{"x": 1}, [1]]})", s), "instances[1]: expected an object {column: value}, got [1]");
  EXPECT_EQ(Refusal(R"({"id": ["a"], "instances": [{"x": 1}]})", s), R"(id: expected a string, got ["a"])");
  EXPECT_EQ(Refusal(R"({"timeout_ms": 0, "instances": [{"x": 1}]})", s), "timeout_ms: expected a positive integer (milliseconds), got 0");
  EXPECT_EQ(Refusal(R"({"outputs": [], "instances": [{"x": 1}]})", s),
            "outputs: unknown top-level key; an instances request has id, timeout_ms, instances");
  InferRequest req = Parse(R"({"instances": [{"x": 1}]})", s);
  EXPECT_TRUE(req.id.empty());
  EXPECT_FALSE(req.timeout_ms.has_value());
}

// ---------------------------------------------------------------------------------------
// Size

TEST(ParseInferRequest, TenThousandRowRequestsParse) {
  constexpr int kRows = 10000;
  std::string ages, plans, tenures, instances;
  for (int i = 0; i < kRows; ++i) {
    const std::string sep = i ? "," : "";
    ages += sep + std::to_string(i) + ".25";
    plans += sep + "\"p" + std::to_string(i % 7) + "\"";
    tenures += sep + std::to_string(i * 3);
    instances += sep + R"({"age": )" + std::to_string(i) + R"(.25, "plan": "p)" + std::to_string(i % 7) +
                 R"(", "tenure_months": )" + std::to_string(i * 3) + "}";
  }
  const std::string n = std::to_string(kRows);
  InferRequest v2 = Parse(R"({"inputs": [
    {"name": "age", "shape": [)" + n + R"(], "datatype": "FP64", "data": [)" + ages + R"(]},
    {"name": "plan", "shape": [)" + n + R"(], "datatype": "BYTES", "data": [)" + plans + R"(]},
    {"name": "tenure_months", "shape": [)" + n + R"(, 1], "datatype": "INT64", "data": [)" + tenures + "]}]}",
                          Churn());
  InferRequest rows = Parse(R"({"instances": [)" + instances + "]}", Churn());
  for (const InferRequest* r : {&v2, &rows}) {
    ASSERT_EQ(r->rows.num_rows(), kRows);
    for (int i = 0; i < kRows; i += 997) {
      EXPECT_EQ(r->rows.column("age").f64(i), i + 0.25);
      EXPECT_EQ(r->rows.column("plan").str(i), "p" + std::to_string(i % 7));
      EXPECT_EQ(r->rows.column("tenure_months").i64(i), i * 3);
    }
    EXPECT_EQ(r->rows.column("tenure_months").i64(kRows - 1), (kRows - 1) * 3);
  }
}

}  // namespace
}  // namespace trestle::core
