#include "model_signature.hpp"
#include "tensor_model.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <optional>

#include <trestle/testing.hpp>

namespace {

using model_signature::ModelSignature;
using model_signature::read_signature;
using model_signature::Task;
using model_signature::TensorModel;
using model_signature::TensorType;
using trestle::Type;
using trestle::testing::BatchBuilder;
using trestle::testing::doubles;
using trestle::testing::ints;
using ::testing::HasSubstr;
using Names = std::vector<std::string>;

// A fresh directory per test for signature files written by the test.
class SignatureFile : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (std::filesystem::temp_directory_path() / "model_signature_test.XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string write(const std::string& text, const std::string& name = "signature.json") {
    const std::string path = (dir_ / name).string();
    std::ofstream(path) << text;
    return path;
  }
  // The message of the InvalidArgument that reading `text` throws; checks it names the file.
  std::string invalid(const std::string& text) {
    const std::string path = write(text);
    try {
      read_signature(path);
    } catch (const trestle::Error& e) {
      EXPECT_EQ(e.code(), TRESTLE_INVALID_ARGUMENT);
      EXPECT_THAT(e.what(), HasSubstr("signature file \"" + path + "\": "));
      return e.what();
    }
    ADD_FAILURE() << "expected an InvalidArgument for " << text;
    return "";
  }

  std::filesystem::path dir_;
};

constexpr const char* kBinary = R"({"inputs": [{"name": "a", "type": "float64"}, {"name": "b", "type": "int64"},
  {"name": "c", "type": "bool"}, {"name": "d", "type": "numeric"}, {"name": "e", "type": "float32"}, {"name": "f", "type": "int32"}],
  "tensor_type": "float64", "outputs": ["p"], "task": "binary", "version": "3"})";

TEST_F(SignatureFile, ReadsEveryField) {
  ModelSignature s = read_signature(write(kBinary));
  ASSERT_EQ(s.inputs.size(), 6u);
  EXPECT_EQ(s.inputs[0].name, "a");
  EXPECT_EQ(s.inputs[0].type, Type::Float64);
  EXPECT_EQ(s.inputs[1].type, Type::Int64);
  EXPECT_EQ(s.inputs[2].type, Type::Bool);
  EXPECT_TRUE(s.inputs[3].any_numeric);
  EXPECT_FALSE(s.inputs[0].any_numeric);
  EXPECT_EQ(s.inputs[4].type, Type::Float32);
  EXPECT_EQ(s.inputs[5].type, Type::Int32);
  EXPECT_EQ(s.tensor_type, TensorType::Float64);
  EXPECT_EQ(s.outputs, (Names{"p"}));
  EXPECT_EQ(s.task, Task::Binary);
  EXPECT_EQ(s.version, "3");
  EXPECT_EQ(s.path, (dir_ / "signature.json").string());
}

TEST_F(SignatureFile, DefaultsAndIntegerVersion) {
  ModelSignature s = read_signature(write(R"({"inputs": [{"name": "x", "type": "numeric"}], "outputs": ["y", "z"], "task": "regression"})"));
  EXPECT_EQ(s.tensor_type, TensorType::Float32);
  EXPECT_EQ(s.version, "");
  EXPECT_EQ(s.outputs_list(), "2 outputs (y, z)");
  s = read_signature(write(R"({"inputs": [{"name": "x", "type": "numeric"}], "outputs": ["y"], "task": "regression", "version": 7})"));
  EXPECT_EQ(s.version, "7");
}

TEST_F(SignatureFile, DefaultPathIsBesideTheModelFile) {
  EXPECT_EQ(model_signature::signature_path("/models/churn/3/model.pt", ""), "/models/churn/3/signature.json");
  EXPECT_EQ(model_signature::signature_path("/models/churn/3/model.pt", "/etc/sig.json"), "/etc/sig.json");
}

