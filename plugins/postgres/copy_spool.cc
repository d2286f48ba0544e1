#include "copy_spool.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include <trestle/error.hpp>

namespace trestle_pg {

CopySpool::~CopySpool() {
  if (fd_ >= 0) close(fd_);
}

void CopySpool::append(const std::string& data) {
  if (fd_ < 0) {
    const char* tmp = std::getenv("TMPDIR");
    dir_ = tmp && *tmp ? tmp : "/tmp";
    fd_ = open(dir_.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd_ < 0) {  // a file system without O_TMPFILE: create, then unlink at once
      std::string path = dir_ + "/trestle-pg-spool-XXXXXX";
      fd_ = mkostemp(path.data(), O_CLOEXEC);
      if (fd_ >= 0) unlink(path.c_str());
    }
    if (fd_ < 0)
      throw trestle::ResourceExhausted("postgres_sink: cannot create the staging spool file in " + dir_ + ": " +
                                       std::strerror(errno));
  }
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = pwrite(fd_, data.data() + done, data.size() - done, static_cast<off_t>(size_ + done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0)
      throw trestle::ResourceExhausted("postgres_sink: cannot write the staging spool file in " + dir_ + ": " +
                                       std::strerror(n < 0 ? errno : ENOSPC));
    done += static_cast<size_t>(n);
  }
  size_ += data.size();
}

void CopySpool::truncate(uint64_t size) {
  if (size >= size_) return;
  if (fd_ >= 0 && ftruncate(fd_, static_cast<off_t>(size)) != 0)
    throw trestle::ResourceExhausted("postgres_sink: cannot truncate the staging spool file in " + dir_ + ": " +
                                     std::strerror(errno));
  size_ = size;
}

void CopySpool::replay(const std::function<void(const char*, size_t)>& chunk) const {
  std::vector<char> buf(size_t{4} << 20);
  uint64_t off = 0;
  while (off < size_) {
    size_t want = static_cast<size_t>(std::min<uint64_t>(buf.size(), size_ - off));
    ssize_t n = pread(fd_, buf.data(), want, static_cast<off_t>(off));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0)
      throw trestle::ResourceExhausted("postgres_sink: cannot read back the staging spool file in " + dir_ + ": " +
                                       std::strerror(n < 0 ? errno : EIO));
    chunk(buf.data(), static_cast<size_t>(n));
    off += static_cast<uint64_t>(n);
  }
}

}  // namespace trestle_pg
