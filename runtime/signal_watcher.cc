#include "signal_watcher.h"

#include <pthread.h>

#include <chrono>
#include <csignal>
#include <cstdlib>

#include <glog/logging.h>

#include "process_start.h"

namespace trestle::cli {

SignalWatcher::SignalWatcher() {
  sigset_t set = StopSignals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

SignalWatcher::~SignalWatcher() { Stop(); }

void SignalWatcher::Start(Actions actions, double drain_timeout_s) {
  actions_ = std::move(actions);
  drain_timeout_s_.store(drain_timeout_s);
  thread_ = std::thread([this] { Loop(); });
}

void SignalWatcher::Stop() {
  if (!thread_.joinable()) return;
  done_.store(true);
  // Wakes the watcher from its sigtimedwait now rather than at the end of its tick (up
  // to 100 ms added to every run). It sees done_ first and acts on nothing it receives.
  pthread_kill(thread_.native_handle(), SIGHUP);
  thread_.join();
}

void SignalWatcher::Loop() {
  double drain_timeout_s = drain_timeout_s_.load();
  const sigset_t set = StopSignals();
  std::chrono::steady_clock::time_point drain_deadline{}, abort_deadline{};
  bool timed_out = false, aborted = false;
  // After an abort, operators have this long to return before the process exits
  // without them (an operator that ignores cancellation must not keep it alive).
  const auto abort_grace = std::chrono::seconds(10);
  while (!done_.load()) {
    timespec tick{0, 100 * 1000 * 1000};
    int sig = sigtimedwait(&set, nullptr, &tick);
    if (done_.load()) break;
    if (sig == SIGHUP) {
      LOG(INFO) << "received SIGHUP: looking for new model versions";
      if (actions_.reload) actions_.reload();
    } else if (sig > 0) {
      int n = ++seen_;
      if (n == 1) {
        drain_timeout_s = drain_timeout_s_.load();
        LOG(WARNING) << "received " << strsignal(sig) << ": draining (at most " << drain_timeout_s
                     << " s); send it again to abort";
        drain_deadline = std::chrono::steady_clock::now() +
                         std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                             std::chrono::duration<double>(drain_timeout_s));
        actions_.drain();
      } else if (n == 2) {
        LOG(WARNING) << "received " << strsignal(sig) << " again: aborting";
        actions_.abort("aborted by a second signal");
        aborted = true;
        abort_deadline = std::chrono::steady_clock::now() + abort_grace;
      }
    }
    if (seen_.load() == 1 && !timed_out && std::chrono::steady_clock::now() > drain_deadline) {
      timed_out = true;
      LOG(ERROR) << "drain did not finish within " << drain_timeout_s << " s: aborting";
      actions_.abort("drain time-out exceeded");
      aborted = true;
      abort_deadline = std::chrono::steady_clock::now() + abort_grace;
    }
    if (aborted && std::chrono::steady_clock::now() > abort_deadline) {
      LOG(ERROR) << "operators did not stop within 10 s of the abort: exiting without them";
      std::_Exit(1);
    }
  }
}

}  // namespace trestle::cli
