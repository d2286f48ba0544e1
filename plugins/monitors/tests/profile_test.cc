#include "profile.hpp"

#include <cmath>
#include <fstream>
#include <limits>

#include "support.hpp"

namespace mt {
namespace {

using monitors::CategoricalCounts;
using monitors::ColumnProfile;
using monitors::Kind;
using monitors::Profile;
using monitors::ProfileBuilder;
using monitors::ProfileOptions;

const double kNaN = std::numeric_limits<double>::quiet_NaN();
const double kInf = std::numeric_limits<double>::infinity();

Batch sample_batch(size_t n, uint64_t seed, size_t first = 0) {
  auto x = normal(n, 10, 3, seed);
  Doubles xs = opt(x);
  std::vector<std::optional<int64_t>> ids;
  std::vector<std::optional<bool>> flags;
  Strings country = categories(n, {"DE", "FR", "IT", "ES"}, {5, 3, 1, 1}, seed + 1);
  for (size_t i = 0; i < n; ++i) {
    if ((first + i) % 17 == 0) xs[i] = std::nullopt;
    if ((first + i) % 101 == 0) xs[i] = kNaN;
    if ((first + i) % 251 == 0) xs[i] = kInf;
    if ((first + i) % 13 == 0) country[i] = std::nullopt;
    ids.push_back(static_cast<int64_t>((first + i) % 7));
    flags.push_back((first + i) % 3 == 0);
  }
  return BatchBuilder().f64("x", xs).str("country", country).i64("code", ids).boolean("flag", flags).build();
}

void expect_same(const Profile& a, const Profile& b) {
  EXPECT_EQ(a.rows, b.rows);
  ASSERT_EQ(a.columns.size(), b.columns.size());
  for (size_t i = 0; i < a.columns.size(); ++i) {
    const ColumnProfile& x = a.columns[i];
    const ColumnProfile& y = b.columns[i];
    SCOPED_TRACE(x.name);
    EXPECT_EQ(x.name, y.name);
    EXPECT_EQ(x.type, y.type);
    EXPECT_EQ(x.kind, y.kind);
    EXPECT_EQ(x.count, y.count);
    EXPECT_EQ(x.null_count, y.null_count);
    EXPECT_EQ(x.nan_count, y.nan_count);
    EXPECT_EQ(x.inf_count, y.inf_count);
    if (x.kind == Kind::Numeric) {
      EXPECT_EQ(x.numeric.count, y.numeric.count);
      EXPECT_EQ(x.numeric.min, y.numeric.min);
      EXPECT_EQ(x.numeric.max, y.numeric.max);
      EXPECT_NEAR(x.numeric.mean, y.numeric.mean, 1e-12 * std::max(1.0, std::fabs(x.numeric.mean)));
      EXPECT_NEAR(x.numeric.variance(), y.numeric.variance(), 1e-10 * std::max(1.0, x.numeric.variance()));
      EXPECT_TRUE(x.numeric.sketch == y.numeric.sketch);
      EXPECT_EQ(x.ascending, y.ascending);
    } else {
      EXPECT_EQ(x.categorical.sorted(), y.categorical.sorted());
      EXPECT_EQ(x.categorical.other, y.categorical.other);
    }
  }
}

TEST(Profile, CountsNullsNaNsAndMoments) {
  Batch b = BatchBuilder()
                .f64("x", {1.0, 2.0, std::nullopt, kNaN, kInf, -kInf, 3.0})
                .str("c", {"a", "b", "a", std::nullopt, "a", "c", "a"})
                .build();
  Profile p = profile_of({b});
  EXPECT_EQ(p.rows, 7);
  const ColumnProfile& x = *p.find("x");
  EXPECT_EQ(x.kind, Kind::Numeric);
  EXPECT_EQ(x.count, 6);
  EXPECT_EQ(x.null_count, 1);
  EXPECT_NEAR(x.null_share(), 1.0 / 7, 1e-15);
  EXPECT_EQ(x.nan_count, 1);
  EXPECT_EQ(x.inf_count, 2);
  EXPECT_EQ(x.numeric.count, 3);
  EXPECT_EQ(x.numeric.min, 1);
  EXPECT_EQ(x.numeric.max, 3);
  EXPECT_DOUBLE_EQ(x.numeric.mean, 2);
  EXPECT_DOUBLE_EQ(x.numeric.variance(), 2.0 / 3);  // population variance
  const ColumnProfile& c = *p.find("c");
  EXPECT_EQ(c.kind, Kind::Categorical);
  EXPECT_EQ(c.count, 6);
  EXPECT_EQ(c.categorical.sorted(), (std::vector<std::pair<std::string, int64_t>>{{"a", 4}, {"b", 1}, {"c", 1}}));
  EXPECT_EQ(p.find("missing"), nullptr);
}

TEST(Profile, KindsFollowTypesAndDeclarations) {
  Batch b = BatchBuilder().i64("n", {1, 2}).i32("code", {3, 3}).boolean("f", {true, false}).ts("t", {1, 2}).build();
  ProfileOptions o;
  o.categorical = {"code"};
  Profile p = profile_of({b}, o);
  EXPECT_EQ(p.find("n")->kind, Kind::Numeric);
  EXPECT_EQ(p.find("code")->kind, Kind::Categorical);
  EXPECT_EQ(p.find("code")->categorical.sorted(), (std::vector<std::pair<std::string, int64_t>>{{"3", 2}}));
  EXPECT_EQ(p.find("f")->kind, Kind::Categorical);
  EXPECT_EQ(p.find("f")->categorical.sorted(), (std::vector<std::pair<std::string, int64_t>>{{"false", 1}, {"true", 1}}));
  EXPECT_EQ(p.find("t")->kind, Kind::Numeric);

  ProfileOptions bad;
  bad.categorical = {"t"};
  EXPECT_THAT(error_of([&] { ProfileBuilder(b.schema(), bad); }), HasSubstr("column \"t\", which is timestamp[us]"));
  bad.categorical = {"nope"};
  EXPECT_THAT(error_of([&] { ProfileBuilder(b.schema(), bad); }), HasSubstr("option \"categorical\" names column \"nope\""));
}

TEST(Profile, MergeOfTwoHalvesEqualsTheWhole) {
  Batch first = sample_batch(3000, 1, 0);
  Batch second = sample_batch(5000, 2, 3000);
  ProfileOptions o;
  o.categorical = {"code"};
  Profile whole = profile_of({first, second}, o);
  Profile a = profile_of({first}, o), b = profile_of({second}, o);
  expect_same(monitors::merge(a, b), whole);
  expect_same(monitors::merge(b, a), whole);
  // Also through the file format, as partitions would be.
  expect_same(monitors::merge(monitors::profile_from_json(monitors::to_json(a), "a"),
                              monitors::profile_from_json(monitors::to_json(b), "b")),
              whole);
}

TEST(Profile, IdentifiersAreNotedAndSurviveJsonAndMerge) {
  auto ids = [](int64_t first, int64_t n, int64_t step) {
    std::vector<std::optional<int64_t>> v;
    for (int64_t i = 0; i < n; ++i) v.push_back(first + i * step);
    return BatchBuilder().i64("id", v).build();
  };
  const Profile first = profile_of({ids(1, 150, 1)});
  ASSERT_TRUE(first.columns[0].ascending);
  EXPECT_TRUE(first.columns[0].identifier());
  EXPECT_FALSE(profile_of({ids(1, 50, 1)}).columns[0].identifier()) << "too few values to tell";
  EXPECT_FALSE(profile_of({ids(500, 150, -1)}).columns[0].identifier()) << "decreasing";
  EXPECT_FALSE(profile_of({ids(1, 150, 0)}).columns[0].identifier()) << "repeated";

  const json j = json::parse(monitors::to_json(first));
  EXPECT_EQ(j["columns"][0]["ascending"], true);
  EXPECT_THAT(j["columns"][0]["note"].get<std::string>(), HasSubstr("identifier"));
  const Profile back = monitors::profile_from_json(j.dump(), "p");
  EXPECT_TRUE(back.columns[0].identifier());
  // Written before the field existed: nothing known about the order.
  json old = j;
  old["columns"][0].erase("ascending");
  EXPECT_FALSE(monitors::profile_from_json(old.dump(), "p").columns[0].identifier());

  // Merged in order they still increase; overlapping parts do not.
  EXPECT_TRUE(monitors::merge(first, profile_of({ids(1000, 150, 1)})).columns[0].identifier());
  EXPECT_FALSE(monitors::merge(first, profile_of({ids(100, 150, 1)})).columns[0].identifier());
}

TEST(Profile, MergeRefusesDifferentColumns) {
  Profile a = profile_of({BatchBuilder().f64("x", {1.0}).build()});
  Profile b = profile_of({BatchBuilder().str("x", {"a"}).build()});
  EXPECT_THAT(error_of([&] { monitors::merge(a, b); }), HasSubstr("column 0 is \"x\" float64 numeric in one and \"x\" utf8"));
}

TEST(Profile, CategoricalMemoryIsBoundedForManyDistinctValues) {
  CategoricalCounts c;
  c.cap = 100;
  for (int i = 0; i < 50000; ++i) {
    c.add("v" + std::to_string(i % 20000));
    ASSERT_LE(c.counts.size(), 200u);  // at most 2 x cap while building
  }
  c.add("v1", 1000);  // a frequent value survives folding
  c.finish();
  EXPECT_EQ(c.counts.size(), 100u);
  EXPECT_EQ(c.total(), 51000);
  EXPECT_EQ(c.sorted().front().first, "v1");
  EXPECT_GT(c.other, 0);

  // Through the builder: a column of 30000 distinct values with max_categories 50.
  std::vector<std::optional<std::string>> ids;
  for (int i = 0; i < 30000; ++i) ids.push_back("id-" + std::to_string(i));
  ProfileOptions o;
  o.max_categories = 50;
  Profile p = profile_of({BatchBuilder().str("id", ids).build()}, o);
  EXPECT_EQ(p.find("id")->categorical.counts.size(), 50u);
  EXPECT_EQ(p.find("id")->categorical.other, 29950);
  EXPECT_EQ(p.find("id")->categorical.total(), 30000);
}

TEST(Profile, CategoricalMergeIsExactUnderTheCap) {
  CategoricalCounts a, b, whole;
  a.cap = b.cap = whole.cap = 10;
  for (int i = 0; i < 100; ++i) {
    std::string v = "v" + std::to_string(i % 8);
    whole.add(v);
    (i < 40 ? a : b).add(v);
  }
  a.merge(b);
  EXPECT_EQ(a.sorted(), whole.sorted());
  EXPECT_EQ(a.other, 0);
}

TEST(Profile, QuantilesAreWithinTheSketchBound) {
  auto x = normal(50000, 100, 15, 4);
  Profile p = profile_of({BatchBuilder().f64("x", opt(x)).build()});
  std::sort(x.begin(), x.end());
  for (double q : {0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99}) {
    const double truth = x[static_cast<size_t>(std::floor(q * (x.size() - 1)))];
    EXPECT_LE(std::fabs(monitors::profile_quantile(*p.find("x"), q) - truth), 0.005 * std::fabs(truth) * (1 + 1e-9)) << q;
  }
}

TEST(Profile, JsonRoundTripsAndNamesItsFormat) {
  ProfileOptions o;
  o.categorical = {"code"};
  Profile p = profile_of({sample_batch(2000, 3)}, o);
  const std::string text = monitors::to_json(p);
  json j = json::parse(text);
  EXPECT_EQ(j["format"], "trestle-profile/1");
  EXPECT_EQ(j["rows"], 2000);
  json x = j["columns"][0];
  EXPECT_EQ(x["name"], "x");
  EXPECT_EQ(x["kind"], "numeric");
  EXPECT_EQ(x["type"], "float64");
  for (const char* k : {"count", "min", "max", "mean", "variance", "std", "quantiles", "histogram", "sketch"})
    EXPECT_TRUE(x["numeric"].contains(k)) << k;
  EXPECT_EQ(x["numeric"]["sketch"]["relative_accuracy"], 0.005);
  int64_t hist = 0;
  for (const auto& c : x["numeric"]["histogram"]["counts"]) hist += c.get<int64_t>();
  EXPECT_EQ(hist, x["numeric"]["count"].get<int64_t>());
  json c = j["columns"][1];
  EXPECT_EQ(c["kind"], "categorical");
  EXPECT_EQ(c["categorical"]["values"][0]["value"], "DE");  // most frequent first
  expect_same(monitors::profile_from_json(text, "p"), p);
}

TEST(Profile, WriteIsAtomicAndLoadReadsItBack) {
  TempDir dir;
  Profile p = profile_of({sample_batch(500, 8)});
  monitors::write_profile(dir.file("sub/ref.profile"), p);
  expect_same(monitors::load_profile(dir.file("sub/ref.profile")), p);
  for (const auto& e : std::filesystem::directory_iterator(dir.file("sub")))  // no temporary file left
    EXPECT_EQ(e.path().filename(), "ref.profile");
  EXPECT_THAT(error_of([&] { monitors::load_profile(dir.file("absent.profile")); }),
              HasSubstr("cannot read profile \"" + dir.file("absent.profile") + "\""));
}

TEST(Profile, BadFilesNameTheFileColumnAndField) {
  EXPECT_THAT(error_of([] { monitors::profile_from_json("{", "ref.json"); }), HasSubstr("profile \"ref.json\" is not JSON"));
  EXPECT_THAT(error_of([] { monitors::profile_from_json(R"({"format": "trestle-profile/9", "rows": 0, "columns": []})", "r"); }),
              HasSubstr("field \"format\" is \"trestle-profile/9\"; this version reads \"trestle-profile/1\""));
  Profile p = profile_of({BatchBuilder().f64("x", {1.0, 2.0}).str("c", {"a", "b"}).build()});
  json j = json::parse(monitors::to_json(p));
  j["columns"][0]["numeric"]["sketch"].erase("zero_count");
  EXPECT_THAT(error_of([&] { monitors::profile_from_json(j.dump(), "r.profile"); }),
              HasSubstr("profile \"r.profile\": columns[0] (\"x\"): field \"numeric\": field \"sketch\": field \"zero_count\" is missing"));
  j = json::parse(monitors::to_json(p));
  j["columns"][1]["categorical"]["values"][0]["count"] = -1;
  EXPECT_THAT(error_of([&] { monitors::profile_from_json(j.dump(), "r.profile"); }),
              HasSubstr("columns[1] (\"c\"): field \"categorical\": values[0]: field \"count\" must be a non-negative integer"));
  j = json::parse(monitors::to_json(p));
  j["columns"][1]["count"] = 5;
  EXPECT_THAT(error_of([&] { monitors::profile_from_json(j.dump(), "r.profile"); }), HasSubstr("(\"c\"): field \"count\" must equal"));
}

}  // namespace
}  // namespace mt
