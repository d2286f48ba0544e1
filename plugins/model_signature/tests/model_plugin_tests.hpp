#pragma once
// The tests every signature-file model plugin (torchscript, onnx) passes: a typed test
// suite over a Traits type. A plugin's test file defines its Traits and instantiates:
//
//   struct TorchTraits {
//     using Op = torchscript::TorchScript;
//     static constexpr const char* kName = "torchscript";       // operator, error prefix
//     static constexpr const char* kModelFile = "model.pt";     // inside a task folder
//     static constexpr const char* kCandidates = "model.pt, torchscript.pt"; // of a directory
//     static constexpr const char* kFramework = "libtorch 1.13";  // info() starts so
//     static constexpr const char* kWidthHint = "...";  // in the error for 5 inputs of 6
//   };
//   INSTANTIATE_TYPED_TEST_SUITE_P(TorchScript, ModelPlugin, ::testing::Types<TorchTraits>);
//
// (at global scope, so that ctest names the tests TorchScript.<test><TorchTraits>).
//
// The models are those of plugins/torchscript/testdata (make_models.py): binary/,
// multiclass/ and regression/, each with model.pt, model.onnx, signature.json and
// heldout.csv (feature columns, then expected_<output>: torch's own predictions).

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <trestle/testing.hpp>

#include "model_signature.hpp"

#ifndef MODEL_TESTDATA
#error "MODEL_TESTDATA must name plugins/torchscript/testdata"
#endif

namespace model_plugin_tests {

using trestle::Batch;
using trestle::Options;
using trestle::Type;
using trestle::testing::BatchBuilder;
using trestle::testing::Harness;
using ::testing::HasSubstr;
using Names = std::vector<std::string>;

inline std::string data(const std::string& f) { return std::string(MODEL_TESTDATA) + "/" + f; }

using trestle::testing::doubles;
using trestle::testing::ints;

/// A task's heldout.csv: feature columns and torch's predictions.
struct Heldout {
  model_signature::ModelSignature sig;
  std::vector<std::vector<double>> features;  // per signature input, per row
  std::vector<std::vector<double>> expected;  // per output, per row
  size_t rows() const { return features.empty() ? 0 : features[0].size(); }

  static Heldout read(const std::string& task) {
    Heldout h;
    h.sig = model_signature::read_signature(data(task + "/signature.json"));
    std::ifstream in(data(task + "/heldout.csv"));
    std::string line, cell;
    std::getline(in, line);
    std::vector<std::string> header;
    for (std::stringstream s(line); std::getline(s, cell, ',');) header.push_back(cell);
    EXPECT_EQ(header.size(), h.sig.inputs.size() + h.sig.outputs.size());
    h.features.resize(h.sig.inputs.size());
    h.expected.resize(h.sig.outputs.size());
    while (std::getline(in, line)) {
      std::stringstream s(line);
      for (size_t j = 0; std::getline(s, cell, ','); ++j) {
        double v = std::strtod(cell.c_str(), nullptr);
        if (j < h.features.size()) h.features[j].push_back(v);
        else h.expected[j - h.features.size()].push_back(v);
      }
    }
    return h;
  }

  /// The held-out rows as a batch: each feature in the type the signature asks for
  /// ("numeric" as `numeric`), in `order` (signature order by default), then `extra`.
  Batch batch(Type numeric = Type::Float64, std::vector<size_t> order = {}, bool extra = false) const {
    if (order.empty())
      for (size_t j = 0; j < features.size(); ++j) order.push_back(j);
    BatchBuilder b;
    if (extra) b.str("customer_id", std::vector<std::optional<std::string>>(rows(), std::string("c")));
    for (size_t j : order) add(b, sig.inputs[j].name, sig.inputs[j].any_numeric ? numeric : sig.inputs[j].type, features[j]);
    if (extra) b.f64("unrelated", std::vector<std::optional<double>>(rows(), 1.5));
    return b.build();
  }

