#pragma once
/// The ownership and permission check a plugin library passes before it is loaded.

#include <string>

#include "common/status.h"

namespace trestle::core {

/// Refuses (INVALID_ARGUMENT) a plugin file that someone other than its owner could
/// replace or modify: the file must be a regular file, and the file and the directory
/// holding it must be owned by the current user or root and must not be writable by
/// group or others. A symbolic link is followed, and the directory holding the link
/// and the one holding its target are both checked. The message names the path and
/// the cause, and mentions --allow-insecure-plugins.
Status CheckPluginFileSecurity(const std::string& path);

/// As above; with `allow_insecure` (--allow-insecure-plugins) a file that fails the
/// check is logged as a warning instead and OK is returned.
Status CheckPluginFileSecurity(const std::string& path, bool allow_insecure);

}  // namespace trestle::core
