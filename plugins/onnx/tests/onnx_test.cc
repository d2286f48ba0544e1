// The onnx plugin through the SDK's harness: the shared signature-file model tests
// (model_plugin_tests.hpp) on the torchscript plugin's models exported to ONNX, and what
// is OpenCV's own.
#include "onnx.hpp"

#include "tests/model_plugin_tests.hpp"

// Global, so that ctest names the tests <OnnxTraits>.
struct OnnxTraits {
  using Op = onnx_plugin::Onnx;
  static constexpr const char* kName = "onnx";
  static constexpr const char* kModelFile = "model.onnx";
  static constexpr const char* kCandidates = "model.onnx";
  static constexpr const char* kFramework = "opencv-dnn 4.";
  // OpenCV's own message does not say which width the model wants; the plugin adds it.
  static constexpr const char* kWidthHint = "(its first fully connected layer, \"onnx_node!/body/body.0/Gemm\", takes 6 inputs)";
};

namespace {

std::string own(const std::string& f) { return std::string(ONNX_TESTDATA) + "/" + f; }

}  // namespace

namespace model_plugin_tests {
INSTANTIATE_TYPED_TEST_SUITE_P(Onnx, ModelPlugin, ::testing::Types<OnnxTraits>);

// The regression model's signature says tensor_type float64 (its TorchScript module
// computes in float64); OpenCV computes in float32, and the ONNX export takes float32.
TEST(OnnxOnly, Float64TensorTypeIsFedAsFloat32) {
  Heldout held = Heldout::read("regression");
  ASSERT_EQ(held.sig.tensor_type, model_signature::TensorType::Float64);
  Harness<onnx_plugin::Onnx> h(Options().set("model", data("regression")));
  h.open(held.batch().schema());
  Batch out = h.process(held.batch());
  ASSERT_EQ(out.num_rows(), static_cast<int64_t>(held.rows()));
  // A feature beyond float32's range cannot be fed: the row is rejected, naming it.
  Batch huge = BatchBuilder().f64("area", {1e300, 50.0}).i64("rooms", {3, 3}).f64("age_years", {1.0, 1.0}).build();
  Batch scored = h.process(huge);
  EXPECT_EQ(scored.num_rows(), 1);
  ASSERT_EQ(h.recorded().rejections.size(), 1u);
  EXPECT_EQ(h.recorded().rejections[0].row, 0);
  EXPECT_EQ(h.recorded().rejections[0].reason, "feature \"area\" is 1e+300, beyond the range of the model's float32 input");
}

TEST(OnnxOnly, AFloat64ModelIsRefusedWithAHint) {
  try {
    Harness<onnx_plugin::Onnx> h(Options().set("model", own("float64.onnx")).set("signature", data("regression/signature.json")));
    FAIL() << "expected an error";
  } catch (const trestle::Error& e) {
    EXPECT_EQ(e.code(), TRESTLE_INVALID_ARGUMENT);
    EXPECT_THAT(e.what(), HasSubstr("onnx model \"" + own("float64.onnx") + "\" cannot be loaded: "));
    EXPECT_THAT(e.what(), HasSubstr("OpenCV's dnn module reads float32 models only: export the model with float32 inputs and weights"));
  }
}

TEST(OnnxOnly, AModelWithTwoOutputsIsRefused) {
  try {
    Harness<onnx_plugin::Onnx> h(Options().set("model", own("two_outputs.onnx")).set("signature", data("regression/signature.json")));
    FAIL() << "expected an error";
  } catch (const trestle::Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("onnx model \"" + own("two_outputs.onnx") + "\" has 2 outputs ("));
    EXPECT_THAT(e.what(), HasSubstr("); the plugin reads one [rows, outputs] tensor"));
  }
}

TEST(OnnxOnly, SpecDeclaresTheOptions) {
  trestle::OperatorSpec s = onnx_plugin::Onnx::spec();
  EXPECT_EQ(s.name(), "onnx");
  Names names;
  for (const auto& p : s.params()) names.push_back(p.name);
  EXPECT_EQ(names, (Names{"model", "signature", "threshold", "label_output", "warmup", "intra_op_threads"}));
  EXPECT_EQ(s.threading(), TRESTLE_THREADING_PER_WORKER);
}

}  // namespace model_plugin_tests