  static void add(BatchBuilder& b, const std::string& name, Type t, const std::vector<double>& v) {
    auto conv = [&](auto cast) {
      std::vector<std::optional<decltype(cast(0.0))>> out;
      for (double x : v) out.push_back(cast(x));
      return out;
    };
    switch (t) {
      case Type::Float64: b.f64(name, conv([](double x) { return x; })); break;
      case Type::Float32: b.f32(name, conv([](double x) { return static_cast<float>(x); })); break;
      case Type::Int64: b.i64(name, conv([](double x) { return static_cast<int64_t>(std::llround(x)); })); break;
      case Type::Int32: b.i32(name, conv([](double x) { return static_cast<int32_t>(std::lround(x)); })); break;
      case Type::Bool: b.boolean(name, conv([](double x) { return x != 0; })); break;
      default: ADD_FAILURE() << "no test conversion to " << trestle::type_name(t);
    }
  }
};

/// Options with every default of Op's spec filled in, for creating Op directly.
template <typename Op>
Options with_defaults(Options o) {
  const trestle::OperatorSpec spec = Op::spec();
  for (const auto& p : spec.params())
    if (!o.has(p.name) && p.default_value) o.set(p.name, *p.default_value);
  return o;
}

template <typename Traits>
class ModelPlugin : public ::testing::Test {
 protected:
  using Op = typename Traits::Op;

