#pragma once
// The COPY text a sink has staged so far, kept in an unlinked temporary file so that a
// staging lost with its connection can be sent again from the start on a new one.
// The file has no name (O_TMPFILE, or unlinked right after creation): it disappears
// with the process, whatever ends it.

#include <cstdint>
#include <functional>
#include <string>

namespace trestle_pg {

class CopySpool {
 public:
  CopySpool() = default;
  ~CopySpool();
  CopySpool(const CopySpool&) = delete;
  CopySpool& operator=(const CopySpool&) = delete;

  /// Appends `data`; the file is created in $TMPDIR (or /tmp) on the first call.
  /// Throws ResourceExhausted naming the directory when it cannot be written (full disk).
  void append(const std::string& data);
  /// Calls `chunk` with the whole content in order, in pieces of at most 4 MiB.
  void replay(const std::function<void(const char*, size_t)>& chunk) const;
  /// Drops everything after the first `size` bytes (a batch whose sending failed).
  void truncate(uint64_t size);
  uint64_t size() const { return size_; }

 private:
  int fd_ = -1;
  uint64_t size_ = 0;
  std::string dir_;
};

}  // namespace trestle_pg
