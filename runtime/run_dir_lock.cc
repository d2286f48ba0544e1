#include "run_dir_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

namespace trestle::cli {

namespace {
namespace fs = std::filesystem;

std::string FirstLine(const fs::path& p) {
  std::ifstream in(p);
  std::string line;
  std::getline(in, line);
  return line;
}
}  // namespace

core::Result<std::unique_ptr<RunDirLock>> RunDirLock::Claim(const std::string& run_dir, const std::string& run_id) {
  std::error_code ec;
  fs::create_directories(run_dir, ec);
  // Failing to create or open it fails the run (UNAVAILABLE); finding it taken is a
  // usage error (INVALID_ARGUMENT).
  if (ec) return core::Unavailable("cannot create run directory " + run_dir + ": " + ec.message());
  const fs::path lock_path = fs::path(run_dir) / ".lock";
  int fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
  if (fd < 0) return core::Unavailable("cannot open " + lock_path.string() + ": " + std::strerror(errno));
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    ::close(fd);
    const std::string holder = FirstLine(lock_path);
    return core::InvalidArgument("run directory " + run_dir + " is in use by another run" +
                                 (holder.empty() ? std::string() : " (" + holder + ")") +
                                 "; give each run its own --run-dir, or leave it out");
  }
  const fs::path report = fs::path(run_dir) / "report.json";
  if (fs::exists(report, ec)) {
    ::close(fd);
    std::ifstream in(report);
    const nlohmann::json j = nlohmann::json::parse(in, nullptr, false);
    const std::string other = j.is_object() && j.contains("run_id") && j["run_id"].is_string() ? j["run_id"].get<std::string>() : "";
    return core::InvalidArgument("run directory " + run_dir + " already holds the report of run " +
                                 (other.empty() ? std::string("another run") : other) +
                                 "; give each run its own --run-dir, or leave it out");
  }
  const std::string holder = "run " + run_id + ", pid " + std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, holder.data(), holder.size(), 0) < 0) {
    // The lock holds without the note; only the message of a refused run is poorer.
  }
  return std::unique_ptr<RunDirLock>(new RunDirLock(fd));
}

RunDirLock::~RunDirLock() { ::close(fd_); }

}  // namespace trestle::cli