  void SetUp() override {
    std::string tmpl = (std::filesystem::temp_directory_path() / "model_plugin_test.XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  static std::string model(const std::string& task) { return data(task + "/" + Traits::kModelFile); }
  static Options opts(const std::string& task) { return Options().set("model", model(task)); }
  static std::string what(const std::string& task) { return std::string(Traits::kName) + " model \"" + model(task) + "\""; }

  std::string write(const std::string& name, const std::string& text) {
    const std::string path = (dir_ / name).string();
    std::ofstream(path) << text;
    return path;
  }

  static Batch score(Harness<Op>& h, const Batch& in) {
    h.open(in.schema());
    return h.process(in);
  }

  // The message of the InvalidArgument that creating the model and opening it on `in` throws.
  static std::string invalid(const Options& o, const Batch& in) {
    std::optional<trestle::Error> e = trestle::testing::open_error<Op>(o, in.schema());
    EXPECT_TRUE(e && e->code() == TRESTLE_INVALID_ARGUMENT) << (e ? e->what() : "no error");
    return e ? e->what() : "";
  }

  std::filesystem::path dir_;
};

TYPED_TEST_SUITE_P(ModelPlugin);

constexpr double kTolerance = 1e-5;

TYPED_TEST_P(ModelPlugin, BinaryMatchesTorchForEveryHeldOutRow) {
  Heldout held = Heldout::read("binary");
  ASSERT_GT(held.rows(), 100u);
  Harness<typename TestFixture::Op> h(TestFixture::opts("binary"));
  Batch out = TestFixture::score(h, held.batch());
  EXPECT_EQ(out.schema().names(), (Names{"age", "income", "is_member", "visits", "ratio", "balance", "churn_probability", "label"}));
  EXPECT_EQ(out.schema().field(6).type, Type::Float64);
  EXPECT_EQ(out.schema().field(7).type, Type::Int64);
  ASSERT_EQ(out.num_rows(), static_cast<int64_t>(held.rows()));
  std::vector<double> p = doubles(out.column("churn_probability"));
  std::vector<int64_t> label = ints(out.column("label"));
  size_t ones = 0;
  for (size_t r = 0; r < held.rows(); ++r) {
    EXPECT_NEAR(p[r], held.expected[0][r], kTolerance) << "row " << r;
    EXPECT_EQ(label[r], p[r] >= 0.5 ? 1 : 0) << "row " << r;
    ones += static_cast<size_t>(label[r]);
  }
  EXPECT_GT(ones, 10u);  // both classes occur
  EXPECT_LT(ones, held.rows() - 10);
  EXPECT_EQ(h.recorded().counters["predictions"], static_cast<double>(held.rows()));
  EXPECT_TRUE(h.recorded().rejections.empty());
}

TYPED_TEST_P(ModelPlugin, MulticlassMatchesTorchAndLabelsTheLargest) {
  Heldout held = Heldout::read("multiclass");
  Harness<typename TestFixture::Op> h(TestFixture::opts("multiclass"));
  Batch out = TestFixture::score(h, held.batch());
  EXPECT_EQ(out.schema().names(),
            (Names{"sepal_length", "sepal_width", "petal_length", "petal_width", "p_setosa", "p_versicolor", "p_virginica", "label"}));
  std::vector<int64_t> label = ints(out.column("label"));
  std::vector<size_t> seen(3, 0);
  for (size_t r = 0; r < held.rows(); ++r) {
    size_t best = 0;
    for (size_t k = 0; k < 3; ++k) {
      EXPECT_NEAR(out.column(4 + k).f64(static_cast<int64_t>(r)), held.expected[k][r], kTolerance) << "row " << r << " class " << k;
      if (held.expected[k][r] > held.expected[best][r]) best = k;
    }
    EXPECT_EQ(label[r], static_cast<int64_t>(best)) << "row " << r;
    ++seen[best];
  }
  for (size_t k = 0; k < 3; ++k) EXPECT_GT(seen[k], 5u) << "class " << k;
}

TYPED_TEST_P(ModelPlugin, RegressionMatchesTorch) {
  Heldout held = Heldout::read("regression");
  Harness<typename TestFixture::Op> h(TestFixture::opts("regression"));
  Batch out = TestFixture::score(h, held.batch());
  EXPECT_EQ(out.schema().names(), (Names{"area", "rooms", "age_years", "price"}));  // no label
  std::vector<double> price = doubles(out.column("price"));
  ASSERT_EQ(price.size(), held.rows());
  for (size_t r = 0; r < held.rows(); ++r) EXPECT_NEAR(price[r], held.expected[0][r], kTolerance) << "row " << r;
}

TYPED_TEST_P(ModelPlugin, ThresholdAndLabelName) {
  Heldout held = Heldout::read("binary");
  Harness<typename TestFixture::Op> h(TestFixture::opts("binary").set("threshold", 0.9).set("label_output", std::string("churn")));
  Batch out = TestFixture::score(h, held.batch());
  EXPECT_EQ(out.schema().names().back(), "churn");
  std::vector<int64_t> label = ints(out.column("churn"));
  size_t between = 0;
  for (size_t r = 0; r < held.rows(); ++r) {
    const double p = out.column("churn_probability").f64(static_cast<int64_t>(r));
    EXPECT_EQ(label[r], p >= 0.9 ? 1 : 0);
    between += p >= 0.5 && p < 0.9 ? 1 : 0;
  }
  EXPECT_GT(between, 0u);  // rows whose label the threshold changed
}

TYPED_TEST_P(ModelPlugin, ColumnsAreTakenByNameNotPosition) {
  Heldout held = Heldout::read("binary");
  Harness<typename TestFixture::Op> ordered(TestFixture::opts("binary"));
  Harness<typename TestFixture::Op> shuffled(TestFixture::opts("binary"));
  Batch a = TestFixture::score(ordered, held.batch());
  Batch b = TestFixture::score(shuffled, held.batch(Type::Float64, {5, 2, 0, 4, 1, 3}, true));
  EXPECT_EQ(b.schema().names(), (Names{"customer_id", "balance", "is_member", "age", "ratio", "income", "visits", "unrelated",
                                       "churn_probability", "label"}));
  EXPECT_EQ(doubles(b.column("churn_probability")), doubles(a.column("churn_probability")));
  EXPECT_EQ(ints(b.column("label")), ints(a.column("label")));
}

TYPED_TEST_P(ModelPlugin, NumericInputsTakeAnyNumericType) {
  // "balance" is numeric in the signature: int64 and float32 columns both do.
  Heldout held = Heldout::read("binary");
  Harness<typename TestFixture::Op> f64(TestFixture::opts("binary"));
  Harness<typename TestFixture::Op> i64(TestFixture::opts("binary"));
  for (auto& v : held.features[5]) v = std::round(v);
  Batch a = TestFixture::score(f64, held.batch(Type::Float64));
  Batch b = TestFixture::score(i64, held.batch(Type::Int64));
  EXPECT_EQ(b.schema().field(5).type, Type::Int64);
  EXPECT_EQ(doubles(b.column("churn_probability")), doubles(a.column("churn_probability")));
}

TYPED_TEST_P(ModelPlugin, MissingOrMistypedColumnsAreNamedAtOpen) {
  Heldout held = Heldout::read("binary");
  Batch full = held.batch();
  EXPECT_THAT(TestFixture::invalid(TestFixture::opts("binary"), full.without("ratio")),
              HasSubstr("requires column \"ratio\", which the input lacks (input columns: age, income, is_member, visits, balance)"));
  Batch age_as_double = full.with_column("age", BatchBuilder().f64("age", std::vector<std::optional<double>>(held.rows(), 30.0)).build().column(0));
  EXPECT_THAT(TestFixture::invalid(TestFixture::opts("binary"), age_as_double),
              HasSubstr("requires column \"age\" as int64, but the input has it as float64"));
  Batch ratio_as_text = full.with_column("ratio", BatchBuilder().str("ratio", std::vector<std::optional<std::string>>(held.rows(), "x")).build().column(0));
  EXPECT_THAT(TestFixture::invalid(TestFixture::opts("binary"), ratio_as_text),
              HasSubstr("requires column \"ratio\" as float32, but the input has it as utf8"));
  Batch balance_as_text = full.with_column("balance", BatchBuilder().str("balance", std::vector<std::optional<std::string>>(held.rows(), "x")).build().column(0));
  EXPECT_THAT(TestFixture::invalid(TestFixture::opts("binary"), balance_as_text),
              HasSubstr("requires column \"balance\" to be numeric, but the input has it as utf8"));
}

TYPED_TEST_P(ModelPlugin, OutputColumnsMustNotExistYet) {
  Batch full = Heldout::read("binary").batch();
  Batch with_label = full.with_column("label", full.column("age"));
  EXPECT_THAT(TestFixture::invalid(TestFixture::opts("binary"), with_label),
              HasSubstr("the input already has a column \"label\", which this model would write; choose another name with option \"label_output\""));
  Batch with_output = full.with_column("churn_probability", full.column("income"));
  EXPECT_THAT(TestFixture::invalid(TestFixture::opts("binary"), with_output),
              HasSubstr("the input already has a column \"churn_probability\", which this model would write (an output of signature file \"" +
                        data("binary/signature.json") + "\")"));
  EXPECT_THAT(TestFixture::invalid(TestFixture::opts("binary").set("label_output", std::string("churn_probability")), full),
              HasSubstr("option \"label_output\" (\"churn_probability\") is also an output of signature file"));
}

TYPED_TEST_P(ModelPlugin, RowsWithMissingFeaturesAreRejectedNotScored) {
  Heldout held = Heldout::read("binary");
  Harness<typename TestFixture::Op> h(TestFixture::opts("binary"));
  Batch all = TestFixture::score(h, held.batch());
  const double nan = std::nan("");
  const double inf = std::numeric_limits<double>::infinity();
  // Rows 0..5 of the held-out set; rows 1, 3 and 4 get a bad feature.
  std::vector<std::optional<double>> income = {held.features[1][0], nan, held.features[1][2], held.features[1][3], -inf, held.features[1][5]};
  std::vector<std::optional<int64_t>> age;
  for (size_t r = 0; r < 6; ++r) age.push_back(static_cast<int64_t>(held.features[0][r]));
  age[3] = std::nullopt;
  std::vector<std::optional<float>> ratio;
  for (size_t r = 0; r < 6; ++r) ratio.push_back(static_cast<float>(held.features[4][r]));
  ratio[1] = std::numeric_limits<float>::infinity();  // row 1 is reported by its first bad feature: income
  std::vector<std::optional<int32_t>> visits;
  std::vector<std::optional<bool>> member;
  std::vector<std::optional<double>> balance;
  for (size_t r = 0; r < 6; ++r) {
    visits.push_back(static_cast<int32_t>(held.features[3][r]));
    member.push_back(held.features[2][r] != 0);
    balance.push_back(held.features[5][r]);
  }
  Batch in = BatchBuilder()
                 .i64("row", {0, 1, 2, 3, 4, 5})
                 .i64("age", age)
                 .f64("income", income)
                 .boolean("is_member", member)
                 .i32("visits", visits)
                 .f32("ratio", ratio)
                 .f64("balance", balance)
                 .build();
  Harness<typename TestFixture::Op> h2(TestFixture::opts("binary"));
  Batch out = TestFixture::score(h2, in);
  const auto& r = h2.recorded().rejections;
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r[0].row, 1);
  EXPECT_EQ(r[0].reason, "feature \"income\" is NaN");
  EXPECT_EQ(r[1].row, 3);
  EXPECT_EQ(r[1].reason, "feature \"age\" is null");
  EXPECT_EQ(r[2].row, 4);
  EXPECT_EQ(r[2].reason, "feature \"income\" is infinite");
  for (const auto& x : r) EXPECT_EQ(x.code, TRESTLE_DATA_ERROR);
  EXPECT_EQ(ints(out.column("row")), (std::vector<int64_t>{0, 2, 5}));
  std::vector<double> p = doubles(out.column("churn_probability"));
  ASSERT_EQ(p.size(), 3u);
  EXPECT_NEAR(p[0], all.column("churn_probability").f64(0), 1e-12);
  EXPECT_NEAR(p[1], all.column("churn_probability").f64(2), 1e-12);
  EXPECT_NEAR(p[2], all.column("churn_probability").f64(5), 1e-12);
  EXPECT_EQ(h2.recorded().counters["predictions"], 3);

  // A batch of nothing but bad rows comes out empty.
  Batch bad = in.take({1, 3, 4});
  Batch none = h2.process(bad);
  EXPECT_EQ(none.num_rows(), 0);
  EXPECT_EQ(none.schema(), out.schema());
}

TYPED_TEST_P(ModelPlugin, EmptyAndOddSizedBatches) {
  Heldout held = Heldout::read("multiclass");
  Batch all = held.batch();
  Harness<typename TestFixture::Op> h(TestFixture::opts("multiclass"));
  Batch whole = TestFixture::score(h, all);
  Batch empty = h.process(Batch::empty(all.schema()));
  EXPECT_EQ(empty.num_rows(), 0);
  EXPECT_EQ(empty.schema(), whole.schema());
  // One row, then 7, then the rest: the same numbers as the whole batch.
  const int64_t n = all.num_rows();
  std::vector<double> pieces;
  for (auto [start, len] : std::vector<std::pair<int64_t, int64_t>>{{0, 1}, {1, 7}, {8, n - 8}}) {
    Batch part = h.process(all.slice(start, len));
    ASSERT_EQ(part.num_rows(), len);
    for (double v : doubles(part.column("p_virginica"))) pieces.push_back(v);
  }
  std::vector<double> expected = doubles(whole.column("p_virginica"));
  ASSERT_EQ(pieces.size(), expected.size());
  for (size_t r = 0; r < expected.size(); ++r) EXPECT_NEAR(pieces[r], expected[r], 1e-6) << "row " << r;
}

TYPED_TEST_P(ModelPlugin, BadSignatureFilesNameTheFileAndTheField) {
  Batch in = Heldout::read("binary").batch();
  const std::string path = this->write("bad.json", R"({"inputs": [{"name": "age", "type": "int64"}, {"name": "income", "type": "float64"},
    {"name": "is_member", "type": "float16"}], "outputs": ["p"], "task": "binary"})");
  EXPECT_THAT(TestFixture::invalid(TestFixture::opts("binary").set("signature", path), in),
              HasSubstr("signature file \"" + path + "\": inputs[2].type \"float16\" is not one of float32, float64, int32, int64, bool, numeric"));
  const std::string absent = (this->dir_ / "absent.json").string();
  EXPECT_THAT(TestFixture::invalid(TestFixture::opts("binary").set("signature", absent), in),
              HasSubstr("signature file \"" + absent + "\": cannot be opened: No such file or directory"));
  // A model directory without signature.json.
  std::filesystem::create_directory(this->dir_ / "m");
  std::filesystem::copy_file(TestFixture::model("binary"), this->dir_ / "m" / TypeParam::kModelFile);
  const std::string beside = (this->dir_ / "m" / "signature.json").string();
  EXPECT_THAT(TestFixture::invalid(Options().set("model", (this->dir_ / "m").string()), in),
              HasSubstr("signature file \"" + beside + "\": cannot be opened"));
}

