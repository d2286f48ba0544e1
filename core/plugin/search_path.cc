#include "plugin/search_path.h"

#include <set>
#include <string_view>

#include <boost/filesystem.hpp>
#include <boost/system/error_code.hpp>
#include <glog/logging.h>

namespace trestle::core {
namespace {

namespace fs = boost::filesystem;

class PathBuilder {
 public:
  // Adds each entry of a ':'-separated list.
  void AddList(std::string_view list, const char* origin) {
    size_t start = 0;
    while (start <= list.size()) {
      size_t end = list.find(':', start);
      if (end == std::string_view::npos) end = list.size();
      Add(std::string(list.substr(start, end - start)), origin);
      start = end + 1;
    }
  }

  void Add(const std::string& dir, const char* origin) {
    if (dir.empty()) return;
    boost::system::error_code ec;
    if (!fs::is_directory(dir, ec)) {
      VLOG(1) << "plugin search path: skipping " << dir << " (from " << origin
              << "): not an existing directory";
      return;
    }
    // Canonical form only for recognising repeats ("a", "./a", a symlink to a).
    fs::path canonical = fs::canonical(dir, ec);
    std::string key = ec ? fs::absolute(dir).lexically_normal().string() : canonical.string();
    if (!seen_.insert(key).second) return;
    dirs_.push_back(dir);
  }

  std::vector<std::string> Take() { return std::move(dirs_); }

 private:
  std::set<std::string> seen_;
  std::vector<std::string> dirs_;
};

}  // namespace

std::string InstallPluginDir() { return TRESTLE_INSTALL_PLUGIN_DIR; }

std::string ExecutablePluginDir() {
  boost::system::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (ec) {
    VLOG(1) << "plugin search path: cannot read /proc/self/exe: " << ec.message();
    return "";
  }
  return PluginDirNextTo(exe.string(), TRESTLE_PLUGIN_DIR_FROM_BINDIR);
}

std::string PluginDirNextTo(const std::string& executable, const std::string& relative) {
  if (executable.empty()) return "";
  std::string spelled = (fs::path(executable).parent_path() / relative).lexically_normal().string();
  // Boost spells a trailing separator as "/." after normalising; neither belongs here.
  if (spelled.size() > 2 && spelled.compare(spelled.size() - 2, 2, "/.") == 0) spelled.resize(spelled.size() - 2);
  while (spelled.size() > 1 && spelled.back() == '/') spelled.pop_back();
  return spelled;
}

std::vector<std::string> PluginSearchPath(const std::vector<std::string>& cli_dirs, const char* env) {
  return PluginSearchPath(cli_dirs, env, {ExecutablePluginDir(), InstallPluginDir()});
}

std::vector<std::string> PluginSearchPath(const std::vector<std::string>& cli_dirs, const char* env,
                                          const std::vector<std::string>& default_dirs) {
  PathBuilder path;
  for (const std::string& list : cli_dirs) path.AddList(list, "--plugin-path");
  if (env != nullptr) path.AddList(env, "TRESTLE_PLUGIN_PATH");
  for (const std::string& dir : default_dirs) path.Add(dir, "the default locations");
  return path.Take();
}

}  // namespace trestle::core
