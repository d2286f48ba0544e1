#include "common/output_file.h"

#include <filesystem>

#include <atomic_file.hpp>
#include <trestle/error.hpp>

namespace trestle::core {

namespace {

// The support library words its refusals for sinks ("set mode: stream"); a report or
// profile has no stream mode.
std::string WithoutSinkAdvice(std::string message) {
  const std::string advice = "; a sink replaces only regular files";
  if (size_t at = message.find(advice); at != std::string::npos)
    message = message.substr(0, at) + "; only a regular file (or a new path) is replaced";
  return message;
}

}  // namespace

Status CheckOutputFile(const std::string& path, const std::string& what) {
  try {
    trestle_support::check_writable(path, what);
  } catch (const trestle::Error& e) {
    return Status(CodeFromAbi(e.code()), WithoutSinkAdvice(e.what()));
  }
  return Status::Ok();
}

Status WriteOutputFile(const std::string& path, const std::string& contents, const std::string& what) {
  try {
    trestle_support::write_file_atomically(path, contents);
  } catch (const trestle::Error& e) {
    return Status(CodeFromAbi(e.code()), what + ": " + WithoutSinkAdvice(e.what()));
  }
  return Status::Ok();
}

std::string CanonicalPathKey(const std::string& path) {
  std::error_code ec;
  const std::filesystem::path absolute = std::filesystem::absolute(path, ec);
  std::filesystem::path key = std::filesystem::weakly_canonical(absolute, ec);
  if (ec) key = absolute.lexically_normal();
  return key.string();
}

}  // namespace trestle::core