TYPED_TEST_P(ModelPlugin, SignatureNarrowerThanTheModelIsAClearError) {
  // The binary model takes 6 features; this signature lists 5.
  const std::string path = this->write("five.json", R"({"inputs": [{"name": "age", "type": "int64"}, {"name": "income", "type": "float64"},
    {"name": "is_member", "type": "bool"}, {"name": "visits", "type": "int32"}, {"name": "ratio", "type": "float32"}],
    "outputs": ["churn_probability"], "task": "binary"})");
  std::string m = TestFixture::invalid(TestFixture::opts("binary").set("signature", path), Heldout::read("binary").batch());
  EXPECT_THAT(m, HasSubstr(TestFixture::what("binary") + " does not take the input signature file \"" + path + "\" describes, a [2 x 5] float32 tensor: "));
  EXPECT_THAT(m, HasSubstr(TypeParam::kWidthHint));
}

TYPED_TEST_P(ModelPlugin, OutputCountOtherThanTheSignaturesIsAClearError) {
  const std::string path = this->write("two.json", R"({"inputs": [{"name": "age", "type": "int64"}, {"name": "income", "type": "float64"},
    {"name": "is_member", "type": "bool"}, {"name": "visits", "type": "int32"}, {"name": "ratio", "type": "float32"},
    {"name": "balance", "type": "numeric"}], "outputs": ["a", "b"], "task": "regression"})");
  EXPECT_THAT(TestFixture::invalid(TestFixture::opts("binary").set("signature", path), Heldout::read("binary").batch()),
              HasSubstr(TestFixture::what("binary") + " returns a [2 x 1] tensor for 2 rows, but signature file \"" + path +
                        "\" lists 2 outputs (a, b): expected [2 x 2]"));
}

