#include "plugin/descriptor_cache.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <exception>
#include <fstream>
#include <sstream>
#include <utility>

#include <boost/filesystem.hpp>
#include <boost/system/error_code.hpp>
#include <glog/logging.h>
#include <nlohmann/json.hpp>

#include "config/sha256.h"
#include "plugin/library_info_json.h"
#include "trestle/c/abi.h"

namespace trestle::core {
namespace {

namespace fs = boost::filesystem;
using nlohmann::json;

constexpr int kFormat = 1;

int64_t Nanoseconds(const struct timespec& t) { return int64_t{t.tv_sec} * 1'000'000'000 + t.tv_nsec; }

json KeyToJson(const PluginFileKey& k) {
  return {{"device", k.device}, {"inode", k.inode},       {"size", k.size},
          {"mtime_ns", k.mtime_ns}, {"ctime_ns", k.ctime_ns}};
}

PluginFileKey KeyFromJson(const std::string& path, const json& j) {
  PluginFileKey k;
  k.canonical_path = path;
  k.device = j.at("device").get<uint64_t>();
  k.inode = j.at("inode").get<uint64_t>();
  k.size = j.at("size").get<uint64_t>();
  k.mtime_ns = j.at("mtime_ns").get<int64_t>();
  k.ctime_ns = j.at("ctime_ns").get<int64_t>();
  return k;
}

// Why a cache file must not be trusted, or empty when it may be.
std::string WritableByOthers(const std::string& file) {
  struct stat st {};
  if (::stat(file.c_str(), &st) != 0) return {};
  if (st.st_uid != ::geteuid()) return "it is owned by uid " + std::to_string(st.st_uid);
  if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0) return "it is writable by its group or others";
  return {};
}

Status WriteWhole(const std::string& path, const std::string& text) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return ErrnoStatus(errno, "cannot create " + path);
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int err = errno;
      ::close(fd);
      return ErrnoStatus(err, "cannot write " + path);
    }
    done += static_cast<size_t>(n);
  }
  if (::close(fd) != 0) return ErrnoStatus(errno, "cannot write " + path);
  return Status::Ok();
}

}  // namespace

std::optional<PluginFileKey> PluginFileKeyOf(const std::string& path) {
  boost::system::error_code ec;
  const fs::path canonical = fs::canonical(path, ec);
  if (ec) return std::nullopt;
  struct stat st {};
  if (::stat(canonical.c_str(), &st) != 0) return std::nullopt;
  PluginFileKey k;
  k.canonical_path = canonical.string();
  k.device = static_cast<uint64_t>(st.st_dev);
  k.inode = static_cast<uint64_t>(st.st_ino);
  k.size = static_cast<uint64_t>(st.st_size);
  k.mtime_ns = Nanoseconds(st.st_mtim);
  k.ctime_ns = Nanoseconds(st.st_ctim);
  return k;
}

std::string PluginDescriptorCache::ExecutablePath() {
  boost::system::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  return ec ? std::string() : exe.string();
}

std::string PluginDescriptorCache::ExecutableTag() {
  std::string tag = std::string("trestle ") + TRESTLE_VERSION + " ABI " + std::to_string(TRESTLE_ABI_MAJOR) + "." +
                    std::to_string(TRESTLE_ABI_MINOR);
  // The file the link names, not stat("/proc/self/exe"): under valgrind that is the
  // tool's own executable (valgrind answers only readlink for its client), and the tag
  // then told every run under valgrind, and the next run without it, to rebuild the
  // cache by loading every plugin library.
  const std::string exe = ExecutablePath();
  struct stat st {};
  if (!exe.empty() && ::stat(exe.c_str(), &st) == 0)
    tag += " size " + std::to_string(st.st_size) + " mtime " + std::to_string(Nanoseconds(st.st_mtim));
  return tag;
}

