#pragma once
// Helpers for the io plugin tests: temporary directories, files, and reading columns
// of several batches as plain vectors.

#include <fcntl.h>
#include <gtest/gtest.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <trestle/sdk.hpp>
#include <trestle/testing.hpp>

namespace trestle_io::test {

inline std::string testdata(const std::string& name) { return std::string(TRESTLE_IO_TESTDATA_DIR) + "/" + name; }

/// A fresh directory under ::testing::TempDir(), removed with its contents.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = ::testing::TempDir() + "trestle_io_XXXXXX";
    if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string file(const std::string& name) const { return path_ + "/" + name; }
  const std::string& path() const { return path_; }
  /// Writes `content` (bytes as given) to `name` and returns its path.
  std::string write(const std::string& name, const std::string& content) const {
    std::string p = file(name);
    std::ofstream(p, std::ios::binary) << content;
    return p;
  }
  std::vector<std::string> entries() const {
    std::vector<std::string> names;
    for (const auto& e : std::filesystem::directory_iterator(path_)) names.push_back(e.path().filename().string());
    return names;
  }

 private:
  std::string path_;
};

/// A FIFO at `path` that a thread fills with `head`, `fill_bytes` bytes of `fill` and
/// `tail`: input of any size without disk or memory. Declare it before the operator
/// reading it, so that the reader closes first (a writer left blocked then gets EPIPE).
class FifoWriter {
 public:
  FifoWriter(std::string path, std::string head, char fill, size_t fill_bytes, std::string tail)
      : path_(std::move(path)) {
    if (::mkfifo(path_.c_str(), 0600) != 0) throw std::runtime_error("mkfifo failed");
    thread_ = std::thread([this, head = std::move(head), fill, fill_bytes, tail = std::move(tail)] {
      sigset_t pipe;
      sigemptyset(&pipe);
      sigaddset(&pipe, SIGPIPE);
      pthread_sigmask(SIG_BLOCK, &pipe, nullptr);  // a closed reader: EPIPE, not a signal
      int fd = ::open(path_.c_str(), O_WRONLY | O_CLOEXEC);
      if (fd < 0) {
        finished_ = true;
        return;
      }
      const std::string block(size_t{1} << 20, fill);
      bool ok = put(fd, head.data(), head.size());
      for (size_t left = fill_bytes; ok && left > 0;) {
        const size_t n = std::min(left, block.size());
        ok = put(fd, block.data(), n);
        left -= n;
      }
      if (ok) put(fd, tail.data(), tail.size());
      ::close(fd);
      finished_ = true;
    });
  }
  ~FifoWriter() {
    // Releases a writer still waiting for a reader to open the FIFO (its writes then
    // fail with EPIPE), however late it gets there.
    while (!finished_) {
      int fd = ::open(path_.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
      if (fd >= 0) ::close(fd);
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    thread_.join();
  }
  FifoWriter(const FifoWriter&) = delete;
  FifoWriter& operator=(const FifoWriter&) = delete;
  const std::string& path() const { return path_; }

 private:
  static bool put(int fd, const char* p, size_t n) {
    while (n > 0) {
      ssize_t w = ::write(fd, p, n);
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) return false;
      p += w;
      n -= static_cast<size_t>(w);
    }
    return true;
  }
  std::string path_;
  std::atomic<bool> finished_{false};
  std::thread thread_;
};

/// The process's peak resident memory so far.
inline int64_t peak_rss_bytes() {
  struct rusage ru {};
  ::getrusage(RUSAGE_SELF, &ru);
  return static_cast<int64_t>(ru.ru_maxrss) * 1024;
}

inline bool exists(const std::string& p) { return std::filesystem::exists(p); }

inline std::string slurp(const std::string& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline int64_t total_rows(const std::vector<trestle::Batch>& bs) {
  int64_t n = 0;
  for (const auto& b : bs) n += b.num_rows();
  return n;
}

/// Every value of column `name` across `bs`, nulls as nullopt.
template <typename T, typename Get>
std::vector<std::optional<T>> values(const std::vector<trestle::Batch>& bs, const std::string& name, Get get) {
  std::vector<std::optional<T>> out;
  for (const auto& b : bs) {
    const trestle::Column& c = b.column(name);
    for (int64_t r = 0; r < c.size(); ++r) out.push_back(c.is_null(r) ? std::nullopt : std::optional<T>(get(c, r)));
  }
  return out;
}
inline std::vector<std::optional<int64_t>> i64s(const std::vector<trestle::Batch>& bs, const std::string& n) {
  return values<int64_t>(bs, n, [](const trestle::Column& c, int64_t r) { return c.i64(r); });
}
inline std::vector<std::optional<int32_t>> i32s(const std::vector<trestle::Batch>& bs, const std::string& n) {
  return values<int32_t>(bs, n, [](const trestle::Column& c, int64_t r) { return c.i32(r); });
}
inline std::vector<std::optional<double>> f64s(const std::vector<trestle::Batch>& bs, const std::string& n) {
  return values<double>(bs, n, [](const trestle::Column& c, int64_t r) { return c.f64(r); });
}
inline std::vector<std::optional<float>> f32s(const std::vector<trestle::Batch>& bs, const std::string& n) {
  return values<float>(bs, n, [](const trestle::Column& c, int64_t r) { return c.f32(r); });
}
inline std::vector<std::optional<bool>> bools(const std::vector<trestle::Batch>& bs, const std::string& n) {
  return values<bool>(bs, n, [](const trestle::Column& c, int64_t r) { return c.bool_at(r); });
}
inline std::vector<std::optional<std::string>> strs(const std::vector<trestle::Batch>& bs, const std::string& n) {
  return values<std::string>(bs, n, [](const trestle::Column& c, int64_t r) { return std::string(c.str(r)); });
}
inline std::vector<std::optional<int64_t>> tss(const std::vector<trestle::Batch>& bs, const std::string& n) {
  return values<int64_t>(bs, n, [](const trestle::Column& c, int64_t r) { return c.ts(r); });
}

/// Microseconds of a UTC date-time, for expectations.
inline int64_t micros(int64_t days_since_epoch, int64_t h, int64_t m, int64_t s, int64_t us = 0) {
  return ((days_since_epoch * 24 + h) * 60 + m) * 60 * 1000000 + s * 1000000 + us;
}

}  // namespace trestle_io::test