TEST_F(SignatureFile, BadFilesNameTheFieldAndTheProblem) {
  const std::string in1 = R"("inputs": [{"name": "x", "type": "float64"}])";
  EXPECT_THAT(invalid("{"), HasSubstr("is not valid JSON"));
  EXPECT_THAT(invalid("[1]"), HasSubstr("must hold a JSON object with \"inputs\", \"outputs\" and \"task\", not [1]"));
  EXPECT_THAT(invalid("{" + in1 + R"(, "outputs": ["y"], "task": "regression", "tensor_typ": "float64"})"),
              HasSubstr("has unknown field \"tensor_typ\"; the fields are inputs, tensor_type, outputs, task and version"));
  EXPECT_THAT(invalid(R"({"outputs": ["y"], "task": "regression"})"), HasSubstr("needs \"inputs\": a non-empty list of {\"name\": column"));
  EXPECT_THAT(invalid(R"({"inputs": [], "outputs": ["y"], "task": "regression"})"), HasSubstr("needs \"inputs\""));
  EXPECT_THAT(invalid(R"({"inputs": ["x"], "outputs": ["y"], "task": "regression"})"),
              HasSubstr("inputs[0] must be an object {\"name\": column, \"type\": type}, not \"x\""));
  EXPECT_THAT(invalid(R"({"inputs": [{"type": "float64"}], "outputs": ["y"], "task": "regression"})"),
              HasSubstr("inputs[0].name must be a non-empty string"));
  EXPECT_THAT(invalid(R"({"inputs": [{"name": "x", "type": "float64"}, {"name": "x", "type": "int64"}], "outputs": ["y"], "task": "regression"})"),
              HasSubstr("inputs[1].name \"x\" repeats inputs[0].name"));
  EXPECT_THAT(invalid(R"({"inputs": [{"name": "a", "type": "float64"}, {"name": "b", "type": "float64"}, {"name": "c", "type": "float16"}],
                          "outputs": ["y"], "task": "regression"})"),
              HasSubstr("inputs[2].type \"float16\" is not one of float32, float64, int32, int64, bool, numeric"));
  EXPECT_THAT(invalid(R"({"inputs": [{"name": "x", "type": 3}], "outputs": ["y"], "task": "regression"})"),
              HasSubstr("inputs[0].type 3 is not one of"));
  EXPECT_THAT(invalid(R"({"inputs": [{"name": "x"}], "outputs": ["y"], "task": "regression"})"),
              HasSubstr("inputs[0] (\"x\") needs \"type\": one of float32"));
  EXPECT_THAT(invalid(R"({"inputs": [{"name": "x", "type": "float64", "shape": 1}], "outputs": ["y"], "task": "regression"})"),
              HasSubstr("inputs[0] has unknown field \"shape\""));
  EXPECT_THAT(invalid("{" + in1 + R"(, "tensor_type": "float16", "outputs": ["y"], "task": "regression"})"),
              HasSubstr("tensor_type \"float16\" is not one of float32, float64"));
  EXPECT_THAT(invalid("{" + in1 + R"(, "task": "regression"})"), HasSubstr("needs \"outputs\": a non-empty list"));
  EXPECT_THAT(invalid("{" + in1 + R"(, "outputs": "y", "task": "regression"})"), HasSubstr("needs \"outputs\": a non-empty list of the output tensor's column names, not \"y\""));
  EXPECT_THAT(invalid("{" + in1 + R"(, "outputs": ["y", 2], "task": "regression"})"), HasSubstr("outputs[1] must be a non-empty string (a column name), not 2"));
  EXPECT_THAT(invalid("{" + in1 + R"(, "outputs": ["y", "y"], "task": "regression"})"), HasSubstr("outputs[1] \"y\" repeats outputs[0]"));
  EXPECT_THAT(invalid("{" + in1 + R"(, "outputs": ["x"], "task": "regression"})"), HasSubstr("outputs[0] \"x\" is also inputs[0].name"));
  EXPECT_THAT(invalid("{" + in1 + R"(, "outputs": ["y"]})"), HasSubstr("needs \"task\": one of binary, multiclass, regression"));
  EXPECT_THAT(invalid("{" + in1 + R"(, "outputs": ["y"], "task": "ranking"})"), HasSubstr("task \"ranking\" is not one of binary, multiclass, regression"));
  EXPECT_THAT(invalid("{" + in1 + R"(, "outputs": ["p0", "p1"], "task": "binary"})"),
              HasSubstr("task \"binary\" needs exactly one output (the probability of class 1), but outputs lists 2: 2 outputs (p0, p1)"));
  EXPECT_THAT(invalid("{" + in1 + R"(, "outputs": ["p"], "task": "multiclass"})"),
              HasSubstr("task \"multiclass\" needs one output per class (at least 2), but outputs lists 1 output (p)"));
  EXPECT_THAT(invalid("{" + in1 + R"(, "outputs": ["y"], "task": "regression", "version": 1.5})"), HasSubstr("version must be a string, not 1.5"));
}

