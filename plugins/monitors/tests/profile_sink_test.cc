#include "profile_sink.hpp"

#include <filesystem>

#include "support.hpp"

namespace mt {
namespace {

using monitors::ProfileSink;

Batch rows(size_t first, size_t n) {
  Doubles x;
  Strings c;
  std::vector<std::optional<int64_t>> k;
  for (size_t i = first; i < first + n; ++i) {
    x.push_back(static_cast<double>(i) * 0.5);
    c.push_back(i % 2 ? "odd" : "even");
    k.push_back(static_cast<int64_t>(i % 4));
  }
  return BatchBuilder().f64("x", x).str("parity", c).i64("k", k).build();
}

TEST(ProfileSink, WritesTheProfileOfEverythingAtTheFinalCommit) {
  TempDir dir;
  Harness<ProfileSink> h(Options().set("path", dir.file("out/ref.profile")).set("categorical", StringList{"k"}));
  h.open(rows(0, 1).schema());
  h.write(rows(0, 600));
  h.commit(false);
  EXPECT_FALSE(std::filesystem::exists(dir.file("out/ref.profile")));  // only at the final commit
  h.write(rows(600, 400));
  h.commit(true);
  h.close();
  monitors::Profile p = monitors::load_profile(dir.file("out/ref.profile"));
  monitors::Profile expected = profile_of({rows(0, 1000)}, [] {
    monitors::ProfileOptions o;
    o.categorical = {"k"};
    return o;
  }());
  EXPECT_EQ(p.rows, 1000);
  EXPECT_EQ(monitors::to_json(p), monitors::to_json(expected));
  EXPECT_EQ(p.find("k")->kind, monitors::Kind::Categorical);
  for (const auto& e : std::filesystem::directory_iterator(dir.file("out"))) EXPECT_EQ(e.path().filename(), "ref.profile");
}

TEST(ProfileSink, AFailedRunWritesNothing) {
  TempDir dir;
  {
    Harness<ProfileSink> h(Options().set("path", dir.file("ref.profile")));
    h.open(rows(0, 1).schema());
    h.write(rows(0, 10));
    h.commit(false);
    h.close();
  }
  EXPECT_TRUE(dir.list().empty());
}

TEST(ProfileSink, BadOptionsAreRefusedAtOpen) {
  TempDir dir;
  EXPECT_THAT(error_of([&] {
                Harness<ProfileSink> h(Options().set("path", dir.file("p")).set("categorical", StringList{"x"}));
                h.open(rows(0, 1).schema());
              }),
              HasSubstr("option \"categorical\" names column \"x\", which is float64"));
  std::filesystem::create_directories(dir.file("adir"));
  EXPECT_THAT(error_of([&] {
                Harness<ProfileSink> h(Options().set("path", dir.file("adir")));
                h.open(rows(0, 1).schema());
              }),
              HasSubstr("option \"path\": \"" + dir.file("adir") + "\" is a directory"));
}

}  // namespace
}  // namespace mt
