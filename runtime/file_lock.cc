#include "file_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

namespace trestle::cli {

core::Result<FileLock::Attempt> FileLock::TryAcquire(const std::string& path, const std::string& note) {
  std::error_code ec;
  const std::filesystem::path p(path);
  if (p.has_parent_path()) std::filesystem::create_directories(p.parent_path(), ec);
  if (ec) return core::Unavailable("cannot create " + p.parent_path().string() + ": " + ec.message());
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
  if (fd < 0) return core::Unavailable("cannot open " + path + ": " + std::strerror(errno));
  Attempt a;
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    ::close(fd);
    std::ifstream in(path);
    std::getline(in, a.holder);
    return a;
  }
  if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, note.data(), note.size(), 0) < 0) {
    // The lock holds without the note; only the message of a refused claimant is poorer.
  }
  a.lock.reset(new FileLock(fd));
  return a;
}

FileLock::~FileLock() { ::close(fd_); }

}  // namespace trestle::cli