TEST_F(SignatureFile, MissingFile) {
  const std::string path = (dir_ / "absent.json").string();
  try {
    read_signature(path);
    FAIL() << "expected an error";
  } catch (const trestle::InvalidArgument& e) {
    EXPECT_EQ(std::string(e.what()), "signature file \"" + path + "\": cannot be opened: No such file or directory");
  }
}

// --- TensorModel: what the plugins share around the framework call ----------------------


// A host that records rejections, through the SDK's test harness types.
struct Host {
  trestle::testing::Recorded rec;
  static void reject_row(void* s, int64_t row, int32_t c, const char* r) { static_cast<trestle::testing::Recorded*>(s)->rejections.push_back({row, c, r}); }
  static void counter_add(void* s, const char* n, double d) { static_cast<trestle::testing::Recorded*>(s)->counters[n] += d; }
  static void log(void*, int32_t, const char*) {}
  static void gauge(void*, const char*, double) {}
  static void event(void*, const char*, const char*) {}
  static void error(void*, int32_t, const char*) {}
  static void record(void*, const char*, const char*, int32_t, const char*) {}
  static int32_t cancelled(void*) { return 0; }
  static void progress(void*, double, double) {}
  TrestleHostApi api{sizeof(TrestleHostApi), &log, &counter_add, &gauge, &event, &error, &reject_row, &record, &cancelled, &progress, nullptr};
  TrestleHost host{sizeof(TrestleHost), &api, &rec};
  trestle::Context ctx{&host};
};

