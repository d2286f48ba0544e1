#pragma once
/// What `main` does before anything else, so that nothing that happens later (a thread,
/// an open(), a write to a pipe) can depend on the state the process was started in.
///
/// - Standard descriptors: a process started with fd 0, 1 or 2 closed (a daemoniser, a
///   wrapper's `>&-`) would hand that number to the next open() — the run directory's
///   lock file or an output — and log lines and stdout_sink rows would land in it.
///   Each closed one is opened on /dev/null instead.
/// - SIGPIPE is ignored: a reader that goes away (`| head`, a FIFO consumer that exits)
///   makes write() fail with EPIPE, which the writer reports naming node and path,
///   instead of ending the process silently.
/// - SIGINT, SIGTERM and SIGHUP are blocked, so that one arriving before `trestle run`
///   has started its signal watcher (runtime/signal_watcher.h) stays pending until the
///   watcher takes it, instead of killing the process by the default action. Commands
///   other than `run` restore them (RestoreStopSignals) and end by them as usual.
///
/// Both run from the executable's DT_PREINIT_ARRAY, before any library's initializers
/// (process_start.cc), and again at the start of main (harmless: idempotent).

#include <signal.h>

namespace trestle::cli {

/// SIGINT, SIGTERM and SIGHUP: what `trestle run` watches (runtime/signal_watcher.h).
sigset_t StopSignals();

/// Opens /dev/null onto each of fds 0, 1, 2 that is closed.
void OpenClosedStandardFds();

/// Ignores SIGPIPE and blocks SIGINT, SIGTERM and SIGHUP in the calling thread (call
/// before any thread exists, so that every thread inherits the mask).
void PrepareProcessSignals();

/// Unblocks SIGINT, SIGTERM and SIGHUP (with their default actions): for the commands
/// that do not watch signals. A signal that arrived meanwhile is delivered now.
void RestoreStopSignals();

}  // namespace trestle::cli
