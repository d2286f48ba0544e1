#pragma once
/// Files the runtime itself writes — run reports, HTML reports, profiles — follow the
/// rules of the first-party file sinks (plugins/support/atomic_file.hpp, which these
/// wrap): written to "<path>.tmp-<pid>" (O_EXCL | O_NOFOLLOW), fsynced and renamed over
/// the path; only an absent path or a regular file is replaced, never a symbolic link,
/// FIFO, device, socket or directory. On failure nothing new is at the path and no
/// temporary file is left.

#include <string>

#include "common/status.h"

namespace trestle::core {

/// Whether `path` could be written as above, without creating anything: INVALID_ARGUMENT
/// naming `what` (e.g. "--report") and the path and what it is, when not.
Status CheckOutputFile(const std::string& path, const std::string& what);

/// Writes `contents` to `path` as above. Errors name `what` and the path; a full disk is
/// RESOURCE_EXHAUSTED.
Status WriteOutputFile(const std::string& path, const std::string& contents, const std::string& what);

/// The form of `path` used to compare two paths for the same file: absolute,
/// normalised, existing links resolved.
std::string CanonicalPathKey(const std::string& path);

}  // namespace trestle::core
