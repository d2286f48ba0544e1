// The torchscript plugin through the SDK's harness: the shared signature-file model tests
// (model_plugin_tests.hpp) and what is LibTorch's own.
#include "torchscript.hpp"

#include "tests/model_plugin_tests.hpp"

// Global, so that ctest names the tests <TorchTraits>.
struct TorchTraits {
  using Op = torchscript::TorchScript;
  static constexpr const char* kName = "torchscript";
  static constexpr const char* kModelFile = "model.pt";
  static constexpr const char* kCandidates = "model.pt, torchscript.pt";
  static constexpr const char* kFramework = "libtorch 1.13.";
  // What LibTorch says when the binary model gets 5 features instead of 6.
  static constexpr const char* kWidthHint = "The size of tensor a (5) must match the size of tensor b (6) at non-singleton dimension 1";
};

namespace model_plugin_tests {
INSTANTIATE_TYPED_TEST_SUITE_P(TorchScript, ModelPlugin, ::testing::Types<TorchTraits>);

TEST(TorchScriptOnly, IntraOpThreadsGiveTheSameScores) {
  Heldout held = Heldout::read("binary");
  Harness<torchscript::TorchScript> one(Options().set("model", data("binary/model.pt")));
  Harness<torchscript::TorchScript> two(Options().set("model", data("binary/model.pt")).set("intra_op_threads", int64_t{2}));
  one.open(held.batch().schema());
  two.open(held.batch().schema());
  Batch a = one.process(held.batch());
  Batch b = two.process(held.batch());
  std::vector<double> pa = doubles(a.column("churn_probability")), pb = doubles(b.column("churn_probability"));
  ASSERT_EQ(pa.size(), pb.size());
  for (size_t r = 0; r < pa.size(); ++r) EXPECT_NEAR(pa[r], pb[r], 1e-7);
}

TEST(TorchScriptOnly, ADirectoryMayHoldTorchscriptPt) {
  std::string tmpl = (std::filesystem::temp_directory_path() / "torchscript_test.XXXXXX").string();
  ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
  const std::filesystem::path dir = tmpl;
  std::filesystem::copy_file(data("binary/model.pt"), dir / "torchscript.pt");
  std::filesystem::copy_file(data("binary/signature.json"), dir / "signature.json");
  Heldout held = Heldout::read("binary");
  Harness<torchscript::TorchScript> h(Options().set("model", dir.string()));
  h.open(held.batch().schema());
  EXPECT_EQ(h.process(held.batch()).num_rows(), static_cast<int64_t>(held.rows()));
  std::filesystem::remove_all(dir);
}

TEST(TorchScriptOnly, ForwardMustTakeOneTensor) {
  try {
    Harness<torchscript::TorchScript> h(Options().set("model", data("two_inputs.pt")).set("signature", data("binary/signature.json")));
    FAIL() << "expected an error";
  } catch (const trestle::Error& e) {
    EXPECT_EQ(e.code(), TRESTLE_INVALID_ARGUMENT);
    EXPECT_EQ(std::string(e.what()), "torchscript model \"" + data("two_inputs.pt") +
                                         "\": forward(x, y) needs 2 arguments; the plugin passes one [rows, inputs] tensor");
  }
}

TEST(TorchScriptOnly, SpecDeclaresTheOptions) {
  trestle::OperatorSpec s = torchscript::TorchScript::spec();
  EXPECT_EQ(s.name(), "torchscript");
  Names names;
  for (const auto& p : s.params()) names.push_back(p.name);
  EXPECT_EQ(names, (Names{"model", "signature", "threshold", "label_output", "warmup", "intra_op_threads"}));
  EXPECT_EQ(s.threading(), TRESTLE_THREADING_PER_WORKER);
}

}  // namespace model_plugin_tests
