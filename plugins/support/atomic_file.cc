#include "atomic_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>

#include <trestle/error.hpp>

namespace trestle_support {
namespace {

namespace fs = std::filesystem;

[[noreturn]] void throw_io(const std::string& what, int err) {
  std::string m = what + ": " + std::strerror(err);
  switch (err) {
    case ENOSPC:
    case EDQUOT:
    case EFBIG: throw trestle::ResourceExhausted(m);
    case EACCES:
    case EPERM:
    case EROFS:
    case EISDIR:
    case ENOTDIR:
    case ENAMETOOLONG:
    case ELOOP: throw trestle::InvalidArgument(m);
    default: throw trestle::Unavailable(m);
  }
}

fs::path parent_of(const std::string& path) {
  fs::path p = fs::path(path).parent_path();
  return p.empty() ? fs::path(".") : p;
}

}  // namespace

void check_writable(const std::string& path, const std::string& context) {
  const std::string at = context.empty() ? std::string() : context + ": ";
  std::error_code ec;
  if (fs::is_directory(path, ec))
    throw trestle::InvalidArgument(at + "\"" + path + "\" is a directory; a file path is needed");
  fs::path dir = parent_of(path);
  // The nearest ancestor that exists must be a directory we may create entries in.
  while (!fs::exists(dir, ec)) {
    fs::path up = dir.parent_path();
    if (up.empty() || up == dir) {
      dir = ".";
      break;
    }
    dir = up;
  }
  if (!fs::is_directory(dir, ec))
    throw trestle::InvalidArgument(at + "cannot write \"" + path + "\": \"" + dir.string() + "\" is not a directory");
  if (::access(dir.c_str(), W_OK | X_OK) != 0)
    throw_io(at + "cannot write \"" + path + "\" (directory \"" + dir.string() + "\")", errno);
}

void write_file_atomically(const std::string& path, const std::string& contents) {
  AtomicFile file(path);
  file.buffer() = contents;
  file.publish();
}

AtomicFile::AtomicFile(std::string path)
    : path_(std::move(path)), temp_path_(path_ + ".tmp-" + std::to_string(::getpid())) {}

AtomicFile::~AtomicFile() { discard(); }

void AtomicFile::create() {
  if (created()) return;
  std::error_code ec;
  fs::create_directories(parent_of(path_), ec);
  if (ec) throw_io("cannot create the directory of \"" + path_ + "\"", ec.value());
  int fd = ::open(temp_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  if (fd < 0) throw_io("cannot create \"" + temp_path_ + "\"", errno);
  fd_ = fd;
}

void AtomicFile::flush() {
  if (buf_.empty()) return;
  create();
  size_t done = 0;
  while (done < buf_.size()) {
    ssize_t n = ::write(fd_, buf_.data() + done, buf_.size() - done);
    if (n >= 0) {
      done += static_cast<size_t>(n);
      continue;
    }
    if (errno == EINTR) continue;
    int e = errno;
    buf_.erase(0, done);
    throw_io("writing \"" + temp_path_ + "\" failed", e);
  }
  buf_.clear();
}

void AtomicFile::sync() {
  flush();
  create();
  if (::fsync(fd_) != 0) throw_io("fsync of \"" + temp_path_ + "\" failed", errno);
}

void AtomicFile::publish() {
  if (published_) return;
  sync();
  if (::rename(temp_path_.c_str(), path_.c_str()) != 0)
    throw_io("renaming \"" + temp_path_ + "\" to \"" + path_ + "\" failed", errno);
  published_ = true;
  ::close(fd_);
  fd_ = -1;
  // Make the rename itself durable; the file is complete either way, so a failure
  // here is not reported.
  int dfd = ::open(parent_of(path_).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    (void)::fsync(dfd);
    ::close(dfd);
  }
}

void AtomicFile::discard() noexcept {
  std::string().swap(buf_);
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
    if (!published_) ::unlink(temp_path_.c_str());
  }
}

}  // namespace trestle_support
