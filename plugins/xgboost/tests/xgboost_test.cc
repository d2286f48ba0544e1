#include "xgboost_model.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <trestle/testing.hpp>
#include <xgboost/c_api.h>

// The models and expected predictions come from testdata/make_models.py, which trains
// them with XGBoost's Python package and records what it predicts for held-out rows.

namespace {

namespace fs = std::filesystem;
using trestle::Batch;
using trestle::Options;
using trestle::Type;
using trestle::testing::BatchBuilder;
using trestle::testing::doubles;
using trestle::testing::ints;
using trestle::testing::Harness;
using trestle_xgb::XGBoostModel;
using ::testing::HasSubstr;
using Names = std::vector<std::string>;
using Cells = std::vector<std::optional<double>>;

constexpr double kTolerance = 1e-6;

std::string data(const std::string& f) { return std::string(XGBOOST_TESTDATA) + "/" + f; }
Options model(const std::string& f) { return Options().set("model", data(f)); }

// A CSV of numbers with a header; an empty cell is missing.
struct Table {
  Names names;
  std::vector<Cells> columns;  // column-major
  size_t rows() const { return columns.empty() ? 0 : columns[0].size(); }
};

Table read_csv(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open " + path);
  Table t;
  std::string line;
  std::getline(in, line);
  std::stringstream header(line);
  for (std::string cell; std::getline(header, cell, ',');) t.names.push_back(cell);
  t.columns.resize(t.names.size());
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    size_t start = 0;
    for (size_t j = 0; j < t.names.size(); ++j) {
      size_t end = line.find(',', start);
      if (end == std::string::npos) end = line.size();
      const std::string cell = line.substr(start, end - start);
      t.columns[j].push_back(cell.empty() ? std::nullopt : std::optional<double>(std::stod(cell)));
      start = end + 1;
    }
  }
  return t;
}

// The feature rows of a data set as float64 columns; missing cells as nulls or as NaN.
Batch features(const std::string& set, bool missing_as_nan = false) {
  Table t = read_csv(data(set + "_test.csv"));
  BatchBuilder b;
  for (size_t j = 0; j < t.names.size(); ++j) {
    Cells c = t.columns[j];
    if (missing_as_nan)
      for (auto& v : c) v = v.value_or(std::numeric_limits<double>::quiet_NaN());
    b.f64(t.names[j], c);
  }
  return b.build();
}


Batch score(Harness<XGBoostModel>& h, const Batch& in) {
  h.open(in.schema());
  return h.process(in);
}

// The message of the InvalidArgument that creating the model and opening it on `in` throws.
std::string invalid(const Options& o, const Batch& in) {
  std::optional<trestle::Error> e = trestle::testing::open_error<XGBoostModel>(o, in.schema());
  EXPECT_TRUE(e && e->code() == TRESTLE_INVALID_ARGUMENT) << (e ? e->what() : "no error");
  return e ? e->what() : "";
}

// Options with the spec's defaults filled, for constructing the operator directly.
Options with_defaults(Options o) {
  const trestle::OperatorSpec spec = XGBoostModel::spec();
  for (const auto& p : spec.params())
    if (!o.has(p.name) && p.default_value) o.set(p.name, *p.default_value);
  return o;
}

// A directory under the system's temporary directory, removed at the end of the test.
class TempDir {
 public:
  TempDir() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ = fs::temp_directory_path() /
            ("trestle_xgboost_" + std::string(info->name()) + "_" + std::to_string(::getpid()));
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  std::string operator/(const std::string& f) const { return (path_ / f).string(); }
  std::string str() const { return path_.string(); }

 private:
  fs::path path_;
};

// ---- predictions equal XGBoost Python's --------------------------------------------

struct Case {
  std::string model;  // file in testdata
  std::string set;    // data set of its held-out rows
  std::string expected;
  Names outputs;  // the output columns the model adds
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.model; }

class MatchesPython : public ::testing::TestWithParam<Case> {};

