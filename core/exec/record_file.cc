#include "exec/record_file.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <vector>

#include <glog/logging.h>
#include <nlohmann/json.hpp>

namespace trestle::core {

namespace {

// Holds an exclusive flock for the duration of one append.
class FileLock {
 public:
  explicit FileLock(int fd) : fd_(fd) {
    while (::flock(fd_, LOCK_EX) != 0 && errno == EINTR) {
    }
  }
  ~FileLock() { ::flock(fd_, LOCK_UN); }
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

 private:
  int fd_;
};

// Whether bytes [from, to) of `fd` are one complete JSON object (a record). Tails
// longer than a record can sensibly be are not read: they are cut as torn.
bool TailIsWholeRecord(int fd, off_t from, off_t to) {
  constexpr off_t kMaxRecordBytes = 16 << 20;
  if (to - from > kMaxRecordBytes) return false;
  std::string tail(static_cast<size_t>(to - from), '\0');
  if (::pread(fd, tail.data(), tail.size(), from) != static_cast<ssize_t>(tail.size())) return false;
  const nlohmann::json j = nlohmann::json::parse(tail, nullptr, /*allow_exceptions=*/false);
  return j.is_object();
}

}  // namespace

RecordFile::~RecordFile() {
  if (fd_ >= 0) ::close(fd_);
}

Status RecordFile::Open() {
  std::error_code ec;
  const auto parent = std::filesystem::path(path_).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  if (ec) return ErrnoStatus(ec.value(), "cannot create the directory of " + path_);
  // O_NOFOLLOW: records go into the file named, never through a link somewhere else.
  // O_NONBLOCK: a FIFO put there after validation is refused below instead of blocking
  // the open until some process reads it (no effect on a regular file).
  int fd = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0644);
  if (fd < 0) {
    const int err = errno;
    return ErrnoStatus(err, err == ELOOP ? "cannot open " + path_ + " (it is a symbolic link)" : "cannot open " + path_);
  }
  struct stat st{};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return InvalidArgument(path_ + " is not a regular file");
  }
  fd_ = fd;
  return Status::Ok();
}

Status RecordFile::CutTornTail(off_t* end) {
  struct stat st{};
  if (::fstat(fd_, &st) != 0) return ErrnoStatus(errno, "cannot inspect " + path_);
  *end = st.st_size;
  if (st.st_size == 0) return Status::Ok();
  // Scan back from the end for the last record boundary, a chunk at a time.
  int rfd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (rfd < 0) return ErrnoStatus(errno, "cannot read " + path_);
  std::vector<char> chunk(64 * 1024);
  off_t pos = st.st_size;
  off_t boundary = -1;
  while (pos > 0 && boundary < 0) {
    const off_t from = pos > static_cast<off_t>(chunk.size()) ? pos - static_cast<off_t>(chunk.size()) : 0;
    const ssize_t n = ::pread(rfd, chunk.data(), static_cast<size_t>(pos - from), from);
    if (n <= 0) break;
    for (ssize_t i = n - 1; i >= 0; --i) {
      if (chunk[static_cast<size_t>(i)] == '\n') {
        boundary = from + i + 1;
        break;
      }
    }
    pos = from;
  }
  if (boundary < 0) boundary = 0;
  if (boundary == st.st_size) {
    ::close(rfd);
    return Status::Ok();
  }
  // A last record that is whole but lacks its newline (a writer that ends records
  // without one, an editor) is kept: it gets its newline instead of being cut.
  const bool whole = TailIsWholeRecord(rfd, boundary, st.st_size);
  ::close(rfd);
  if (whole) {
    LOG(WARNING) << path_ << " ended in a complete record without a newline; appending the newline";
    if (::write(fd_, "\n", 1) != 1) return ErrnoStatus(errno, "cannot end the last record of " + path_);
    *end = st.st_size + 1;
    return Status::Ok();
  }
  LOG(WARNING) << path_ << " ended in a torn record (" << (st.st_size - boundary)
               << " bytes after the last complete line, left by a crash or a full disk); cutting it off before appending";
  if (::ftruncate(fd_, boundary) != 0) return ErrnoStatus(errno, "cannot cut the torn record at the end of " + path_);
  *end = boundary;
  return Status::Ok();
}

Status RecordFile::Append(const std::string& records) {
  if (records.empty()) return Status::Ok();
  const bool first = fd_ < 0;
  if (first) {
    Status st = Open();
    if (!st.ok()) return st;
  }
  FileLock lock(fd_);
  off_t end = 0;
  if (first) {
    Status st = CutTornTail(&end);
    if (!st.ok()) return st;
  } else {
    struct stat st{};
    if (::fstat(fd_, &st) != 0) return ErrnoStatus(errno, "cannot inspect " + path_);
    end = st.st_size;
  }
  size_t done = 0;
  while (done < records.size()) {
    const ssize_t n = ::write(fd_, records.data() + done, records.size() - done);
    if (n > 0) {
      done += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    const int err = n < 0 ? errno : ENOSPC;
    // Nothing half-written stays: cut back to where this append began.
    if (done > 0 && ::ftruncate(fd_, end) != 0)
      LOG(ERROR) << "cannot cut a partial record off " << path_ << ": " << std::strerror(errno);
    return ErrnoStatus(err, "cannot append to " + path_);
  }
  return Status::Ok();
}

Status RecordFile::Sync() {
  if (fd_ < 0) return Status::Ok();
  if (::fsync(fd_) != 0) return ErrnoStatus(errno, "cannot fsync " + path_);
  return Status::Ok();
}

}  // namespace trestle::core
