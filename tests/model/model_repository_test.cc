#include "model/model_repository.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "config/sha256.h"

namespace trestle::core {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

class ModelRepositoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("model_repo_test_" + std::to_string(::getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string Write(const std::string& rel, const std::string& text) {
    fs::path p = dir_ / rel;
    fs::create_directories(p.parent_path());
    std::ofstream(p) << text;
    return p.string();
  }
  std::string Dir(const std::string& rel = "") const { return (dir_ / rel).string(); }
  fs::path dir_;
};

TEST_F(ModelRepositoryTest, VersionsAreNumberedDirectoriesInNumericOrder) {
  for (const char* v : {"10", "9", "2", "010"}) Write(std::string("m/") + v + "/model.json", "{}");
  Write("m/.tmp-11/model.json", "{}");
  Write("m/latest/model.json", "{}");
  Write("m/12", "a file, not a directory");
  EXPECT_THAT(ListVersions(Dir("m")), ElementsAre("2", "9", "010", "10"));  // equal numbers: by name
  EXPECT_TRUE(ListVersions(Dir("absent")).empty());
}

TEST_F(ModelRepositoryTest, LatestIsTheHighestNumberAndAPinnedVersionIsFoundByNumber) {
  Write("m/1/model.json", "{}");
  Write("m/12/model.json", "{}");
  Write("m/3/model.json", "{}");
  auto latest = ResolveModel(Dir("m"), VersionPolicy{});
  ASSERT_TRUE(latest.ok()) << latest.status().ToString();
  EXPECT_TRUE(latest->versioned);
  EXPECT_EQ(latest->version, "12");
  EXPECT_EQ(latest->path, Dir("m/12"));
  auto pinned = ResolveModel(Dir("m"), VersionPolicy::Parse("03").value());
  ASSERT_TRUE(pinned.ok());
  EXPECT_EQ(pinned->version, "3");
  auto missing = ResolveModel(Dir("m"), VersionPolicy::Parse("7").value());
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().message(), "model repository \"" + Dir("m") + "\" has no version 7 (versions: 1, 3, 12)");
}

TEST_F(ModelRepositoryTest, APlainFileOrDirectoryIsOneUnversionedModel) {
  const std::string file = Write("model.json", "{}");
  auto r = ResolveModel(file, VersionPolicy{});
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->versioned);
  EXPECT_EQ(r->path, file);
  EXPECT_EQ(r->version, "");
  auto pinned = ResolveModel(file, VersionPolicy::Parse("2").value());
  ASSERT_FALSE(pinned.ok());
  EXPECT_THAT(pinned.status().message(), HasSubstr("is not a model repository (no numbered version directories)"));
}

TEST_F(ModelRepositoryTest, PolicyTextIsLatestOrDigits) {
  EXPECT_EQ(VersionPolicy::Parse("").value().ToString(), "latest");
  EXPECT_EQ(VersionPolicy::Parse("latest").value().ToString(), "latest");
  EXPECT_EQ(VersionPolicy::Parse("42").value().ToString(), "42");
  auto bad = VersionPolicy::Parse("v2");
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(), HasSubstr("\"v2\" is neither \"latest\" nor a version number"));
}

TEST_F(ModelRepositoryTest, AFileFingerprintIsItsSha256AndADirectoryOneChangesWithAnyFile) {
  const std::string file = Write("a/model.json", "{\"w\": 1}");
  EXPECT_EQ(FingerprintModel(file).value(), Sha256Hex("{\"w\": 1}"));
  Write("a/signature.json", "{}");
  const std::string before = FingerprintModel(Dir("a")).value();
  // The documented form: "<relative path> <sha256>\n" per file in sorted order.
  EXPECT_EQ(before, Sha256Hex("model.json " + Sha256Hex("{\"w\": 1}") + "\nsignature.json " + Sha256Hex("{}") + "\n"));
  Write("a/signature.json", "{\"v\": 2}");
  EXPECT_NE(FingerprintModel(Dir("a")).value(), before);
  auto absent = FingerprintModel(Dir("nothing"));
  ASSERT_FALSE(absent.ok());
  EXPECT_THAT(absent.status().message(), HasSubstr("does not exist"));
}

}  // namespace
}  // namespace trestle::core
