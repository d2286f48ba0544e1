#pragma once
/// Where the runtime looks for plugin libraries.

#include <string>
#include <vector>

namespace trestle::core {

/// The absolute directory plugins are installed into, as configured at build time
/// (CMAKE_INSTALL_PREFIX/TRESTLE_INSTALL_PLUGIN_DIR). Wrong once the installed tree is
/// moved or was installed with `cmake --install --prefix` elsewhere; see
/// ExecutablePluginDir().
std::string InstallPluginDir();

/// The plugin directory of the installed tree the running executable belongs to:
/// PluginDirNextTo(the executable's path read from /proc/self/exe, the plugin directory
/// relative to the install bindir as configured at build time). Empty when the
/// executable's path cannot be read.
std::string ExecutablePluginDir();

/// `relative` taken from the directory holding `executable`, lexically normalised (no
/// "." or ".." left, no trailing '/'); empty when `executable` is empty. With an
/// executable path free of symbolic links (as /proc/self/exe is), the result names the
/// same directory as the unnormalised path would.
std::string PluginDirNextTo(const std::string& executable, const std::string& relative);

/// The plugin search path, in the order directories are scanned: every `--plugin-path`
/// value (each may be a ':'-separated list), then the entries of TRESTLE_PLUGIN_PATH
/// (`env`, null when unset), then ExecutablePluginDir(), then InstallPluginDir(). Empty
/// entries, directories that do not exist and later repeats of a directory (same
/// directory by canonical path; so the install location is kept only when the tree was
/// moved away from it) are left out; each kept directory is spelled as it was given.
std::vector<std::string> PluginSearchPath(const std::vector<std::string>& cli_dirs, const char* env);

/// As above with explicit directories in place of ExecutablePluginDir() and
/// InstallPluginDir(), scanned last in this order (empty entries: none); for tests and
/// tools.
std::vector<std::string> PluginSearchPath(const std::vector<std::string>& cli_dirs, const char* env,
                                          const std::vector<std::string>& default_dirs);

}  // namespace trestle::core