TEST_P(MatchesPython, ForEveryHeldOutRow) {
  const Case& c = GetParam();
  Options o = model(c.model);
  if (c.model == "unnamed.json") o.set("features", read_csv(data("breast_cancer_test.csv")).names);
  Harness<XGBoostModel> h(o);
  Batch in = features(c.set);
  Batch out = score(h, in);

  Names want_names = in.schema().names();
  want_names.insert(want_names.end(), c.outputs.begin(), c.outputs.end());
  ASSERT_EQ(out.schema().names(), want_names);
  ASSERT_EQ(out.num_rows(), in.num_rows());
  EXPECT_EQ(h.recorded().counters["predictions"], static_cast<double>(in.num_rows()));
  EXPECT_TRUE(h.recorded().rejections.empty());

  Table expected = read_csv(data(c.expected + ".expected.csv"));
  ASSERT_EQ(expected.rows(), static_cast<size_t>(in.num_rows()));
  const bool label = c.outputs.back() == "label";
  const size_t values = c.outputs.size() - (label ? 1 : 0);
  const size_t first = in.num_columns();
  for (size_t k = 0; k < values; ++k) {
    std::vector<double> got = doubles(out.column(first + k));
    for (size_t r = 0; r < got.size(); ++r)
      EXPECT_NEAR(got[r], *expected.columns[k][r], kTolerance) << c.model << " row " << r << " value " << k;
  }
  if (!label) return;
  std::vector<int64_t> labels = ints(out.column("label"));
  for (size_t r = 0; r < labels.size(); ++r) {
    if (values == 1) {  // binary:logistic, threshold 0.5
      EXPECT_EQ(labels[r], *expected.columns[0][r] >= 0.5 ? 1 : 0) << "row " << r;
    } else if (c.expected == "softmax") {  // the class XGBoost itself predicts
      EXPECT_EQ(labels[r], static_cast<int64_t>(*expected.columns[values][r])) << "row " << r;
    } else {  // argmax of the probabilities
      size_t best = 0;
      for (size_t k = 1; k < values; ++k)
        if (*expected.columns[k][r] > *expected.columns[best][r]) best = k;
      EXPECT_EQ(labels[r], static_cast<int64_t>(best)) << "row " << r;
    }
  }
}

const Names kClassColumns = {"score_0", "score_1", "score_2", "label"};

INSTANTIATE_TEST_SUITE_P(
    Models, MatchesPython,
    ::testing::Values(Case{"binary.json", "breast_cancer", "binary", {"score", "label"}},
                      Case{"binary.ubj", "breast_cancer", "binary", {"score", "label"}},
                      Case{"multiclass.json", "iris", "multiclass", kClassColumns},
                      Case{"multiclass.ubj", "iris", "multiclass", kClassColumns},
                      Case{"regression.json", "diabetes", "regression", {"score"}},
                      Case{"regression.ubj", "diabetes", "regression", {"score"}},
                      Case{"softmax.json", "iris", "softmax", kClassColumns},
                      Case{"dart.json", "breast_cancer", "dart", {"score", "label"}},
                      Case{"gblinear.json", "diabetes", "gblinear", {"score"}},
                      Case{"multitarget.json", "multitarget", "multitarget", {"score_0", "score_1"}},
                      Case{"unnamed.json", "breast_cancer", "unnamed", {"score", "label"}}),
    [](const ::testing::TestParamInfo<Case>& i) {
      std::string n = i.param.model;
      std::replace(n.begin(), n.end(), '.', '_');
      return n;
    });

TEST(XGBoost, SoftmaxProbabilitiesSumToOne) {
  // Computed in double; float32 scores (the default) each round once, float64 keep them.
  for (const auto& [type, tolerance] : {std::pair<std::string, double>{"float32", 1e-6}, {"float64", 1e-12}}) {
    Harness<XGBoostModel> h(model("softmax.json").set("score_type", type));
    Batch out = score(h, features("iris"));
    EXPECT_EQ(out.column("score_0").type(), type == "float32" ? Type::Float32 : Type::Float64);
    for (int64_t r = 0; r < out.num_rows(); ++r)
      EXPECT_NEAR(out.column("score_0").as_double(r) + out.column("score_1").as_double(r) + out.column("score_2").as_double(r),
                  1.0, tolerance) << type;
  }
}

