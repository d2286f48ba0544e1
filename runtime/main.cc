// trestle: run, validate and inspect ML pipelines built from plugin operators.
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>

#include <gflags/gflags.h>
#include <glog/logging.h>

#include "commands.h"
#include "exec/worker_threads_joined.h"
#include "exit_codes.h"
#include "fatal_signals.h"
#include "process_start.h"

namespace {

constexpr const char* kUsage = R"(usage: trestle <command> [options]

commands:
  run FILE              run a pipeline to the end (or until SIGTERM/SIGINT drains it)
  serve FILE            answer inference requests with a pipeline (KServe v2 over HTTP)
  validate FILE         check a pipeline file, its options and schemas; exit 78 when invalid
  graph FILE            draw a pipeline (--format text|dot|mermaid)
  plugins list          the plugin libraries found, with versions, ABI and sha256
  plugins inspect [OP]  an operator's parameters, role, threading and schema
  profile DATA -o FILE  the reference profile of a CSV/JSON-lines file, for the monitors
  runs                  the runs recorded in the run store (STATE_DIR/runs.db)
  history --feature F   a feature's statistics and scores per monitor window, and since
                        when each finding has been present
  report RUN_ID         one self-contained HTML report of a run (-o FILE)
  version               versions of trestle and its plugin ABI

`trestle <command> --help` describes a command's options. Options a command does not
know are passed to glog (e.g. --v=1, --logtostderr=0, --log_dir=DIR).)";

}  // namespace

int main(int argc, char** argv) {
  // Before anything opens a file or starts a thread (runtime/process_start.h).
  trestle::cli::OpenClosedStandardFds();
  trestle::cli::PrepareProcessSignals();
  FLAGS_logtostderr = true;
  // Colour only for a person at a terminal, and not when NO_COLOR is set (no-color.org).
  const char* no_color = std::getenv("NO_COLOR");  // set and not empty: no colour
  FLAGS_colorlogtostderr = isatty(STDERR_FILENO) == 1 && (no_color == nullptr || no_color[0] == '\0');
  google::InitGoogleLogging(argv[0]);
  trestle::cli::InstallFatalSignalHandlers();
  // Every command returns through here; oneTBB's workers are joined on the way out.
  trestle::WorkerThreadsJoined tbb_workers;
  // A file-size limit (ulimit -f) makes writes fail with EFBIG, reported like a full
  // disk, instead of killing the process with SIGXFSZ.
  std::signal(SIGXFSZ, SIG_IGN);
  using namespace trestle::cli;
  if (argc < 2 || std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0 ||
      std::strcmp(argv[1], "help") == 0) {
    (argc < 2 ? std::cerr : std::cout) << kUsage << "\n";
    return argc < 2 ? kExitUsage : kExitOk;
  }
  std::string cmd = argv[1];
  Args args(argv + 2, argv + argc);
  // Only `run` watches SIGINT/SIGTERM/SIGHUP (blocked since the start of main); every
  // other command ends by them as usual.
  if (cmd != "run") RestoreStopSignals();
  if (cmd == "run") return RunCommand(args);
  if (cmd == "serve") return ServeCommand(args);
  if (cmd == "validate") return ValidateCommand(args);
  if (cmd == "graph") return GraphCommand(args);
  if (cmd == "plugins") return PluginsCommand(args);
  if (cmd == "profile") return ProfileCommand(args);
  if (cmd == "runs") return RunsCommand(args);
  if (cmd == "history") return HistoryCommand(args);
  if (cmd == "report") return ReportCommand(args);
  if (cmd == "version" || cmd == "--version") return VersionCommand(args);
  std::cerr << "trestle: unknown command \"" << cmd << "\"\n\n" << kUsage << "\n";
  return kExitUsage;
}
