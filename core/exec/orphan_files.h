#pragma once
/// Files a killed run leaves behind: a sink that writes "<path>.tmp-<pid>" and renames
/// it at publish (abi.h, TRESTLE_PARAM_OUTPUT_PATH) leaves that temporary file when its
/// process is killed (kill -9, out of memory, a power cut). The next run of a pipeline
/// writing `path` removes such files when they are regular files of this user and the
/// pid in their name no longer runs; a file of a running process, of another user, or
/// named otherwise is left alone. Pids name processes of this host (and pid namespace)
/// only: a directory that several hosts or containers write into needs distinct output
/// paths per writer.

#include <string>
#include <vector>

#include "graph/plan.h"

namespace trestle::core {

/// Removes the orphans beside every output path of `plan`; returns the removed paths.
std::vector<std::string> RemoveOrphanTempFiles(const Plan& plan);

}  // namespace trestle::core
