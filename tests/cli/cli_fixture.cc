#include "cli_fixture.h"

#include <stdlib.h>

#include <cctype>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

namespace trestle::clitest {

namespace fs = std::filesystem;

std::string TrestleBinary() { return TRESTLE_BINARY; }
std::string PluginDir() { return TRESTLE_PLUGIN_DIR; }
std::string TestkitDir() { return TRESTLE_TESTKIT_DIR; }
std::string SourceDir() { return TRESTLE_SOURCE_DIR; }

std::vector<std::string> SplitLines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

bool IsSha256(const std::string& s) {
  if (s.size() != 64) return false;
  for (char c : s)
    if (!std::isdigit(static_cast<unsigned char>(c)) && (c < 'a' || c > 'f')) return false;
  return true;
}

bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

void CliTest::SetUp() {
  std::error_code ec;
  fs::path base = fs::temp_directory_path(ec);
  if (ec) base = "/tmp";
  std::string pattern = (base / "trestle-cli-XXXXXX").string();
  ASSERT_NE(mkdtemp(pattern.data()), nullptr) << "mkdtemp " << pattern;
  dir_ = pattern;
}

void CliTest::TearDown() {
  if (dir_.empty()) return;
  const char* keep = std::getenv("TRESTLE_KEEP_TEST_DIRS");
  if (keep != nullptr && *keep != '\0' && HasFailure()) {
    std::cerr << "keeping the test directory " << dir_ << "\n";
    return;
  }
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

std::string CliTest::Path(const std::string& relative) const { return (fs::path(dir_) / relative).string(); }

void CliTest::Write(const std::string& relative, const std::string& text) const {
  fs::path p = Path(relative);
  fs::create_directories(p.parent_path());
  std::ofstream f(p, std::ios::binary | std::ios::trunc);
  f << text;
  ASSERT_TRUE(f.good()) << "cannot write " << p;
}

std::string CliTest::Read(const std::string& relative) const {
  std::ifstream f(Path(relative), std::ios::binary);
  if (!f) {
    ADD_FAILURE() << "cannot read " << Path(relative);
    return {};
  }
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

bool CliTest::Exists(const std::string& relative) const {
  std::error_code ec;
  return fs::exists(Path(relative), ec);
}

std::vector<std::string> CliTest::Lines(const std::string& relative) const { return SplitLines(Read(relative)); }

nlohmann::json CliTest::ReadJson(const std::string& relative) const {
  nlohmann::json j = nlohmann::json::parse(Read(relative), nullptr, false);
  if (j.is_discarded()) {
    ADD_FAILURE() << Path(relative) << " is not JSON:\n" << Read(relative);
    return nullptr;
  }
  return j;
}

std::vector<nlohmann::json> CliTest::ReadJsonLines(const std::string& relative) const {
  std::vector<nlohmann::json> out;
  for (const auto& line : Lines(relative)) {
    nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded()) {
      ADD_FAILURE() << "not a JSON line in " << relative << ": " << line;
    } else {
      out.push_back(std::move(j));
    }
  }
  return out;
}

nlohmann::json CliTest::ReportNode(nlohmann::json report, const std::string& name) const {
  for (auto n : report["nodes"])
    if (n["name"] == name) return n;
  ADD_FAILURE() << "no node \"" << name << "\" in the report: " << report.dump();
  return nlohmann::json::object();
}

std::vector<std::string> CliTest::List(const std::string& relative) const {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(Path(relative), ec)) names.push_back(e.path().filename().string());
  return names;
}

std::vector<std::string> CliTest::Command(std::vector<std::string> args, bool plugins) const {
  args.insert(args.begin(), TrestleBinary());
  if (plugins) {
    for (const std::string& d : {PluginDir(), TestkitDir()}) {
      args.push_back("--plugin-path");
      args.push_back(d);
    }
  }
  return args;
}

ProcessOptions CliTest::InDir(ProcessOptions options) const {
  if (options.cwd.empty()) options.cwd = dir_;
  // Only the plugin directories a test names: none from the environment running it.
  options.unset_env.push_back("TRESTLE_PLUGIN_PATH");
  return options;
}

ProcessResult CliTest::Trestle(std::vector<std::string> args, ProcessOptions options) const {
  return RunProcess(Command(std::move(args), true), InDir(std::move(options)));
}

ProcessResult CliTest::TrestleRaw(std::vector<std::string> args, ProcessOptions options) const {
  return RunProcess(Command(std::move(args), false), InDir(std::move(options)));
}

std::unique_ptr<Process> CliTest::StartTrestle(std::vector<std::string> args, ProcessOptions options) const {
  return Process::Start(Command(std::move(args), true), InDir(std::move(options)));
}

::testing::AssertionResult ExitedWith(const ProcessResult& result, int code) {
  if (!result.timed_out && result.exit_code == code) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "expected exit " << code << ", got " << result.Describe();
}

}  // namespace trestle::clitest