TYPED_TEST_P(ModelPlugin, WarmupZeroStillChecksTheModel) {
  const std::string path = this->write("two.json", R"({"inputs": [{"name": "area", "type": "float64"}, {"name": "rooms", "type": "int64"},
    {"name": "age_years", "type": "numeric"}], "outputs": ["a", "b"], "task": "regression"})");
  Batch in = Heldout::read("regression").batch();
  EXPECT_THAT(TestFixture::invalid(TestFixture::opts("regression").set("signature", path).set("warmup", int64_t{0}), in),
              HasSubstr("lists 2 outputs (a, b): expected [2 x 2]"));
  Harness<typename TestFixture::Op> h(TestFixture::opts("regression").set("warmup", int64_t{0}));
  EXPECT_EQ(TestFixture::score(h, in).num_rows(), in.num_rows());
  Harness<typename TestFixture::Op> many(TestFixture::opts("regression").set("warmup", int64_t{5}));
  EXPECT_EQ(TestFixture::score(many, in).num_rows(), in.num_rows());
}

TYPED_TEST_P(ModelPlugin, ModelPathMayBeADirectory) {
  Heldout held = Heldout::read("binary");
  Harness<typename TestFixture::Op> by_dir(Options().set("model", data("binary")));
  Harness<typename TestFixture::Op> by_file(TestFixture::opts("binary"));
  EXPECT_EQ(doubles(TestFixture::score(by_dir, held.batch()).column("churn_probability")),
            doubles(TestFixture::score(by_file, held.batch()).column("churn_probability")));
  EXPECT_THAT(TestFixture::invalid(Options().set("model", data("absent")), held.batch()),
              HasSubstr("\"" + data("absent") + "\" does not exist"));  // trestle::model_file's words
  EXPECT_THAT(TestFixture::invalid(Options().set("model", this->dir_.string()), held.batch()),
              HasSubstr("model directory \"" + this->dir_.string() + "\" holds none of: " + TypeParam::kCandidates));
}

