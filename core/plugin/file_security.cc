#include "plugin/file_security.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <optional>

#include <boost/filesystem.hpp>
#include <boost/system/error_code.hpp>
#include <glog/logging.h>

namespace trestle::core {
namespace {

namespace fs = boost::filesystem;

std::string Octal(mode_t mode) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(mode & 07777));
  return buf;
}

// `what` is "the file" or "its directory <dir>"; an empty result means it passed.
std::string OwnerAndModeProblem(const struct stat& st, const std::string& what) {
  uid_t me = geteuid();
  if (st.st_uid != me && st.st_uid != 0)
    return what + " is owned by uid " + std::to_string(st.st_uid) + ", not by the current user (uid " +
           std::to_string(me) + ") or root";
  if ((st.st_mode & S_IWOTH) != 0) return what + " is writable by others (mode " + Octal(st.st_mode) + ")";
  if ((st.st_mode & S_IWGRP) != 0) return what + " is writable by its group (mode " + Octal(st.st_mode) + ")";
  return {};
}

std::string DirectoryProblem(const fs::path& dir) {
  struct stat st {};
  if (stat(dir.c_str(), &st) != 0) return "cannot inspect its directory " + dir.string() + ": " + std::strerror(errno);
  return OwnerAndModeProblem(st, "its directory " + dir.string());
}

fs::path ParentOf(const fs::path& p) {
  fs::path parent = p.parent_path();
  return parent.empty() ? fs::path(".") : parent;
}

struct Finding {
  bool uninspectable = false;  // the file itself could not be looked at
  std::string problem;
};

std::optional<Finding> Inspect(const std::string& path) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) return Finding{true, std::strerror(errno)};
  if (!S_ISREG(st.st_mode)) return Finding{false, "it is not a regular file"};
  if (std::string p = OwnerAndModeProblem(st, "the file"); !p.empty()) return Finding{false, p};

  const fs::path given(path);
  if (std::string p = DirectoryProblem(ParentOf(given)); !p.empty()) return Finding{false, p};
  // A link's target can be swapped by whoever can write the target's directory.
  boost::system::error_code ec;
  const fs::path real = fs::canonical(given, ec);
  if (ec) return Finding{false, "cannot resolve its real path: " + ec.message()};
  const fs::path link_dir = fs::canonical(ParentOf(given), ec);
  if (ec || ParentOf(real) != link_dir) {
    if (std::string p = DirectoryProblem(ParentOf(real)); !p.empty()) return Finding{false, p};
  }
  return std::nullopt;
}

}  // namespace

Status CheckPluginFileSecurity(const std::string& path) { return CheckPluginFileSecurity(path, false); }

Status CheckPluginFileSecurity(const std::string& path, bool allow_insecure) {
  std::optional<Finding> finding = Inspect(path);
  if (!finding) return Status::Ok();
  if (finding->uninspectable) {
    // Nothing to allow: loading it fails on its own, with its own message.
    if (allow_insecure) return Status::Ok();
    return InvalidArgument(path + ": cannot inspect plugin file: " + finding->problem);
  }
  if (allow_insecure) {
    LOG(WARNING) << path << ": " << finding->problem
                 << "; loading the plugin anyway because --allow-insecure-plugins is set";
    return Status::Ok();
  }
  return InvalidArgument(path + ": refusing to load plugin: " + finding->problem +
                         "; fix the ownership or permissions, or pass --allow-insecure-plugins to load it anyway");
}

}  // namespace trestle::core
