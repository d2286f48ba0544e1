#pragma once
// Spill files of group_aggregate: a private spill directory, and buffered binary writers
// and readers of run files (sorted records of key + partial state; the record layout is
// GroupStates' business, see group_states.hpp). Files live only for one operator
// instance in one process, so numbers are written in the machine's byte order.
//
// Errors: every failure to create, write or close a spill file (ENOSPC included) is a
// trestle::ResourceExhausted naming the file; a file that reads back short is
// trestle::Internal naming it.

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace trestle_aggregate {

/// A directory "<parent>/trestle-aggregate-<pid>-XXXXXX" (mkdtemp, mode 0700), created
/// on first use and removed with everything in it by remove() and the destructor. A
/// process killed (kill -9, a crash) leaves its directory behind: creating one first
/// removes those of this user's processes that no longer exist.
class SpillDir {
 public:
  explicit SpillDir(std::string parent) : parent_(std::move(parent)) {}
  ~SpillDir() { remove(); }
  SpillDir(const SpillDir&) = delete;
  SpillDir& operator=(const SpillDir&) = delete;

  /// A new file path inside the directory (creating the directory first if needed).
  std::string new_file(const std::string& stem);
  /// The directory, or "" before first use / after remove().
  const std::string& path() const { return path_; }
  /// Deletes the directory and its files; never throws.
  void remove() noexcept;
  /// Deletes `parent`'s spill directories whose process is gone (same user only).
  static void remove_orphans(const std::string& parent) noexcept;

 private:
  std::string parent_, path_;
  uint64_t next_ = 0;
};

class RunWriter {
 public:
  static constexpr size_t kBufferBytes = 256 << 10;
  /// Creates `path` (which must not exist).
  explicit RunWriter(std::string path);
  ~RunWriter();
  RunWriter(const RunWriter&) = delete;
  RunWriter& operator=(const RunWriter&) = delete;

  void u8(uint8_t v) { put(&v, 1); }
  void varint(uint64_t v) {
    uint8_t b[10];
    size_t n = 0;
    while (v >= 0x80) b[n++] = static_cast<uint8_t>(v | 0x80), v >>= 7;
    b[n++] = static_cast<uint8_t>(v);
    put(b, n);
  }
  void svarint(int64_t v) { varint((static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63)); }
  void f64(double v) { put(&v, sizeof v); }
  void bytes(std::string_view s) {
    varint(s.size());
    put(s.data(), s.size());
  }
  /// Flushes and closes; the file is complete afterwards.
  void finish();
  const std::string& path() const { return path_; }
  uint64_t bytes_written() const { return written_ + used_; }

 private:
  void put(const void* p, size_t n) {
    if (used_ + n > buf_.size()) flush();
    if (n > buf_.size()) return write_out(p, n);
    std::memcpy(buf_.data() + used_, p, n);
    used_ += n;
  }
  void flush();
  void write_out(const void* p, size_t n);

  std::string path_;
  int fd_ = -1;
  std::vector<char> buf_;
  size_t used_ = 0;
  uint64_t written_ = 0;
};

class RunReader {
 public:
  static constexpr size_t kBufferBytes = 64 << 10;
  explicit RunReader(std::string path);
  ~RunReader();
  RunReader(const RunReader&) = delete;
  RunReader& operator=(const RunReader&) = delete;

  /// True when every byte was read.
  bool at_end() {
    if (pos_ < len_) return false;
    fill();
    return len_ == 0;
  }
  uint8_t u8() {
    uint8_t v;
    get(&v, 1);
    return v;
  }
  uint64_t varint() {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      const uint8_t b = u8();
      v |= static_cast<uint64_t>(b & 0x7F) << shift;
      if (!(b & 0x80)) return v;
    }
    corrupt();
  }
  int64_t svarint() {
    const uint64_t z = varint();
    return static_cast<int64_t>(z >> 1) ^ -static_cast<int64_t>(z & 1);
  }
  double f64() {
    double v;
    get(&v, sizeof v);
    return v;
  }
  /// Reads a length-prefixed byte string into `out` (replacing its contents).
  void bytes(std::string& out) {
    const uint64_t n = varint();
    out.resize(n);
    get(out.data(), n);
  }
  const std::string& path() const { return path_; }

 private:
  void get(void* p, size_t n) {
    auto* d = static_cast<char*>(p);
    while (n > 0) {
      if (pos_ == len_ && (fill(), len_ == 0)) corrupt();
      const size_t k = std::min(n, len_ - pos_);
      std::memcpy(d, buf_.data() + pos_, k);
      d += k, pos_ += k, n -= k;
    }
  }
  void fill();
  [[noreturn]] void corrupt() const;

  std::string path_;
  int fd_ = -1;
  std::vector<char> buf_;
  size_t pos_ = 0, len_ = 0;
};

}  // namespace trestle_aggregate
