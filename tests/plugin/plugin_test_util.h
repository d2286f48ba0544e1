#pragma once
// Helpers shared by the loader tests: fixture paths and scratch directories.

#include <stdlib.h>
#include <sys/stat.h>

#include <string>

#include <boost/filesystem.hpp>
#include <gtest/gtest.h>

namespace trestle::core::testing {

/// The directory holding fixture <name> (tests/plugin/fixtures).
inline std::string FixtureDir(const std::string& name) { return std::string(TRESTLE_FIXTURE_DIR) + "/" + name; }

/// The library of fixture <name>: <fixture dir>/<name>/lib<name>.so.
inline std::string FixtureLib(const std::string& name) { return FixtureDir(name) + "/lib" + name + ".so"; }

/// A fresh directory (mode 0700) removed with everything in it on destruction.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (boost::filesystem::temp_directory_path() / "trestle-plugin-test-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) ADD_FAILURE() << "mkdtemp failed for " << pattern;
    path_ = pattern;
  }
  ~TempDir() {
    boost::system::error_code ec;
    boost::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  /// path()/relative.
  std::string operator/(const std::string& relative) const { return path_ + "/" + relative; }

  /// Creates the directory path()/relative with `mode` (umask notwithstanding).
  std::string MakeDir(const std::string& relative, mode_t mode = 0755) const {
    std::string dir = *this / relative;
    boost::filesystem::create_directories(dir);
    chmod(dir.c_str(), mode);
    return dir;
  }
  /// Copies `from` to path()/relative with `mode`; returns the new path.
  std::string Copy(const std::string& from, const std::string& relative, mode_t mode = 0755) const {
    std::string to = *this / relative;
    boost::filesystem::copy_file(from, to, boost::filesystem::copy_options::overwrite_existing);
    chmod(to.c_str(), mode);
    return to;
  }

 private:
  std::string path_;
};

}  // namespace trestle::core::testing
