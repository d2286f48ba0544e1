#include "plugin/file_security.h"

#include <sys/stat.h>
#include <unistd.h>

#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "plugin_test_util.h"

namespace trestle::core {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::StartsWith;
using testing::FixtureLib;
using testing::TempDir;

constexpr uid_t kNobody = 65534;

class FileSecurityTest : public ::testing::Test {
 protected:
  TempDir tmp_;
  std::string dir_ = tmp_.MakeDir("plugins", 0755);
  std::string lib_ = tmp_.Copy(FixtureLib("good"), "plugins/libgood.so", 0755);

  static auto Refused(const std::string& path, const std::string& cause) {
    return AllOf(StartsWith(path + ": "), HasSubstr(cause), HasSubstr("--allow-insecure-plugins"));
  }
};

TEST_F(FileSecurityTest, AcceptsAFileOnlyItsOwnerCanWrite) {
  EXPECT_TRUE(CheckPluginFileSecurity(lib_).ok()) << CheckPluginFileSecurity(lib_).ToString();
  ASSERT_EQ(chmod(lib_.c_str(), 0500), 0);
  EXPECT_TRUE(CheckPluginFileSecurity(lib_).ok());
}

TEST_F(FileSecurityTest, RefusesAFileWritableByOthers) {
  ASSERT_EQ(chmod(lib_.c_str(), 0757), 0);
  Status s = CheckPluginFileSecurity(lib_);
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_THAT(s.message(), Refused(lib_, "the file is writable by others (mode 0757)"));
}

TEST_F(FileSecurityTest, AllowInsecureTurnsTheRefusalIntoAWarning) {
  ASSERT_EQ(chmod(lib_.c_str(), 0757), 0);
  EXPECT_FALSE(CheckPluginFileSecurity(lib_, false).ok());
  EXPECT_TRUE(CheckPluginFileSecurity(lib_, true).ok());
}

TEST_F(FileSecurityTest, RefusesAFileWritableByItsGroup) {
  ASSERT_EQ(chmod(lib_.c_str(), 0775), 0);
  EXPECT_THAT(CheckPluginFileSecurity(lib_).message(),
              Refused(lib_, "the file is writable by its group (mode 0775)"));
}

TEST_F(FileSecurityTest, RefusesAFileInADirectoryWritableByOthers) {
  ASSERT_EQ(chmod(dir_.c_str(), 0777), 0);
  EXPECT_THAT(CheckPluginFileSecurity(lib_).message(),
              Refused(lib_, "its directory " + dir_ + " is writable by others (mode 0777)"));
}

TEST_F(FileSecurityTest, RefusesAFileInADirectoryWritableByItsGroup) {
  ASSERT_EQ(chmod(dir_.c_str(), 0770), 0);
  EXPECT_THAT(CheckPluginFileSecurity(lib_).message(),
              Refused(lib_, "its directory " + dir_ + " is writable by its group (mode 0770)"));
}

TEST_F(FileSecurityTest, RefusesAFileOwnedBySomeoneElse) {
  if (geteuid() != 0) GTEST_SKIP() << "changing a file's owner needs root";
  ASSERT_EQ(chown(lib_.c_str(), kNobody, kNobody), 0);
  EXPECT_THAT(CheckPluginFileSecurity(lib_).message(),
              Refused(lib_, "the file is owned by uid 65534, not by the current user (uid 0) or root"));
}

TEST_F(FileSecurityTest, RefusesADirectoryOwnedBySomeoneElse) {
  if (geteuid() != 0) GTEST_SKIP() << "changing a directory's owner needs root";
  ASSERT_EQ(chown(dir_.c_str(), kNobody, kNobody), 0);
  EXPECT_THAT(CheckPluginFileSecurity(lib_).message(),
              Refused(lib_, "its directory " + dir_ + " is owned by uid 65534"));
}

TEST_F(FileSecurityTest, ChecksTheDirectoryOfASymlinksTarget) {
  std::string open_dir = tmp_.MakeDir("open", 0777);
  std::string target = tmp_.Copy(FixtureLib("good"), "open/libgood.so", 0755);
  std::string link = dir_ + "/liblinked.so";
  ASSERT_EQ(symlink(target.c_str(), link.c_str()), 0);
  EXPECT_THAT(CheckPluginFileSecurity(link).message(),
              Refused(link, "its directory " + open_dir + " is writable by others"));
}

TEST_F(FileSecurityTest, ChecksTheDirectoryHoldingASymlink) {
  std::string open_dir = tmp_.MakeDir("open", 0777);
  std::string link = open_dir + "/liblinked.so";
  ASSERT_EQ(symlink(lib_.c_str(), link.c_str()), 0);
  EXPECT_THAT(CheckPluginFileSecurity(link).message(),
              Refused(link, "its directory " + open_dir + " is writable by others"));
}

TEST_F(FileSecurityTest, RefusesWhatIsNotARegularFile) {
  std::string sub = tmp_.MakeDir("plugins/libdir.so", 0755);
  EXPECT_THAT(CheckPluginFileSecurity(sub).message(), Refused(sub, "not a regular file"));
}

TEST_F(FileSecurityTest, NamesAFileThatDoesNotExist) {
  std::string missing = dir_ + "/libmissing.so";
  Status s = CheckPluginFileSecurity(missing);
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_EQ(s.message(), missing + ": cannot inspect plugin file: No such file or directory");
}

}  // namespace
}  // namespace trestle::core