TEST(XGBoost, Float32ScoresAreXGBoostsOwnAndFloat64TheSameValuesWidened) {
  Batch in = features("breast_cancer");
  Harness<XGBoostModel> f32(model("binary.json"));
  Harness<XGBoostModel> f64(model("binary.json").set("score_type", "float64"));
  Batch a = score(f32, in);
  Batch b = score(f64, in);
  ASSERT_EQ(a.column("score").type(), Type::Float32);
  ASSERT_EQ(b.column("score").type(), Type::Float64);
  ASSERT_EQ(a.num_rows(), b.num_rows());
  for (int64_t r = 0; r < a.num_rows(); ++r) {
    EXPECT_EQ(static_cast<double>(a.column("score").f32(r)), b.column("score").f64(r)) << "row " << r;
    EXPECT_EQ(a.column("label").i64(r), b.column("label").i64(r)) << "row " << r;
  }
  EXPECT_THAT(invalid(model("binary.json").set("score_type", "float16"), in), HasSubstr("score_type"));
}

// ---- inputs by name ---------------------------------------------------------------

TEST(XGBoost, FeaturesAreTakenByNameNotPosition) {
  Batch in = features("breast_cancer");
  Harness<XGBoostModel> ordered(model("binary.json"));
  std::vector<double> want = doubles(score(ordered, in).column("score"));

  // Reverse the columns, then put extra ones (text and a number) in front and between.
  BatchBuilder b;
  b.str("id", std::vector<std::optional<std::string>>(static_cast<size_t>(in.num_rows()), std::string("x")));
  const Names names = in.schema().names();
  for (size_t j = names.size(); j-- > 0;) {
    Cells c;
    for (int64_t r = 0; r < in.num_rows(); ++r)
      c.push_back(in.column(j).is_null(r) ? std::nullopt : std::optional<double>(in.column(j).f64(r)));
    b.f64(names[j], c);
    if (j == 15) b.f64("noise", Cells(static_cast<size_t>(in.num_rows()), 123.0));
  }
  Batch shuffled = b.build();
  Harness<XGBoostModel> h(model("binary.json"));
  Batch out = score(h, shuffled);
  EXPECT_EQ(doubles(out.column("score")), want);
  EXPECT_EQ(out.schema().field(0).name, "id");
  EXPECT_EQ(out.schema().field(out.num_columns() - 2).name, "score");
}

TEST(XGBoost, AnyNumericTypeIsAFeature) {
  // iris read as float32, int64 (x10, truncated), bool: compared with float64 columns of
  // the same values.
  Table t = read_csv(data("iris_test.csv"));
  BatchBuilder as_f32, as_f64;
  for (size_t j = 0; j < t.names.size(); ++j) {
    std::vector<std::optional<float>> f;
    for (const auto& v : t.columns[j]) f.push_back(v ? std::optional<float>(static_cast<float>(*v)) : std::nullopt);
    as_f32.f32(t.names[j], f);
    as_f64.f64(t.names[j], t.columns[j]);
  }
  Harness<XGBoostModel> a(model("multiclass.json")), b(model("multiclass.json"));
  EXPECT_EQ(doubles(score(a, as_f32.build()).column("score_1")), doubles(score(b, as_f64.build()).column("score_1")));

  Harness<XGBoostModel> c(model("regression.ubj")), d(model("regression.ubj"));
  Batch ints_in = BatchBuilder()
                      .i64("age", {50, 30})
                      .boolean("sex", {true, false})
                      .i32("bmi", {25, 31})
                      .i64("bp", {90, 100})
                      .i32("s1", {180, 200})
                      .f32("s2", {100.0f, 120.5f})
                      .f64("s3", {40.0, 50.0})
                      .f64("s4", {4.0, 5.0})
                      .f64("s5", {4.5, 5.0})
                      .i64("s6", {90, 95})
                      .build();
  Batch doubles_in = BatchBuilder()
                         .f64("age", {50, 30})
                         .f64("sex", {1, 0})
                         .f64("bmi", {25, 31})
                         .f64("bp", {90, 100})
                         .f64("s1", {180, 200})
                         .f64("s2", {100.0, 120.5})
                         .f64("s3", {40.0, 50.0})
                         .f64("s4", {4.0, 5.0})
                         .f64("s5", {4.5, 5.0})
                         .f64("s6", {90, 95})
                         .build();
  EXPECT_EQ(doubles(score(c, ints_in).column("score")), doubles(score(d, doubles_in).column("score")));
}

