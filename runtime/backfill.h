#pragma once
/// `trestle run FILE --from D1 --to D2`: one run per date, in order, each a child
/// process `trestle run FILE --date D` with the other arguments as given — so that each
/// date is planned, run, recorded and reported on its own, and a crash of one date's
/// run is that date's failure only. Stops at the first failed date unless told to keep
/// going. SIGINT/SIGTERM are passed on to the running child and no further date is
/// started.

#include <string>
#include <vector>

#include "run_date.h"

namespace trestle::cli {

struct BackfillOptions {
  std::vector<std::string> child_args;  ///< `run` arguments without --from/--to/--keep-going
  std::vector<RunDate> dates;
  bool keep_going = false;
};

/// Runs the dates; prints one line per date and a summary to stderr. Returns 0 when
/// every date succeeded, else the exit code of the first date that failed (1, 78...).
int RunBackfill(const BackfillOptions& options);

/// `args` without --from/--to (and their values, `--from D` or `--from=D`) and
/// --keep-going.
std::vector<std::string> WithoutBackfillArgs(const std::vector<std::string>& args);

}  // namespace trestle::cli
