#include "common/process_identity.h"

#include <unistd.h>

#include <fstream>
#include <sstream>

namespace trestle::core {

namespace {

std::string BootId() {
  std::ifstream in("/proc/sys/kernel/random/boot_id");
  std::string id;
  std::getline(in, id);
  return id;
}

// Field 22 of /proc/<pid>/stat; the command name (field 2) may hold spaces and ')'.
std::string StartTicks(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const size_t close = stat.rfind(')');
  if (close == std::string::npos) return {};
  std::istringstream fields(stat.substr(close + 1));
  std::string f;
  for (int i = 3; i <= 22 && (fields >> f); ++i)
    if (i == 22) return f;
  return {};
}

}  // namespace

std::string IdentityOf(pid_t pid) {
  if (pid <= 0) return {};
  const std::string ticks = StartTicks(pid);
  if (ticks.empty()) return {};
  return BootId() + ":" + ticks;
}

ProcessIdentity CurrentProcess() {
  ProcessIdentity p;
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) == 0) p.host = host;
  p.pid = ::getpid();
  p.identity = IdentityOf(p.pid);
  return p;
}

bool StillRunning(const ProcessIdentity& p) {
  if (p.pid <= 0) return false;
  const std::string now = IdentityOf(p.pid);
  return !now.empty() && (p.identity.empty() || now == p.identity);
}

}  // namespace trestle::core
