#pragma once
/// Where the runtime looks for plugin libraries.

#include <string>
#include <vector>

namespace trestle::core {

/// The directory plugins are installed into (the build's TRESTLE_INSTALL_PLUGIN_DIR).
std::string InstallPluginDir();

/// The plugin search path, in the order directories are scanned: every `--plugin-path`
/// value (each may be a ':'-separated list), then the entries of TRESTLE_PLUGIN_PATH
/// (`env`, null when unset), then InstallPluginDir(). Empty entries, directories that
/// do not exist and later repeats of a directory (same directory by canonical path)
/// are left out; each kept directory is spelled as it was given.
std::vector<std::string> PluginSearchPath(const std::vector<std::string>& cli_dirs, const char* env);

/// As above with an explicit install directory (empty: none); for tests and tools.
std::vector<std::string> PluginSearchPath(const std::vector<std::string>& cli_dirs, const char* env,
                                          const std::string& install_dir);

}  // namespace trestle::core