std::string PluginDescriptorCache::DefaultFile(const char* env_cache, const char* xdg_cache_home, const char* home,
                                               const std::string& executable) {
  if (env_cache != nullptr) return std::string(env_cache) == "off" ? std::string() : std::string(env_cache);
  std::string dir;
  if (xdg_cache_home != nullptr && xdg_cache_home[0] == '/') dir = std::string(xdg_cache_home) + "/trestle";
  else if (home != nullptr && home[0] == '/') dir = std::string(home) + "/.cache/trestle";
  if (dir.empty() || executable.empty()) return {};
  return dir + "/plugins-" + Sha256Hex(executable).substr(0, 16) + ".json";
}

PluginDescriptorCache PluginDescriptorCache::Open(std::string file, std::string executable_tag) {
  PluginDescriptorCache cache;
  cache.file_ = std::move(file);
  cache.executable_tag_ = std::move(executable_tag);
  if (cache.file_.empty()) return cache;
  std::ifstream in(cache.file_);
  if (!in) {
    VLOG(1) << "plugin descriptor cache " << cache.file_ << ": none yet";
    return cache;
  }
  if (std::string why = WritableByOthers(cache.file_); !why.empty()) {
    LOG(WARNING) << "plugin descriptor cache " << cache.file_ << " ignored: " << why
                 << " (remove it; every plugin library is loaded meanwhile)";
    return cache;
  }
  std::stringstream text;
  text << in.rdbuf();
  const json j = json::parse(text.str(), nullptr, false);
  try {
    if (!j.is_object() || j.value("format", 0) != kFormat || j.value("executable", "") != cache.executable_tag_) {
      VLOG(1) << "plugin descriptor cache " << cache.file_ << ": written by another format or executable, set aside";
      return cache;
    }
    for (const auto& [path, entry] : j.at("libraries").items()) {
      std::optional<PluginLibraryInfo> info = LibraryInfoFromJson(entry.at("info"));
      if (!info) continue;
      cache.entries_[path] = Entry{KeyFromJson(path, entry.at("key")), std::move(*info)};
    }
  } catch (const std::exception& e) {
    VLOG(1) << "plugin descriptor cache " << cache.file_ << ": unreadable (" << e.what() << "), set aside";
    cache.entries_.clear();
  }
  return cache;
}

std::optional<PluginLibraryInfo> PluginDescriptorCache::Lookup(const PluginFileKey& key,
                                                               const std::string& found_as) const {
  auto it = entries_.find(key.canonical_path);
  if (it == entries_.end() || !(it->second.key == key)) return std::nullopt;
  PluginLibraryInfo info = it->second.info;
  info.path = found_as;
  return info;
}

void PluginDescriptorCache::Remember(const PluginFileKey& key, const PluginLibraryInfo& info) {
  if (!enabled()) return;
  entries_[key.canonical_path] = Entry{key, info};
  dirty_ = true;
}

Status PluginDescriptorCache::Save() {
  if (!enabled() || !dirty_) return Status::Ok();
  json libraries = json::object();
  for (const auto& [path, entry] : entries_) {
    std::optional<PluginFileKey> now = PluginFileKeyOf(path);
    if (!now || !(*now == entry.key)) continue;  // gone or changed since
    libraries[path] = {{"key", KeyToJson(entry.key)}, {"info", LibraryInfoToJson(entry.info)}};
  }
  const json j = {{"format", kFormat}, {"executable", executable_tag_}, {"libraries", std::move(libraries)}};

  const fs::path dir = fs::path(file_).parent_path();
  if (!dir.empty()) {
    boost::system::error_code ec;
    if (!fs::exists(dir, ec)) {
      fs::create_directories(dir, ec);
      if (ec) return Unavailable("cannot create " + dir.string() + ": " + ec.message());
      ::chmod(dir.c_str(), 0700);
    }
  }
  const std::string tmp = file_ + ".tmp-" + std::to_string(::getpid());
  ::unlink(tmp.c_str());
  TRESTLE_RETURN_IF_ERROR(WriteWhole(tmp, j.dump()));
  if (::rename(tmp.c_str(), file_.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    return ErrnoStatus(err, "cannot replace " + file_);
  }
  dirty_ = false;
  return Status::Ok();
}

}  // namespace trestle::core