TEST(XGBoost, AMissingFeatureIsNamedAtOpen) {
  Batch in = features("iris").without("petal_width");
  EXPECT_THAT(invalid(model("multiclass.json"), in),
              HasSubstr("requires column \"petal_width\", which the input lacks (input columns: sepal_length, sepal_width, "
                        "petal_length)"));
}

TEST(XGBoost, AUtf8FeatureIsNamedAtOpen) {
  Batch in = features("iris").with_column("sepal_width", BatchBuilder().str("x", std::vector<std::optional<std::string>>(30, "3.0"))
                                                              .build()
                                                              .column(0));
  EXPECT_THAT(invalid(model("multiclass.ubj"), in),
              HasSubstr("requires column \"sepal_width\" to be numeric, but the input has it as utf8"));
}

// ---- missing values ----------------------------------------------------------------

TEST(XGBoost, NullsAreNaNAndNoRowIsRejected) {
  Batch with_nulls = features("breast_cancer");
  Batch with_nans = features("breast_cancer", /*missing_as_nan=*/true);
  int64_t nulls = 0;
  for (const auto& c : with_nulls.columns()) nulls += c.null_count();
  ASSERT_GT(nulls, 100);  // the data set has missing cells
  for (const auto& c : with_nans.columns()) ASSERT_EQ(c.null_count(), 0);

  Harness<XGBoostModel> a(model("binary.json")), b(model("binary.json"));
  Batch x = score(a, with_nulls), y = score(b, with_nans);
  EXPECT_EQ(doubles(x.column("score")), doubles(y.column("score")));
  EXPECT_TRUE(a.recorded().rejections.empty());
  EXPECT_TRUE(b.recorded().rejections.empty());

  // A row with every feature missing is scored too (every tree takes its default branch).
  Table t = read_csv(data("iris_test.csv"));
  BatchBuilder all_missing;
  for (const auto& n : t.names) all_missing.f64(n, {std::nullopt, std::nan("")});
  Harness<XGBoostModel> c(model("multiclass.json"));
  Batch out = score(c, all_missing.build());
  ASSERT_EQ(out.num_rows(), 2);
  EXPECT_EQ(out.column("score_0").as_double(0), out.column("score_0").as_double(1));
  EXPECT_NEAR(out.column("score_0").as_double(0) + out.column("score_1").as_double(0) + out.column("score_2").as_double(0), 1.0, 1e-6);
}

// ---- outputs and options -------------------------------------------------------------

TEST(XGBoost, LabelFollowsTheThreshold) {
  Batch in = features("breast_cancer");
  Harness<XGBoostModel> h(model("binary.json").set("threshold", 0.99).set("output", std::string("p")).set("label_output",
                                                                                                          std::string("malignant")));
  Batch out = score(h, in);
  EXPECT_EQ(out.schema().field(out.num_columns() - 2).name, "p");
  EXPECT_EQ(out.schema().field(out.num_columns() - 1).name, "malignant");
  EXPECT_EQ(out.schema().field(out.num_columns() - 1).type, Type::Int64);
  std::vector<double> p = doubles(out.column("p"));
  std::vector<int64_t> label = ints(out.column("malignant"));
  int64_t differs_from_half = 0;
  for (size_t r = 0; r < p.size(); ++r) {
    EXPECT_EQ(label[r], p[r] >= 0.99 ? 1 : 0) << "row " << r;
    differs_from_half += (p[r] >= 0.5) != (p[r] >= 0.99) ? 1 : 0;
  }
  EXPECT_GT(differs_from_half, 0);  // the threshold matters for this data
}

