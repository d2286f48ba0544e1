#pragma once
// The fixture of the end-to-end CLI tests: every test gets a fresh temporary working
// directory, writes its pipeline files and data there, and runs the real `trestle`
// executable in it (process.h), with the first-party plugins and the testkit on the
// plugin path.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "process.h"

namespace trestle::clitest {

/// Paths fixed at build time (compile definitions).
std::string TrestleBinary();
std::string PluginDir();   ///< first-party plugins (plugins-out)
std::string TestkitDir();  ///< test-only operators (testkit-out)
std::string SourceDir();   ///< the repository

/// Splits `text` into lines (without the line ends; no empty last line).
std::vector<std::string> SplitLines(const std::string& text);
/// Whether `s` is 64 lowercase hexadecimal digits.
bool IsSha256(const std::string& s);
/// `haystack` contains `needle` (for readable EXPECTs with the output on failure).
bool Contains(const std::string& haystack, const std::string& needle);

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  /// The test's working directory (absolute).
  const std::string& dir() const { return dir_; }
  /// dir()/relative.
  std::string Path(const std::string& relative) const;
  /// Writes `text` to dir()/relative, creating parent directories.
  void Write(const std::string& relative, const std::string& text) const;
  std::string Read(const std::string& relative) const;
  bool Exists(const std::string& relative) const;
  std::vector<std::string> Lines(const std::string& relative) const;
  /// Parses a JSON file; a parse error fails the test and yields null.
  nlohmann::json ReadJson(const std::string& relative) const;
  /// Parses every line of a JSON-lines file.
  std::vector<nlohmann::json> ReadJsonLines(const std::string& relative) const;
  /// The entry of node `name` in a run report's "nodes" (a test failure if absent).
  /// Takes the report by value: operator[] on a const json lacking a key is undefined.
  nlohmann::json ReportNode(nlohmann::json report, const std::string& name) const;
  /// Names of the entries of dir()/relative.
  std::vector<std::string> List(const std::string& relative) const;

  /// `trestle <args...> --plugin-path <plugins> --plugin-path <testkit>` in dir().
  ProcessResult Trestle(std::vector<std::string> args, ProcessOptions options = {}) const;
  /// `trestle <args...>` exactly as given, in dir().
  ProcessResult TrestleRaw(std::vector<std::string> args, ProcessOptions options = {}) const;
  /// Starts `trestle <args...>` with the plugin paths, in dir(), without waiting.
  std::unique_ptr<Process> StartTrestle(std::vector<std::string> args, ProcessOptions options = {}) const;

 private:
  std::vector<std::string> Command(std::vector<std::string> args, bool plugins) const;
  ProcessOptions InDir(ProcessOptions options) const;
  std::string dir_;
};

/// A normal exit with `code`; otherwise a failure that prints the output.
::testing::AssertionResult ExitedWith(const ProcessResult& result, int code);

/// Assert a normal exit with `code`. `result` is evaluated once (it may be a call that
/// runs the process).
#define EXPECT_EXIT_CODE(result, code) EXPECT_TRUE(::trestle::clitest::ExitedWith((result), (code)))
#define ASSERT_EXIT_CODE(result, code) ASSERT_TRUE(::trestle::clitest::ExitedWith((result), (code)))

}  // namespace trestle::clitest
