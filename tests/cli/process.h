#pragma once
// Runs a program as a child process for the end-to-end tests: fork/exec in a given
// working directory and environment, stdout and stderr captured through pipes, and a
// deadline after which the child is killed, so that no test can hang.

#include <sys/types.h>

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace trestle::clitest {

struct ProcessOptions {
  std::string cwd;                            ///< empty: the test's own
  std::map<std::string, std::string> env;     ///< set (or replaced) in the child
  std::vector<std::string> unset_env;         ///< removed from the child's environment
  std::chrono::milliseconds timeout{60'000};  ///< from Start(); then SIGKILL
};

struct ProcessResult {
  int exit_code = -1;      ///< when the child exited normally, else -1
  int term_signal = 0;     ///< when a signal ended it
  bool timed_out = false;  ///< the deadline passed and the child was killed
  std::string out, err;    ///< everything it wrote
  double seconds = 0;      ///< from Start() to its end
  long max_rss_kib = 0;    ///< peak resident set size (wait4's ru_maxrss)

  /// exit code, signal, and the tails of stdout and stderr: for failure messages.
  std::string Describe() const;
};

/// One running child. Its output is read on a thread of its own as it comes, so that
/// a test can look at what it printed so far. The destructor kills a child that is
/// still running and reaps it.
class Process {
 public:
  /// Starts argv[0] (a path) with the arguments. Returns nullptr (and records a test
  /// failure) when the process cannot be started.
  static std::unique_ptr<Process> Start(const std::vector<std::string>& argv, const ProcessOptions& options);
  ~Process();
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  pid_t pid() const { return pid_; }
  /// Sends `sig` unless the child has already been reaped.
  void Signal(int sig);
  /// Whether the child has not exited yet (reaps it when it has).
  bool Running();
  /// What the child has written so far.
  std::string Stdout() const;
  std::string Stderr() const;
  /// Waits until the child exits or the deadline passes (then kills it).
  ProcessResult Wait();
  /// Waits at most `limit` (and never past the deadline). Returns nullopt when the
  /// child is still running then.
  std::optional<ProcessResult> WaitFor(std::chrono::milliseconds limit);

 private:
  Process() = default;
  bool Reap(bool block);  ///< true once the child has been reaped
  ProcessResult Collect();
  void ReadLoop(int out_fd, int err_fd);

  pid_t pid_ = -1;
  bool reaped_ = false;
  bool timed_out_ = false;
  int status_ = 0;
  long max_rss_kib_ = 0;
  std::chrono::steady_clock::time_point started_, ended_, deadline_;
  mutable std::mutex mu_;
  std::string out_, err_;
  std::thread reader_;
};

/// Starts the program and waits for it.
ProcessResult RunProcess(const std::vector<std::string>& argv, const ProcessOptions& options);

/// Polls `done` every 20 ms until it holds or `limit` passes. Returns whether it held.
template <typename Pred>
bool WaitUntil(Pred done, std::chrono::milliseconds limit) {
  const auto until = std::chrono::steady_clock::now() + limit;
  for (;;) {
    if (done()) return true;
    if (std::chrono::steady_clock::now() >= until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

}  // namespace trestle::clitest