TEST(XGBoost, OutputNamesMustNotCollide) {
  Batch in = features("iris");
  EXPECT_THAT(invalid(model("multiclass.json"), in.with_column("score_2", in.column(0))),
              HasSubstr("the input already has a column \"score_2\", which this model would write; choose another name with "
                        "option \"output\""));
  EXPECT_THAT(invalid(model("multiclass.json"), in.with_column("label", in.column(0))),
              HasSubstr("choose another name with option \"label_output\""));
  EXPECT_THAT(invalid(model("binary.json").set("label_output", std::string("score")), features("breast_cancer")),
              HasSubstr("option \"label_output\" gives the output column \"score\" a name another output column"));
  EXPECT_THAT(invalid(model("multiclass.json").set("output", std::string("p")).set("label_output", std::string("p_1")), in),
              HasSubstr("option \"label_output\" gives the output column \"p_1\""));
}

TEST(XGBoost, EmptyBatch) {
  Harness<XGBoostModel> h(model("multiclass.json"));
  Batch out = score(h, Batch::empty(features("iris").schema()));
  EXPECT_EQ(out.num_rows(), 0);
  EXPECT_EQ(out.schema().names(), (Names{"sepal_length", "sepal_width", "petal_length", "petal_width", "score_0", "score_1",
                                         "score_2", "label"}));
}

TEST(XGBoost, ASlicedBatchScoresItsOwnRows) {
  Batch in = features("diabetes");
  Harness<XGBoostModel> h(model("regression.json"));
  Batch out = score(h, in.slice(10, 25));
  Table expected = read_csv(data("regression.expected.csv"));
  ASSERT_EQ(out.num_rows(), 25);
  for (int64_t r = 0; r < 25; ++r)
    EXPECT_NEAR(out.column("score").as_double(r), *expected.columns[0][static_cast<size_t>(r + 10)], kTolerance);
}

// ---- model files ----------------------------------------------------------------------

TEST(XGBoost, ADirectoryResolvesToItsModelFile) {
  TempDir dir;
  fs::copy_file(data("regression.ubj"), dir / "model.ubj");
  Harness<XGBoostModel> h(Options().set("model", dir.str()));
  Batch out = score(h, features("diabetes"));
  Table expected = read_csv(data("regression.expected.csv"));
  EXPECT_NEAR(out.column("score").as_double(0), *expected.columns[0][0], kTolerance);

  // xgboost.json comes before model.ubj.
  fs::copy_file(data("binary.json"), dir / "xgboost.json");
  XGBoostModel m(with_defaults(Options().set("model", dir.str())));
  EXPECT_EQ(m.model_path(), dir / "xgboost.json");
  EXPECT_EQ(m.objective(), "binary:logistic");

  TempDir empty_parent;
  fs::create_directories(empty_parent / "v1");
  fs::copy_file(data("binary.json"), empty_parent / "v1/booster.json");
  EXPECT_THAT(invalid(Options().set("model", empty_parent / "v1"), features("breast_cancer")),
              HasSubstr("model directory \"" + (empty_parent / "v1") + "\" holds none of: xgboost.json, xgboost.ubj, "
                        "model.json, model.ubj"));
}

