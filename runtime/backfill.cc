#include "backfill.h"

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>

#include "exit_codes.h"
#include "process_start.h"

extern char** environ;

namespace trestle::cli {

namespace {

// Starts `trestle run ... --date D` (this executable) with the signal mask it has: the
// child's signal watcher takes what arrives.
pid_t StartChild(const std::vector<std::string>& args, std::string* error) {
  std::vector<std::string> argv = {"trestle", "run"};
  argv.insert(argv.end(), args.begin(), args.end());
  std::vector<char*> cargv;
  for (auto& a : argv) cargv.push_back(a.data());
  cargv.push_back(nullptr);
  pid_t pid = -1;
  int rc = posix_spawn(&pid, "/proc/self/exe", nullptr, nullptr, cargv.data(), environ);
  if (rc != 0) {
    *error = std::strerror(rc);
    return -1;
  }
  return pid;
}

// Waits for `pid`, passing SIGINT/SIGTERM on to it (they are blocked in this process,
// process_start.h). Sets *stop when one came. Returns the child's exit code, or 128 + n
// for a child ended by signal n.
int WaitChild(pid_t pid, bool* stop) {
  const sigset_t set = StopSignals();
  for (;;) {
    int status = 0;
    pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    if (r < 0 && errno != EINTR) return kExitRunFailed;
    timespec tick{0, 100 * 1000 * 1000};
    int sig = ::sigtimedwait(&set, nullptr, &tick);
    if (sig == SIGINT || sig == SIGTERM) {
      *stop = true;
      ::kill(pid, sig);
    } else if (sig == SIGHUP) {
      ::kill(pid, sig);  // the run's model reload
    }
  }
}

bool IsBackfillFlag(const std::string& a, bool* takes_value) {
  *takes_value = a == "--from" || a == "--to";
  return *takes_value || a == "--keep-going" || a.rfind("--from=", 0) == 0 || a.rfind("--to=", 0) == 0;
}

}  // namespace

std::vector<std::string> WithoutBackfillArgs(const std::vector<std::string>& args) {
  std::vector<std::string> out;
  for (size_t i = 0; i < args.size(); ++i) {
    bool takes_value = false;
    if (args[i] == "--") {  // everything after is positional
      out.insert(out.end(), args.begin() + static_cast<std::ptrdiff_t>(i), args.end());
      break;
    }
    if (!IsBackfillFlag(args[i], &takes_value)) out.push_back(args[i]);
    else if (takes_value) ++i;
  }
  return out;
}

int RunBackfill(const BackfillOptions& o) {
  int first_failure = kExitOk;
  std::vector<std::string> failed;
  size_t done = 0;
  bool stop = false;
  for (const RunDate& date : o.dates) {
    if (stop) break;
    std::vector<std::string> args = o.child_args;
    args.push_back("--date");
    args.push_back(date.Text());
    std::cerr << "backfill: " << date.Text() << ": starting\n";
    std::string error;
    pid_t pid = StartChild(args, &error);
    const int code = pid < 0 ? kExitRunFailed : WaitChild(pid, &stop);
    ++done;
    if (pid < 0) std::cerr << "backfill: " << date.Text() << ": cannot start the run: " << error << "\n";
    std::cerr << "backfill: " << date.Text() << ": " << (code == kExitOk ? "succeeded" : "failed")
              << " (exit " << code << ")\n";
    if (code == kExitOk) continue;
    failed.push_back(date.Text());
    if (first_failure == kExitOk) first_failure = code;
    if (!o.keep_going) break;
  }
  const size_t not_run = o.dates.size() - done;
  std::cerr << "backfill: " << o.dates.size() << " date" << (o.dates.size() == 1 ? "" : "s") << ", "
            << done - failed.size() << " succeeded, " << failed.size() << " failed";
  for (size_t i = 0; i < failed.size(); ++i) std::cerr << (i == 0 ? " (" : ", ") << failed[i];
  if (!failed.empty()) std::cerr << ")";
  std::cerr << ", " << not_run << " not run" << (stop ? " (stopped by a signal)" : "") << "\n";
  if (stop && first_failure == kExitOk && not_run > 0) return kExitRunFailed;
  return first_failure;
}

}  // namespace trestle::cli
