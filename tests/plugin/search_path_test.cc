#include "plugin/search_path.h"

#include <unistd.h>

#include <fstream>
#include <string>
#include <vector>

#include <boost/filesystem.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "plugin_test_util.h"

namespace trestle::core {
namespace {

using ::testing::ElementsAre;
using testing::TempDir;

class SearchPathTest : public ::testing::Test {
 protected:
  TempDir tmp_;
  std::string a_ = tmp_.MakeDir("a");
  std::string b_ = tmp_.MakeDir("b");
  std::string c_ = tmp_.MakeDir("c");
  std::string d_ = tmp_.MakeDir("d");
  std::string install_ = tmp_.MakeDir("install");
  std::string missing_ = tmp_ / "missing";
};

TEST_F(SearchPathTest, CliThenEnvThenInstallDir) {
  std::string env = d_ + ":" + c_;
  EXPECT_THAT(PluginSearchPath({a_, b_}, env.c_str(), install_), ElementsAre(a_, b_, d_, c_, install_));
}

TEST_F(SearchPathTest, CliValuesMayBeColonSeparatedLists) {
  EXPECT_THAT(PluginSearchPath({b_ + ":" + a_, c_}, nullptr, install_), ElementsAre(b_, a_, c_, install_));
}

TEST_F(SearchPathTest, NullEnvMeansUnset) {
  EXPECT_THAT(PluginSearchPath({}, nullptr, install_), ElementsAre(install_));
}

TEST_F(SearchPathTest, SkipsMissingDirectoriesFilesAndEmptyEntries) {
  std::string file = tmp_ / "a/plain-file";
  std::ofstream(file) << "x";
  ASSERT_TRUE(boost::filesystem::is_regular_file(file));
  std::string env = ":" + missing_ + "::" + file + ":" + b_ + ":";
  EXPECT_THAT(PluginSearchPath({"", missing_ + ":" + a_}, env.c_str(), missing_), ElementsAre(a_, b_));
}

TEST_F(SearchPathTest, KeepsTheFirstOfRepeatedDirectories) {
  std::string env = b_ + ":" + a_ + "/:" + tmp_.path() + "/c/../a";
  EXPECT_THAT(PluginSearchPath({a_ + ":" + b_, a_}, env.c_str(), a_), ElementsAre(a_, b_));
}

TEST_F(SearchPathTest, RecognisesADirectoryReachedThroughASymlink) {
  std::string link = tmp_ / "link-to-b";
  ASSERT_EQ(symlink(b_.c_str(), link.c_str()), 0);
  EXPECT_THAT(PluginSearchPath({link, b_}, nullptr, install_), ElementsAre(link, install_));
}

TEST_F(SearchPathTest, EmptyInstallDirMeansNone) {
  EXPECT_THAT(PluginSearchPath({a_}, nullptr, ""), ElementsAre(a_));
}

TEST(SearchPathDefaultTest, EndsWithTheInstallLocationWhenItExists) {
  TempDir tmp;
  std::string dir = tmp.MakeDir("x");
  std::vector<std::string> path = PluginSearchPath({dir}, nullptr);
  ASSERT_FALSE(path.empty());
  EXPECT_EQ(path.front(), dir);
  EXPECT_EQ(InstallPluginDir(), TRESTLE_INSTALL_PLUGIN_DIR);
  if (boost::filesystem::is_directory(InstallPluginDir())) {
    EXPECT_THAT(path, ElementsAre(dir, InstallPluginDir()));
  } else {
    EXPECT_THAT(path, ElementsAre(dir));
  }
}

}  // namespace
}  // namespace trestle::core