TEST(XGBoost, BadModelFilesNameThePath) {
  Batch in = features("iris");
  const std::string absent = invalid(model("absent.json"), in);  // trestle::model_file's message
  EXPECT_THAT(absent, HasSubstr("\"" + data("absent.json") + "\" does not exist"));

  TempDir dir;
  std::ofstream(dir / "broken.json") << "{\"learner\": not json";
  std::ofstream(dir / "empty.ubj");
  std::ofstream(dir / "model.txt") << "booster[0]:";
  std::ofstream(dir / "other.json") << R"({"some": "json", "but": ["not", "a", "model"]})";
  for (const char* f : {"broken.json", "empty.ubj", "other.json"}) {
    std::string m = invalid(Options().set("model", dir / f), in);
    EXPECT_THAT(m, HasSubstr("model file \"" + (dir / f) + "\" cannot be loaded by XGBoost: ")) << f;
  }
  EXPECT_THAT(invalid(Options().set("model", dir / "model.txt"), in),
              HasSubstr("model file \"" + (dir / "model.txt") + "\" must be an XGBoost model saved as JSON (.json) or UBJSON (.ubj)"));
  EXPECT_THAT(invalid(Options(), in), HasSubstr("missing required option \"model\""));
}

TEST(XGBoost, FeaturesOption) {
  Batch bc = features("breast_cancer");
  const Names names = bc.schema().names();
  EXPECT_THAT(invalid(model("unnamed.json"), bc),
              HasSubstr("model file \"" + data("unnamed.json") + "\" has no feature names; list its 30 features, in the "
                        "model's column order, with option \"features\""));
  EXPECT_THAT(invalid(model("unnamed.json").set("features", Names{"a", "b"}), bc),
              HasSubstr("option \"features\" lists 2 names but model file \"" + data("unnamed.json") + "\" has 30 features"));
  Names dup = names;
  dup[3] = dup[0];
  EXPECT_THAT(invalid(model("unnamed.json").set("features", dup), bc), HasSubstr("option \"features\" lists \"mean_radius\" twice"));

  // A named model: the option must repeat its names exactly.
  Names swapped = names;
  std::swap(swapped[0], swapped[1]);
  EXPECT_THAT(invalid(model("binary.json").set("features", swapped), bc),
              HasSubstr("option \"features\" differs from the feature names of model file \"" + data("binary.json") +
                        "\" (feature 0 is \"mean_texture\" in the option but \"mean_radius\" in the model)"));
  EXPECT_THAT(invalid(model("binary.json").set("features", Names{"mean_radius"}), bc),
              HasSubstr("(it lists 1 names, the model 30)"));
  Harness<XGBoostModel> same(model("binary.json").set("features", names));
  EXPECT_EQ(score(same, bc).num_rows(), bc.num_rows());

  // The option's names are the inputs of an unnamed model, taken by name as well.
  Names renamed;
  BatchBuilder b;
  for (size_t j = 0; j < names.size(); ++j) {
    renamed.push_back("f" + std::to_string(j));
    Cells c;
    for (int64_t r = 0; r < bc.num_rows(); ++r)
      c.push_back(bc.column(j).is_null(r) ? std::nullopt : std::optional<double>(bc.column(j).f64(r)));
    b.f64(renamed.back(), c);
  }
  Harness<XGBoostModel> h(model("unnamed.json").set("features", renamed));
  Batch out = score(h, b.build());
  Table expected = read_csv(data("unnamed.expected.csv"));
  for (int64_t r = 0; r < out.num_rows(); ++r)
    EXPECT_NEAR(out.column("score").as_double(r), *expected.columns[0][static_cast<size_t>(r)], kTolerance);
  EXPECT_THAT(invalid(model("unnamed.json").set("features", renamed), bc), HasSubstr("requires column \"f0\""));
}

TEST(XGBoost, BadOptions) {
  Batch in = features("iris");
  EXPECT_THAT(invalid(model("multiclass.json").set("threshold", 1.5), in), HasSubstr("option \"threshold\" must be within [0, 1]"));
  EXPECT_THAT(invalid(model("multiclass.json").set("nthread", int64_t{0}), in),
              HasSubstr("option \"nthread\" must be within [1, 1024], not 0"));
  EXPECT_THAT(invalid(model("multiclass.json").set("output", std::string()), in), HasSubstr("option \"output\" must not be empty"));
}

