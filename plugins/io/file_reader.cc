#include "file_reader.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <trestle/error.hpp>

namespace trestle_io {

std::string byte_size_text(size_t bytes) {
  constexpr size_t kMiB = size_t{1} << 20;
  if (bytes >= kMiB && bytes % kMiB == 0) return std::to_string(bytes / kMiB) + " MiB";
  return std::to_string(bytes) + " bytes";
}

FileReader::~FileReader() { close(); }

void FileReader::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

void FileReader::open(const std::string& path) {
  close();
  path_ = path;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int e = errno;
    std::string why = std::strerror(e);
    if (e == ENOENT || e == ENOTDIR || e == EACCES || e == EPERM || e == ELOOP || e == ENAMETOOLONG)
      throw trestle::InvalidArgument("cannot open \"" + path + "\": " + why);
    throw trestle::Unavailable("cannot open \"" + path + "\": " + why);
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    int e = errno;
    ::close(fd);
    throw trestle::Unavailable("cannot stat \"" + path + "\": " + std::strerror(e));
  }
  if (S_ISDIR(st.st_mode)) {
    ::close(fd);
    throw trestle::InvalidArgument("\"" + path + "\" is a directory, not a file");
  }
  fd_ = fd;
  file_size_ = S_ISREG(st.st_mode) ? static_cast<uint64_t>(st.st_size) : 0;
  regular_ = S_ISREG(st.st_mode);
#ifdef POSIX_FADV_SEQUENTIAL
  if (S_ISREG(st.st_mode)) (void)::posix_fadvise(fd_, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
  cap_ = kChunkBytes;
  buf_.reset(new char[cap_]);
  pos_ = len_ = 0;
  base_offset_ = 0;
  eof_ = false;
  mark_.reset();
}

void FileReader::open_buffer(std::unique_ptr<char[]> data, size_t size, bool eof) {
  close();
  buf_ = std::move(data);
  cap_ = len_ = size;
  pos_ = 0;
  base_offset_ = 0;
  file_size_ = size;
  eof_ = eof;
  regular_ = true;
  mark_.reset();
}

void FileReader::seek(uint64_t offset) {
  if (::lseek(fd_, static_cast<off_t>(offset), SEEK_SET) < 0)
    throw trestle::Unavailable("cannot seek in \"" + path_ + "\": " + std::strerror(errno));
  cap_ = kChunkBytes;
  buf_.reset(new char[cap_]);
  pos_ = len_ = 0;
  base_offset_ = offset;
  eof_ = false;
  mark_.reset();
}

size_t FileReader::read_at(uint64_t offset, char* out, size_t n) const {
  size_t got = 0;
  while (got < n) {
    const ssize_t r = ::pread(fd_, out + got, n - got, static_cast<off_t>(offset + got));
    if (r > 0) {
      got += static_cast<size_t>(r);
      continue;
    }
    if (r == 0) break;
    if (errno == EINTR) continue;
    throw trestle::Unavailable("reading \"" + path_ + "\" failed: " + std::strerror(errno));
  }
  return got;
}

void FileReader::skip_utf8_bom() {
  read_more();
  const char* b = begin();
  if (available() >= 3 && static_cast<unsigned char>(b[0]) == 0xEF && static_cast<unsigned char>(b[1]) == 0xBB &&
      static_cast<unsigned char>(b[2]) == 0xBF)
    consume(3);
}

bool FileReader::read_more() {
  if (eof_ || fd_ < 0) return false;
  if (stop_ != nullptr && (*stop_)()) return false;
  // Keep every read at least half a buffer long, so that a parser re-scanning a
  // partial record after each read does linear work in all: drop what no one needs
  // any more, and grow when what is kept fills more than half (a long record).
  size_t keep_from = mark_ ? *mark_ : pos_;
  if (cap_ - len_ < cap_ / 2 && keep_from > 0) {
    std::memmove(buf_.get(), buf_.get() + keep_from, len_ - keep_from);
    len_ -= keep_from;
    pos_ -= keep_from;
    if (mark_) *mark_ -= keep_from;
    base_offset_ += keep_from;
  }
  if (cap_ - len_ < cap_ / 2) {
    size_t ncap = cap_ * 2;
    std::unique_ptr<char[]> nbuf(new char[ncap]);
    std::memcpy(nbuf.get(), buf_.get(), len_);
    buf_ = std::move(nbuf);
    cap_ = ncap;
  }
  // Fill the free space (one read for a regular file; several for a pipe) so that a
  // parser that re-scans a partial record does so once per buffer, not per read.
  size_t before = len_;
  while (len_ < cap_) {
    if (!regular_) {
      // Wait for a writer in slices, looking at the interrupt between them; with data
      // already read, only take what is there now.
      pollfd p{fd_, POLLIN, 0};
      const int ready = ::poll(&p, 1, len_ > before ? 0 : 100);
      if (ready == 0) {
        if (len_ > before) break;
        if (stop_ != nullptr && (*stop_)()) return false;
        continue;
      }
      if (ready < 0 && errno != EINTR) throw trestle::Unavailable("waiting for \"" + path_ + "\" failed: " + std::strerror(errno));
    }
    ssize_t n = ::read(fd_, buf_.get() + len_, cap_ - len_);
    if (n > 0) {
      len_ += static_cast<size_t>(n);
      continue;
    }
    if (n == 0) {
      eof_ = true;
      break;
    }
    if (errno == EINTR) continue;
    if (len_ > before) break;  // keep what was read; the error comes back next time
    int e = errno;
    throw trestle::Unavailable("reading \"" + path_ + "\" failed: " + std::strerror(e));
  }
  return len_ > before;
}

void FileReader::reset_to_mark() {
  if (mark_) pos_ = *mark_;
  mark_.reset();
}

}  // namespace trestle_io
