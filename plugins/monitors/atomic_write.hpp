#pragma once
// Whole-file output that appears at its path only once complete: the bytes go to
// "<path>.tmp-<pid>" in the same directory (created with its parents), are fsynced and
// renamed over <path>; a failure leaves no file at <path> and no temporary file.
//
// Errors: ENOSPC/EDQUOT/EFBIG -> trestle::ResourceExhausted; permission, read-only or
// path problems -> trestle::InvalidArgument; anything else -> trestle::Unavailable.

#include <string>

namespace monitors {

/// Writes `contents` to `path` atomically.
void write_file_atomically(const std::string& path, const std::string& contents);

/// Checks without creating anything that `path` could be written: not a directory,
/// and its nearest existing ancestor is a writable directory. `what` names the option
/// in errors (e.g. "option \"path\"").
void check_writable(const std::string& path, const std::string& what);

}  // namespace monitors
