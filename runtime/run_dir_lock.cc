#include "run_dir_lock.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

namespace trestle::cli {

namespace fs = std::filesystem;

core::Result<std::unique_ptr<RunDirLock>> RunDirLock::Claim(const std::string& run_dir, const std::string& run_id) {
  // Failing to create or open it fails the run (UNAVAILABLE); finding it taken is a
  // usage error (INVALID_ARGUMENT).
  std::error_code ec;
  fs::create_directories(run_dir, ec);
  if (ec) return core::Unavailable("cannot create run directory " + run_dir + ": " + ec.message());
  auto attempt = FileLock::TryAcquire((fs::path(run_dir) / ".lock").string(),
                                      "run " + run_id + ", pid " + std::to_string(::getpid()) + "\n");
  if (!attempt.ok()) return attempt.status();
  if (!attempt->lock)
    return core::InvalidArgument("run directory " + run_dir + " is in use by another run" +
                                 (attempt->holder.empty() ? std::string() : " (" + attempt->holder + ")") +
                                 "; give each run its own --run-dir, or leave it out");
  const fs::path report = fs::path(run_dir) / "report.json";
  if (fs::exists(report, ec)) {
    std::ifstream in(report);
    const nlohmann::json j = nlohmann::json::parse(in, nullptr, false);
    const std::string other = j.is_object() && j.contains("run_id") && j["run_id"].is_string() ? j["run_id"].get<std::string>() : "";
    return core::InvalidArgument("run directory " + run_dir + " already holds the report of run " +
                                 (other.empty() ? std::string("another run") : other) +
                                 "; give each run its own --run-dir, or leave it out");
  }
  return std::unique_ptr<RunDirLock>(new RunDirLock(std::move(attempt->lock)));
}

}  // namespace trestle::cli
