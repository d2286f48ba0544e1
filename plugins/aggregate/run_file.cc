#include "run_file.hpp"

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>

#include <trestle/error.hpp>

namespace trestle_aggregate {
namespace {

[[noreturn]] void io_failure(const std::string& what, const std::string& path, int err) {
  throw trestle::ResourceExhausted("group_aggregate: " + what + " spill file \"" + path + "\" failed: " + std::strerror(err));
}

constexpr std::string_view kPrefix = "trestle-aggregate-";

// The pid in "trestle-aggregate-<pid>-XXXXXX", or 0.
pid_t PidOf(const std::string& name) {
  if (name.compare(0, kPrefix.size(), kPrefix) != 0) return 0;
  const size_t dash = name.find('-', kPrefix.size());
  if (dash == std::string::npos || dash == kPrefix.size() || name.size() - dash != 7) return 0;
  pid_t pid = 0;
  for (size_t i = kPrefix.size(); i < dash; ++i) {
    if (name[i] < '0' || name[i] > '9' || pid > 100000000) return 0;
    pid = pid * 10 + (name[i] - '0');
  }
  return pid;
}

}  // namespace

void SpillDir::remove_orphans(const std::string& parent) noexcept {
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(parent, ec)) {
    const pid_t pid = PidOf(e.path().filename().string());
    if (pid <= 0 || pid == ::getpid()) continue;
    struct stat st{};
    if (::lstat(e.path().c_str(), &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != ::geteuid()) continue;
    if (::kill(pid, 0) == 0 || errno != ESRCH) continue;  // alive, or not ours to judge
    std::error_code rm;
    std::filesystem::remove_all(e.path(), rm);
  }
}

std::string SpillDir::new_file(const std::string& stem) {
  if (path_.empty()) {
    remove_orphans(parent_);
    std::string tmpl = parent_ + "/trestle-aggregate-" + std::to_string(::getpid()) + "-XXXXXX";
    if (::mkdtemp(tmpl.data()) == nullptr) {
      const int err = errno;
      throw trestle::ResourceExhausted("group_aggregate: creating the spill directory \"" + tmpl + "\" failed: " + std::strerror(err));
    }
    path_ = tmpl;
  }
  return path_ + "/" + stem + "-" + std::to_string(next_++) + ".run";
}

void SpillDir::remove() noexcept {
  if (path_.empty()) return;
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
  path_.clear();
}

RunWriter::RunWriter(std::string path) : path_(std::move(path)), buf_(kBufferBytes) {
  fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd_ < 0) io_failure("creating", path_, errno);
}

RunWriter::~RunWriter() {
  if (fd_ >= 0) ::close(fd_);
}

void RunWriter::write_out(const void* p, size_t n) {
  const char* d = static_cast<const char*>(p);
  while (n > 0) {
    const ssize_t w = ::write(fd_, d, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      io_failure("writing", path_, errno);
    }
    d += w, n -= static_cast<size_t>(w), written_ += static_cast<uint64_t>(w);
  }
}

void RunWriter::flush() {
  const size_t n = used_;
  used_ = 0;  // a failed write is not retried: the run fails
  write_out(buf_.data(), n);
}

void RunWriter::finish() {
  flush();
  const int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0) io_failure("closing", path_, errno);
  std::vector<char>().swap(buf_);
}

RunReader::RunReader(std::string path) : path_(std::move(path)), buf_(kBufferBytes) {
  fd_ = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0) io_failure("opening", path_, errno);
}

RunReader::~RunReader() {
  if (fd_ >= 0) ::close(fd_);
}

void RunReader::fill() {
  pos_ = len_ = 0;
  for (;;) {
    const ssize_t r = ::read(fd_, buf_.data(), buf_.size());
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) io_failure("reading", path_, errno);
    len_ = static_cast<size_t>(r);
    return;
  }
}

void RunReader::corrupt() const {
  throw trestle::Internal("group_aggregate: spill file \"" + path_ + "\" ends inside a record (truncated or corrupt)");
}

}  // namespace trestle_aggregate
