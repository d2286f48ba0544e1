#pragma once
/// Fatal signals (SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT) and uncaught C++ exceptions
/// end the process with one line that says where: the node, operator, plugin library
/// and call (open/process/close...) the crashing thread was in (core/exec/call_site.h),
/// or "in trestle itself", then a backtrace. The line goes to stderr and, once a run has
/// a directory, to RUN_DIR/fatal.txt, which the next start reads when it records the
/// run as failed (runtime/stale_runs.h). The signal is then re-raised with its default
/// action, so the process ends by it as before (a shell sees 128 + the signal number:
/// 134 for SIGABRT, 139 for SIGSEGV) and a core dump, if enabled, is still written.
///
/// The handler only calls async-signal-safe functions on preformatted text; the state
/// it reads (the report path and run id) is process-wide by necessity — a signal
/// handler has no other way in — and is written only before the run starts.

#include <string>

namespace trestle::cli {

/// Installs the handlers (on an alternate stack) and a std::terminate handler that
/// names the exception. Call once, early in main.
void InstallFatalSignalHandlers();

/// From now on the report line also goes to `run_dir`/fatal.txt and names `run_id`.
/// Call before the run's threads start.
void SetFatalReportTarget(const std::string& run_dir, const std::string& run_id);

/// The file a fatal report goes to in a run directory.
inline constexpr const char* kFatalReportFile = "fatal.txt";

}  // namespace trestle::cli