TEST_F(SignatureFile, GatherRejectsRowsThatCannotBeScoredAndEmitAddsOutputs) {
  TensorModel m(read_signature(write(R"({"inputs": [{"name": "a", "type": "float64"}, {"name": "b", "type": "numeric"}],
                                         "outputs": ["p0", "p1", "p2"], "task": "multiclass"})")),
                0.5, "label");
  const double inf = std::numeric_limits<double>::infinity();
  trestle::Batch in = BatchBuilder()
                          .str("id", {"r0", "r1", "r2", "r3", "r4", "r5"})
                          .i32("b", {1, 2, std::nullopt, 4, 5, 6})
                          .f64("a", {0.5, std::nan(""), 1.0, inf, 1e300, 2.0})
                          .build();
  trestle::Schema out = m.open(in.schema());
  EXPECT_EQ(out.names(), (Names{"id", "b", "a", "p0", "p1", "p2", "label"}));
  Host h;
  model_signature::Features f = m.gather(in, h.ctx, TensorType::Float32);
  EXPECT_EQ(f.rows, (std::vector<int64_t>{0, 5}));
  EXPECT_EQ(f.f32, (std::vector<float>{0.5f, 1.f, 2.f, 6.f}));  // a then b: signature order
  const auto& r = h.rec.rejections;
  ASSERT_EQ(r.size(), 4u);
  EXPECT_EQ(r[0].row, 1);
  EXPECT_EQ(r[0].reason, "feature \"a\" is NaN");
  EXPECT_EQ(r[1].reason, "feature \"b\" is null");
  EXPECT_EQ(r[2].reason, "feature \"a\" is infinite");
  EXPECT_EQ(r[3].reason, "feature \"a\" is 1e+300, beyond the range of the model's float32 input");
  EXPECT_EQ(r[3].code, TRESTLE_DATA_ERROR);

  // As float64, 1e300 is a number like any other.
  Host h64;
  f = m.gather(in, h64.ctx, TensorType::Float64);
  EXPECT_EQ(f.rows, (std::vector<int64_t>{0, 4, 5}));
  EXPECT_EQ(h64.rec.rejections.size(), 3u);

  // Row 4's second output is NaN: rejected after scoring.
  const double nan = std::nan("");
  trestle::Batch scored = m.emit(in, f, {0.1, 0.7, 0.2, 0.3, nan, 0.3, 0.5, 0.25, 0.5}, h64.ctx);
  EXPECT_EQ(scored.schema(), out);
  ASSERT_EQ(scored.num_rows(), 2);
  EXPECT_EQ(std::string(scored.column("id").str(1)), "r5");
  EXPECT_EQ(doubles(scored.column("p1")), (std::vector<double>{0.7, 0.25}));
  EXPECT_EQ(ints(scored.column("label")), (std::vector<int64_t>{1, 0}));  // ties: the first class
  EXPECT_EQ(h64.rec.rejections.back().reason, "the model's output \"p1\" is NaN for this row");
  EXPECT_EQ(h64.rec.counters["predictions"], 2);
}

TEST_F(SignatureFile, OutputShapes) {
  TensorModel one(read_signature(write(R"({"inputs": [{"name": "a", "type": "float64"}], "outputs": ["p"], "task": "binary"})")), 0.5, "label");
  EXPECT_EQ(one.check_output_shape({4, 1}, 4), "");
  EXPECT_EQ(one.check_output_shape({4}, 4), "");
  EXPECT_EQ(one.check_output_shape({}, 1), "");
  EXPECT_EQ(one.check_output_shape({4, 2}, 4), "returns a [4 x 2] tensor for 4 rows, but signature file \"" + (dir_ / "signature.json").string() +
                                                   "\" lists 1 output (p): expected [4 x 1] or [4]");
  TensorModel three(read_signature(write(R"({"inputs": [{"name": "a", "type": "float64"}], "outputs": ["x", "y", "z"], "task": "regression"})")), 0.5, "label");
  EXPECT_EQ(three.check_output_shape({2, 3}, 2), "");
  EXPECT_THAT(three.check_output_shape({6}, 2), HasSubstr("returns a [6] tensor for 2 rows, but signature file"));
  EXPECT_THAT(three.check_output_shape({6}, 2), HasSubstr("lists 3 outputs (x, y, z): expected [2 x 3]"));
}

TEST_F(SignatureFile, LabelNameMustNotBeAnOutputOrInput) {
  const std::string path = write(R"({"inputs": [{"name": "a", "type": "float64"}], "outputs": ["label"], "task": "binary"})");
  try {
    TensorModel m(read_signature(path), 0.5, "label");
    FAIL();
  } catch (const trestle::InvalidArgument& e) {
    EXPECT_THAT(e.what(), HasSubstr("option \"label_output\" (\"label\") is also an output of signature file \"" + path + "\""));
  }
  EXPECT_THROW(TensorModel(read_signature(path), 0.5, "a"), trestle::InvalidArgument);
  EXPECT_THROW(TensorModel(read_signature(path), 1.5, "y"), trestle::InvalidArgument);
  // Regression models have no label column, so the option does not matter.
  TensorModel r(read_signature(write(R"({"inputs": [{"name": "a", "type": "float64"}], "outputs": ["label"], "task": "regression"})")), 0.5, "label");
  EXPECT_EQ(r.signature().outputs.size(), 1u);
}

}  // namespace
