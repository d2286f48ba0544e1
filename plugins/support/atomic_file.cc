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

// "a FIFO", "a character device"...: what a non-regular file is, for messages.
const char* kind_of(mode_t m) {
  if (S_ISLNK(m)) return "a symbolic link";
  if (S_ISDIR(m)) return "a directory";
  if (S_ISFIFO(m)) return "a FIFO";
  if (S_ISCHR(m)) return "a character device";
  if (S_ISBLK(m)) return "a block device";
  if (S_ISSOCK(m)) return "a socket";
  return "not a regular file";
}

// Refuses an existing `path` that a rename would replace but is not a regular file.
void check_replaceable(const std::string& path, const std::string& at) {
  struct stat st{};
  if (::lstat(path.c_str(), &st) != 0 || S_ISREG(st.st_mode)) return;
  if (S_ISDIR(st.st_mode)) throw trestle::InvalidArgument(at + "\"" + path + "\" is a directory; a file path is needed");
  std::string what = kind_of(st.st_mode);
  if (S_ISLNK(st.st_mode)) {
    std::error_code ec;
    const fs::path target = fs::read_symlink(path, ec);
    if (!ec) what += " to \"" + target.string() + "\"";
  }
  throw trestle::InvalidArgument(at + "\"" + path + "\" is " + what +
                                 "; a sink replaces only regular files (the output would silently take its place): "
                                 "name a regular file, or set mode: stream to write into it in place");
}

}  // namespace

WriteMode parse_write_mode(const std::string& text, const std::string& option) {
  if (text == "atomic") return WriteMode::kAtomic;
  if (text == "stream") return WriteMode::kStream;
  throw trestle::InvalidArgument("option \"" + option + "\" must be \"atomic\" or \"stream\", got \"" + text + "\"");
}

void check_writable(const std::string& path, const std::string& context, WriteMode mode) {
  const std::string at = context.empty() ? std::string() : context + ": ";
  std::error_code ec;
  if (mode == WriteMode::kStream && fs::exists(path, ec)) {
    if (fs::is_directory(path, ec))
      throw trestle::InvalidArgument(at + "\"" + path + "\" is a directory; a file path is needed");
    if (::access(path.c_str(), W_OK) != 0) throw_io(at + "cannot write \"" + path + "\"", errno);
    return;
  }
  check_replaceable(path, at);
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

AtomicFile::AtomicFile(std::string path, WriteMode mode)
    : path_(std::move(path)),
      mode_(mode),
      temp_path_(mode == WriteMode::kStream ? path_ : path_ + ".tmp-" + std::to_string(::getpid())) {}

AtomicFile::~AtomicFile() { discard(); }

void AtomicFile::create() {
  if (created()) return;
  std::error_code ec;
  fs::create_directories(parent_of(path_), ec);
  if (ec) throw_io("cannot create the directory of \"" + path_ + "\"", ec.value());
  if (mode_ == WriteMode::kStream) {
    // O_NONBLOCK: opening a FIFO nobody reads fails (ENXIO) instead of hanging.
    struct stat st{};
    const bool exists = ::stat(path_.c_str(), &st) == 0;
    const int flags = O_WRONLY | O_CLOEXEC | O_NONBLOCK | (!exists || S_ISREG(st.st_mode) ? O_CREAT | O_TRUNC : 0);
    int fd = ::open(path_.c_str(), flags, 0666);
    if (fd < 0 && errno == ENXIO) throw trestle::Unavailable("\"" + path_ + "\" is a FIFO that no process reads");
    if (fd < 0) throw_io("cannot open \"" + path_ + "\"", errno);
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    struct stat opened{};
    regular_ = ::fstat(fd, &opened) == 0 && S_ISREG(opened.st_mode);
    fd_ = fd;
    return;
  }
  // O_EXCL | O_NOFOLLOW: never write through a link or into a file someone else made.
  // A leftover of a dead process that had our pid is ours to replace.
  const int flags = O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW;
  int fd = ::open(temp_path_.c_str(), flags, 0666);
  if (fd < 0 && errno == EEXIST && ::unlink(temp_path_.c_str()) == 0) fd = ::open(temp_path_.c_str(), flags, 0666);
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
  if (regular_ && ::fsync(fd_) != 0) throw_io("fsync of \"" + temp_path_ + "\" failed", errno);
}

void AtomicFile::prepare() {
  if (published_) return;
  sync();
  if (mode_ == WriteMode::kAtomic) check_replaceable(path_, "");
}

void AtomicFile::publish() {
  if (published_) return;
  prepare();
  if (mode_ == WriteMode::kStream) {
    published_ = true;
    ::close(fd_);
    fd_ = -1;
    return;
  }
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
    if (!published_ && mode_ == WriteMode::kAtomic) ::unlink(temp_path_.c_str());
  }
}

}  // namespace trestle_support