TYPED_TEST_P(ModelPlugin, AFileThatIsNotAModelIsNamed) {
  const std::string path = this->write(std::string("broken_") + TypeParam::kModelFile, "this is not a model");
  std::string m = TestFixture::invalid(Options().set("model", path).set("signature", data("binary/signature.json")), Heldout::read("binary").batch());
  EXPECT_THAT(m, HasSubstr(std::string(TypeParam::kName) + " model \"" + path + "\" cannot be loaded: "));
}

TYPED_TEST_P(ModelPlugin, InfoReportsFrameworkAndSignatureVersion) {
  typename TestFixture::Op binary(with_defaults<typename TestFixture::Op>(TestFixture::opts("binary")));
  EXPECT_THAT(binary.info().framework, ::testing::StartsWith(TypeParam::kFramework));
  EXPECT_EQ(binary.info().version, "3");
  typename TestFixture::Op multi(with_defaults<typename TestFixture::Op>(TestFixture::opts("multiclass")));
  EXPECT_EQ(multi.info().version, "2024-06-01");
  trestle::Signature s = multi.signature();
  ASSERT_EQ(s.inputs.size(), 4u);
  EXPECT_EQ(s.inputs[0].name, "sepal_length");
  EXPECT_TRUE(s.inputs[2].any_numeric);
  ASSERT_EQ(s.outputs.size(), 4u);
  EXPECT_EQ(s.outputs[3].name, "label");
  EXPECT_EQ(s.outputs[3].type, Type::Int64);
  Harness<typename TestFixture::Op> h(TestFixture::opts("binary"));
  EXPECT_EQ(h.def()->threading, TRESTLE_THREADING_PER_WORKER);
}

