#include "process_start.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>

namespace trestle::cli {

sigset_t StopSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGHUP);
  return set;
}

void OpenClosedStandardFds() {
  for (int fd = 0; fd <= 2; ++fd) {
    if (::fcntl(fd, F_GETFD) != -1 || errno != EBADF) continue;
    // open() returns the lowest free number, which is `fd` itself here: the lower
    // ones are open (checked in order) and this one is closed.
    const int opened = ::open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY);
    if (opened >= 0 && opened != fd) {
      ::dup2(opened, fd);
      ::close(opened);
    }
  }
}

void PrepareProcessSignals() {
  struct sigaction ignore{};
  ignore.sa_handler = SIG_IGN;
  sigemptyset(&ignore.sa_mask);
  ::sigaction(SIGPIPE, &ignore, nullptr);
  const sigset_t set = StopSignals();
  ::sigprocmask(SIG_BLOCK, &set, nullptr);
}

namespace {

// Runs before the initializers of every shared library and the executable's own
// (DT_PREINIT_ARRAY, which only an executable has): what was before the start of main
// left a window of several milliseconds — the libraries' static initializers — in
// which SIGTERM or SIGHUP killed the process. What remains is the dynamic loader's
// mapping of the libraries, before any of the program's code runs.
void EarlyProcessStart(int, char**, char**) {
  OpenClosedStandardFds();
  PrepareProcessSignals();
}

[[gnu::section(".preinit_array"), gnu::used]] void (*const kEarlyProcessStart)(int, char**, char**) =
    &EarlyProcessStart;

}  // namespace

void RestoreStopSignals() {
  const sigset_t set = StopSignals();
  ::sigprocmask(SIG_UNBLOCK, &set, nullptr);
}

}  // namespace trestle::cli