TEST(XGBoost, InfoNamesFrameworkAndModelVersion) {
  int major = 0, minor = 0, patch = 0;
  XGBoostVersion(&major, &minor, &patch);
  const std::string framework =
      "xgboost " + std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(patch);
  XGBoostModel binary(with_defaults(model("binary.ubj")));
  EXPECT_EQ(binary.info().framework, framework);
  EXPECT_EQ(binary.info().version, "breast-cancer-2024.06");
  XGBoostModel regression(with_defaults(model("regression.json")));
  EXPECT_EQ(regression.info().framework, framework);
  EXPECT_EQ(regression.info().version, "");

  // The runtime asks through the ABI's describe_model.
  Harness<XGBoostModel> h(model("binary.json"));
  ASSERT_NE(h.def()->process->describe_model, nullptr);
  EXPECT_EQ(h.def()->threading, TRESTLE_THREADING_REENTRANT);
  EXPECT_EQ(h.def()->role, TRESTLE_ROLE_MODEL);
}

TEST(XGBoost, SignatureAndKinds) {
  XGBoostModel m(with_defaults(model("multiclass.json")));
  EXPECT_EQ(m.kind(), XGBoostModel::Kind::MultiProb);
  EXPECT_EQ(m.width(), 3u);
  trestle::Signature s = m.signature();
  ASSERT_EQ(s.inputs.size(), 4u);
  EXPECT_EQ(s.inputs[0].name, "sepal_length");
  EXPECT_TRUE(s.inputs[0].any_numeric);
  ASSERT_EQ(s.outputs.size(), 4u);
  EXPECT_EQ(s.outputs[3].name, "label");
  EXPECT_EQ(s.outputs[3].type, Type::Int64);
  EXPECT_EQ(XGBoostModel(with_defaults(model("softmax.json"))).kind(), XGBoostModel::Kind::MultiMargin);
  EXPECT_EQ(XGBoostModel(with_defaults(model("regression.ubj"))).kind(), XGBoostModel::Kind::Score);
  EXPECT_EQ(XGBoostModel(with_defaults(model("binary.ubj"))).kind(), XGBoostModel::Kind::Binary);
}

// ---- threads ----------------------------------------------------------------------------

// Several threads predict through one instance at once (as the runtime does with a
// reentrant operator); every result equals the single-threaded one.
void concurrent(const std::string& file, const std::string& set, const std::string& column) {
  XGBoostModel m(with_defaults(model(file).set("nthread", int64_t{2})));
  Batch in = features(set);
  m.open(in.schema());
  trestle::Context quiet(nullptr);
  const std::vector<double> want = doubles(m.predict(in, quiet).column(column));
  constexpr int kThreads = 6, kRounds = 40;
  std::vector<int> mismatches(kThreads, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      trestle::Context ctx(nullptr);
      for (int i = 0; i < kRounds; ++i) {
        // Different slices too, so that the calls differ in size.
        const int64_t start = (t + i) % 5;
        Batch part = in.slice(start, in.num_rows() - start);
        std::vector<double> got = doubles(m.predict(part, ctx).column(column));
        if (!std::equal(got.begin(), got.end(), want.begin() + start)) ++mismatches[static_cast<size_t>(t)];
      }
    });
  for (auto& th : threads) th.join();
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(mismatches[static_cast<size_t>(t)], 0) << file << " thread " << t;
}

TEST(XGBoost, ConcurrentPredictOnOneInstance) {
  concurrent("binary.json", "breast_cancer", "score");
  concurrent("multiclass.ubj", "iris", "score_2");
  concurrent("softmax.json", "iris", "score_1");
  concurrent("dart.json", "breast_cancer", "score");
  concurrent("gblinear.json", "diabetes", "score");  // the locked DMatrix path
}

}  // namespace
