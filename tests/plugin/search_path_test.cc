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
  EXPECT_THAT(PluginSearchPath({a_, b_}, env.c_str(), {install_}), ElementsAre(a_, b_, d_, c_, install_));
}

TEST_F(SearchPathTest, CliValuesMayBeColonSeparatedLists) {
  EXPECT_THAT(PluginSearchPath({b_ + ":" + a_, c_}, nullptr, {install_}), ElementsAre(b_, a_, c_, install_));
}

TEST_F(SearchPathTest, NullEnvMeansUnset) {
  EXPECT_THAT(PluginSearchPath({}, nullptr, {install_}), ElementsAre(install_));
}

TEST_F(SearchPathTest, SkipsMissingDirectoriesFilesAndEmptyEntries) {
  std::string file = tmp_ / "a/plain-file";
  std::ofstream(file) << "x";
  ASSERT_TRUE(boost::filesystem::is_regular_file(file));
  std::string env = ":" + missing_ + "::" + file + ":" + b_ + ":";
  EXPECT_THAT(PluginSearchPath({"", missing_ + ":" + a_}, env.c_str(), {missing_}), ElementsAre(a_, b_));
}

TEST_F(SearchPathTest, KeepsTheFirstOfRepeatedDirectories) {
  std::string env = b_ + ":" + a_ + "/:" + tmp_.path() + "/c/../a";
  EXPECT_THAT(PluginSearchPath({a_ + ":" + b_, a_}, env.c_str(), {a_}), ElementsAre(a_, b_));
}

TEST_F(SearchPathTest, RecognisesADirectoryReachedThroughASymlink) {
  std::string link = tmp_ / "link-to-b";
  ASSERT_EQ(symlink(b_.c_str(), link.c_str()), 0);
  EXPECT_THAT(PluginSearchPath({link, b_}, nullptr, {install_}), ElementsAre(link, install_));
}

TEST_F(SearchPathTest, EmptyInstallDirMeansNone) {
  EXPECT_THAT(PluginSearchPath({a_}, nullptr, {""}), ElementsAre(a_));
  EXPECT_THAT(PluginSearchPath({a_}, nullptr, {}), ElementsAre(a_));
}

TEST_F(SearchPathTest, DefaultDirsComeLastInTheirOrder) {
  EXPECT_THAT(PluginSearchPath({a_}, b_.c_str(), {d_, c_}), ElementsAre(a_, b_, d_, c_));
  EXPECT_THAT(PluginSearchPath({}, nullptr, {"", missing_, c_}), ElementsAre(c_));
}

// The installed tree: <prefix>/bin/trestle finds <prefix>/lib/trestle/plugins, and the
// configured install location is searched too only when it is another directory.
TEST_F(SearchPathTest, InstallDirIsKeptOnlyWhenItDiffersFromTheExecutablesDir) {
  std::string plugins = tmp_.MakeDir("prefix/lib/trestle/plugins");
  std::string next_to_exe = PluginDirNextTo(tmp_ / "prefix/bin/trestle", "../lib/trestle/plugins");
  EXPECT_EQ(next_to_exe, plugins);
  // Installed where it was configured for: one directory.
  EXPECT_THAT(PluginSearchPath({}, nullptr, {next_to_exe, plugins + "/"}), ElementsAre(plugins));
  // Moved away: its own plugins first, the configured location as a last resort.
  EXPECT_THAT(PluginSearchPath({}, nullptr, {next_to_exe, install_}), ElementsAre(plugins, install_));
  // Moved, nothing left at the configured location.
  EXPECT_THAT(PluginSearchPath({}, nullptr, {next_to_exe, missing_}), ElementsAre(plugins));
  // Flags and the environment still come first.
  EXPECT_THAT(PluginSearchPath({a_}, b_.c_str(), {next_to_exe, install_}), ElementsAre(a_, b_, plugins, install_));
}

TEST(PluginDirNextToTest, ResolvesRelativeToTheExecutablesDirectory) {
  EXPECT_EQ(PluginDirNextTo("/opt/t/bin/trestle", "../lib/trestle/plugins"), "/opt/t/lib/trestle/plugins");
  EXPECT_EQ(PluginDirNextTo("/opt/t/bin/trestle", "../lib/x86_64-linux-gnu/trestle/plugins/"),
            "/opt/t/lib/x86_64-linux-gnu/trestle/plugins");
  EXPECT_EQ(PluginDirNextTo("/usr/bin/trestle", "../../opt/p"), "/opt/p");
  EXPECT_EQ(PluginDirNextTo("/opt/t/bin/trestle", "plugins"), "/opt/t/bin/plugins");
  EXPECT_EQ(PluginDirNextTo("/opt/t/bin/trestle", "."), "/opt/t/bin");
  EXPECT_EQ(PluginDirNextTo("", "../lib/trestle/plugins"), "");
}

TEST(ExecutablePluginDirTest, IsBesideThisExecutableNotTheConfiguredPrefix) {
  boost::system::error_code ec;
  boost::filesystem::path exe = boost::filesystem::read_symlink("/proc/self/exe", ec);
  ASSERT_FALSE(ec) << ec.message();
  const std::string dir = ExecutablePluginDir();
  ASSERT_FALSE(dir.empty());
  EXPECT_TRUE(boost::filesystem::path(dir).is_absolute()) << dir;
  // <exe dir>/../<libdir>/trestle/plugins: a sibling of the executable's directory.
  const boost::filesystem::path rel = boost::filesystem::path(dir).lexically_relative(exe.parent_path());
  EXPECT_EQ(rel.begin()->string(), "..") << dir << " from " << exe.parent_path();
  EXPECT_EQ(PluginDirNextTo(exe.string(), rel.string()), dir);
  EXPECT_EQ(rel.filename().string(), "plugins") << rel;
  EXPECT_NE(dir, InstallPluginDir());
}

TEST(SearchPathDefaultTest, EndsWithTheExecutablesDirThenTheInstallLocationWhenTheyExist) {
  TempDir tmp;
  std::string dir = tmp.MakeDir("x");
  std::vector<std::string> path = PluginSearchPath({dir}, nullptr);
  ASSERT_FALSE(path.empty());
  EXPECT_EQ(path.front(), dir);
  EXPECT_EQ(InstallPluginDir(), TRESTLE_INSTALL_PLUGIN_DIR);
  std::vector<std::string> expected = {dir};
  for (const std::string& d : {ExecutablePluginDir(), InstallPluginDir()})
    if (boost::filesystem::is_directory(d)) expected.push_back(d);
  EXPECT_EQ(path, expected);
}

}  // namespace
}  // namespace trestle::core
