#pragma once
// What the fault tests share: the CLI test fixture (a fresh directory, the real
// `trestle`), the crashkit operators on the plugin path, and readers for what a run
// leaves behind (the run store's view of runs, temporary files).

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "cli_fixture.h"

namespace trestle::clitest {

class FaultTest : public CliTest {
 protected:
  /// `trestle <args...>` with the first-party plugins, the testkit and the crashkit.
  ProcessResult Run(std::vector<std::string> args, ProcessOptions options = {}) const {
    args.push_back("--plugin-path");
    args.push_back(TRESTLE_CRASHKIT_DIR);
    return Trestle(std::move(args), options);
  }
  std::unique_ptr<Process> Start(std::vector<std::string> args, ProcessOptions options = {}) const {
    args.push_back("--plugin-path");
    args.push_back(TRESTLE_CRASHKIT_DIR);
    return StartTrestle(std::move(args), options);
  }
  /// `trestle runs --format json` of `state_dir`: every run, newest first.
  nlohmann::json Runs(const std::string& state_dir) const {
    ProcessResult r = TrestleRaw({"runs", "--state-dir", state_dir, "--format", "json", "--limit", "0"});
    EXPECT_EQ(r.exit_code, 0) << r.Describe();
    nlohmann::json j = nlohmann::json::parse(r.out, nullptr, false);
    EXPECT_TRUE(j.is_array()) << r.out;
    return j.is_array() ? j : nlohmann::json::array();
  }
  /// Entries of `relative` whose names hold ".tmp-" (temporary outputs).
  std::vector<std::string> TempFiles(const std::string& relative) const {
    std::vector<std::string> out;
    if (!Exists(relative)) return out;
    for (const auto& name : List(relative))
      if (name.find(".tmp-") != std::string::npos) out.push_back(name);
    return out;
  }
};

/// A directory on a filesystem that is full after a few KiB: a tmpfs of `kib` KiB
/// mounted there when the test may mount (root), else nothing (mounted() false) and the
/// test falls back to a file-size limit (Limited()). Unmounted when it goes.
class SmallDisk {
 public:
  SmallDisk(const std::string& dir, int kib) : dir_(dir) {
    std::filesystem::create_directories(dir_);
    const std::string cmd = "mount -t tmpfs -o size=" + std::to_string(kib) + "k tmpfs '" + dir_ + "' 2>/dev/null";
    mounted_ = ::geteuid() == 0 && std::system(cmd.c_str()) == 0;
  }
  ~SmallDisk() {
    if (mounted_) (void)!std::system(("umount '" + dir_ + "' 2>/dev/null").c_str());
  }
  SmallDisk(const SmallDisk&) = delete;
  SmallDisk& operator=(const SmallDisk&) = delete;
  bool mounted() const { return mounted_; }

 private:
  std::string dir_;
  bool mounted_ = false;
};

/// `argv` run under `ulimit -f kib` (files larger than that cannot be written: EFBIG),
/// in `cwd`: the fallback for a full disk where mounting is not possible.
inline ProcessResult RunLimited(int kib, const std::vector<std::string>& argv, const std::string& cwd) {
  std::vector<std::string> cmd = {"/bin/bash", "-c", "ulimit -f " + std::to_string(kib) + " && exec \"$@\"", "bash"};
  cmd.insert(cmd.end(), argv.begin(), argv.end());
  ProcessOptions o;
  o.cwd = cwd;
  return RunProcess(cmd, o);
}

/// Process options with a deadline of `timeout` (then the child is killed).
inline ProcessOptions Within(std::chrono::milliseconds timeout) {
  ProcessOptions o;
  o.timeout = timeout;
  return o;
}

inline double SecondsSince(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace trestle::clitest