// per_worker: one instance per worker, each called from one thread at a time, all at
// once. Every instance scores like torch, whichever thread calls it.
TYPED_TEST_P(ModelPlugin, InstancesScoreConcurrently) {
  Heldout held = Heldout::read("multiclass");
  const Batch in = held.batch();
  constexpr int kWorkers = 3;
  std::vector<std::unique_ptr<Harness<typename TestFixture::Op>>> workers;
  for (int w = 0; w < kWorkers; ++w) {
    workers.push_back(std::make_unique<Harness<typename TestFixture::Op>>(TestFixture::opts("multiclass")));
    workers.back()->open(in.schema());
  }
  std::vector<std::vector<double>> got(kWorkers);
  std::vector<std::thread> threads;
  for (int w = 0; w < kWorkers; ++w)
    threads.emplace_back([&, w] {
      for (int i = 0; i < 20; ++i) {
        Batch out = workers[static_cast<size_t>(w)]->process(in.slice(i % 5, in.num_rows() - 5));
        if (i == 19) got[static_cast<size_t>(w)] = doubles(out.column("p_versicolor"));
      }
    });
  for (auto& t : threads) t.join();
  for (int w = 0; w < kWorkers; ++w) {
    ASSERT_EQ(got[static_cast<size_t>(w)].size(), held.rows() - 5);
    for (size_t r = 0; r < got[static_cast<size_t>(w)].size(); ++r)
      EXPECT_NEAR(got[static_cast<size_t>(w)][r], held.expected[1][r + 4], kTolerance) << "worker " << w << " row " << r;
  }
}

REGISTER_TYPED_TEST_SUITE_P(ModelPlugin, BinaryMatchesTorchForEveryHeldOutRow, MulticlassMatchesTorchAndLabelsTheLargest,
                            RegressionMatchesTorch, ThresholdAndLabelName, ColumnsAreTakenByNameNotPosition,
                            NumericInputsTakeAnyNumericType, MissingOrMistypedColumnsAreNamedAtOpen, OutputColumnsMustNotExistYet,
                            RowsWithMissingFeaturesAreRejectedNotScored, EmptyAndOddSizedBatches,
                            BadSignatureFilesNameTheFileAndTheField, SignatureNarrowerThanTheModelIsAClearError,
                            OutputCountOtherThanTheSignaturesIsAClearError, WarmupZeroStillChecksTheModel,
                            ModelPathMayBeADirectory, AFileThatIsNotAModelIsNamed, InfoReportsFrameworkAndSignatureVersion, InstancesScoreConcurrently);

}  // namespace model_plugin_tests
