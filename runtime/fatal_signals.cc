#include "fatal_signals.h"

#include <execinfo.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <exception>
#include <filesystem>
#include <string>

#include "common/signal_stack.h"
#include "exec/call_site.h"

namespace trestle::cli {

namespace {

// Written before any run thread starts, read by the handler (see the header).
char g_report_path[4096];
char g_run_id[128];

// A line assembled without allocation.
class Line {
 public:
  void Add(const char* s) {
    while (s && *s && n_ + 1 < sizeof buf_) buf_[n_++] = *s++;
  }
  void AddHex(uintptr_t v) {
    char digits[2 * sizeof v + 1];
    int k = 0;
    do {
      digits[k++] = "0123456789abcdef"[v & 15];
      v >>= 4;
    } while (v != 0);
    Add("0x");
    while (k > 0 && n_ + 1 < sizeof buf_) buf_[n_++] = digits[--k];
  }
  void WriteTo(int fd) const {
    size_t done = 0;
    while (done < n_) {
      ssize_t w = ::write(fd, buf_ + done, n_ - done);
      if (w <= 0) return;
      done += static_cast<size_t>(w);
    }
  }

 private:
  char buf_[2048];
  size_t n_ = 0;
};

const char* SignalName(int sig) {
  switch (sig) {
    case SIGSEGV: return "SIGSEGV (invalid memory access)";
    case SIGBUS: return "SIGBUS (bus error)";
    case SIGILL: return "SIGILL (illegal instruction)";
    case SIGFPE: return "SIGFPE (arithmetic error)";
    case SIGABRT: return "SIGABRT (abort)";
    default: return "signal";
  }
}

void OnFatalSignal(int sig, siginfo_t* info, void*) {
  Line line;
  line.Add("trestle: fatal ");
  line.Add(SignalName(sig));
  if ((sig == SIGSEGV || sig == SIGBUS) && info != nullptr) {
    line.Add(" at address ");
    line.AddHex(reinterpret_cast<uintptr_t>(info->si_addr));
  }
  if (const core::CallSite* site = core::CurrentCallSite(); site != nullptr && site->where != nullptr) {
    line.Add(" in ");
    line.Add(site->where);
    line.Add(" during ");
    line.Add(site->call);
    line.Add("()");
  } else {
    line.Add(" in trestle itself (no operator call was in progress on the crashing thread)");
  }
  if (g_run_id[0] != '\0') {
    line.Add("; run ");
    line.Add(g_run_id);
    line.Add(" failed (the run store records it at the next start)");
  }
  line.Add("\n");
  line.WriteTo(STDERR_FILENO);
  if (g_report_path[0] != '\0') {
    int fd = ::open(g_report_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd >= 0) {
      line.WriteTo(fd);
      ::fsync(fd);
      ::close(fd);
    }
  }
  void* frames[64];
  const int n = ::backtrace(frames, 64);
  ::backtrace_symbols_fd(frames, n, STDERR_FILENO);
  // SA_RESETHAND restored the default action; SA_NODEFER lets it act at once.
  ::raise(sig);
}

void OnTerminate() {
  std::string what = "an unknown exception";
  if (std::exception_ptr e = std::current_exception()) {
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      what = std::string("exception: ") + ex.what();
    } catch (...) {
    }
  } else {
    what = "std::terminate without an exception";
  }
  std::string line = "trestle: uncaught " + what + "\n";
  (void)!::write(STDERR_FILENO, line.data(), line.size());
  std::abort();
}

}  // namespace

void InstallFatalSignalHandlers() {
  core::EnsureSignalStack();
  // backtrace() loads its unwinder on first use; do that now, not in a handler.
  void* warm[1];
  ::backtrace(warm, 1);
  struct sigaction sa{};
  sa.sa_sigaction = &OnFatalSignal;
  sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESETHAND | SA_NODEFER;
  sigemptyset(&sa.sa_mask);
  for (int sig : {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT}) ::sigaction(sig, &sa, nullptr);
  std::set_terminate(&OnTerminate);
}

void SetFatalReportTarget(const std::string& run_dir, const std::string& run_id) {
  const std::string path = (std::filesystem::path(run_dir) / kFatalReportFile).string();
  std::strncpy(g_report_path, path.c_str(), sizeof g_report_path - 1);
  std::strncpy(g_run_id, run_id.c_str(), sizeof g_run_id - 1);
}

}  // namespace trestle::cli
