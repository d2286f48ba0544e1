#pragma once
// AtomicFile: output that appears at its path only once complete. Bytes go to
// "<path>.tmp-<pid>" in the same directory (created with its parents on first use)
// through a buffer; publish() fsyncs it and renames it over <path>; discard() (and the
// destructor, when not published) deletes it. write_file_atomically() does the same for
// contents that are complete at once. Shared by the io plugin's file sinks and the
// monitors plugin's profile files.
//
// Errors: ENOSPC/EDQUOT/EFBIG -> ResourceExhausted; permission, read-only or path
// problems -> InvalidArgument; anything else -> Unavailable. A failed call keeps every
// byte it could not write, so calling it again does not lose or repeat output.

#include <cstddef>
#include <string>

namespace trestle_support {

/// Checks without creating anything that `path` could be written: it is not a
/// directory and its nearest existing ancestor is a writable directory. When `context`
/// is not empty, error messages start with it and ": " (e.g. `option "path": ...`).
void check_writable(const std::string& path, const std::string& context = {});

/// Writes `contents` to `path` through an AtomicFile and publishes it: on failure there
/// is no new file at `path` and no temporary file.
void write_file_atomically(const std::string& path, const std::string& contents);

class AtomicFile {
 public:
  /// Buffered bytes past which flush_if_full() writes them out.
  static constexpr size_t kFlushBytes = size_t{1} << 20;

  explicit AtomicFile(std::string path);
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  const std::string& path() const { return path_; }
  const std::string& temp_path() const { return temp_path_; }

  /// check_writable(path()).
  void check_writable() const { trestle_support::check_writable(path_); }

  /// Creates the parent directories and the (empty) temporary file. Idempotent.
  void create();
  bool created() const { return fd_ >= 0 || published_; }
  bool published() const { return published_; }

  /// Where callers append output; written out by flush().
  std::string& buffer() { return buf_; }
  void flush_if_full() {
    if (buf_.size() >= kFlushBytes) flush();
  }
  /// Writes the buffer to the temporary file.
  void flush();
  /// flush() and fsync: what was written survives a crash (in the temporary file).
  void sync();
  /// sync(), then renames the temporary file over `path` and fsyncs the directory.
  /// Creates the file first when nothing was written. Idempotent.
  void publish();
  /// Closes and deletes the temporary file unless published; drops the buffer.
  void discard() noexcept;

 private:
  std::string path_;
  std::string temp_path_;
  std::string buf_;
  int fd_ = -1;
  bool published_ = false;
};

}  // namespace trestle_support
