#include "exec/orphan_files.h"

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <set>

namespace trestle::core {

namespace {

namespace fs = std::filesystem;

// The pid in "<name>.tmp-<pid>", or 0 when `entry` is not such a sibling of `name`.
pid_t OrphanPid(const std::string& entry, const std::string& name) {
  const std::string prefix = name + ".tmp-";
  if (entry.size() <= prefix.size() || entry.compare(0, prefix.size(), prefix) != 0) return 0;
  pid_t pid = 0;
  for (size_t i = prefix.size(); i < entry.size(); ++i) {
    if (entry[i] < '0' || entry[i] > '9' || pid > 100000000) return 0;
    pid = pid * 10 + (entry[i] - '0');
  }
  return pid;
}

bool Gone(pid_t pid) { return ::kill(pid, 0) != 0 && errno == ESRCH; }

}  // namespace

std::vector<std::string> RemoveOrphanTempFiles(const Plan& plan) {
  std::vector<std::string> removed;
  std::set<fs::path> seen;
  for (const auto& node : plan.nodes) {
    for (const std::string& out : node->output_paths) {
      const fs::path path = fs::absolute(out).lexically_normal();
      if (!seen.insert(path).second) continue;
      std::error_code ec;
      fs::directory_iterator dir(path.parent_path(), ec);
      if (ec) continue;
      const std::string name = path.filename().string();
      for (const auto& entry : dir) {
        const pid_t pid = OrphanPid(entry.path().filename().string(), name);
        // Our own pid too: this runs before the run writes anything, so such a file is
        // a predecessor's that had the same pid (pid 1 in a container, say).
        if (pid <= 0 || (pid != ::getpid() && !Gone(pid))) continue;
        struct stat st{};
        if (::lstat(entry.path().c_str(), &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != ::geteuid()) continue;
        if (fs::remove(entry.path(), ec)) removed.push_back(entry.path().string());
      }
    }
  }
  return removed;
}

}  // namespace trestle::core
