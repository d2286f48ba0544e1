#pragma once
// AtomicFile: output that appears at its path only once complete. Bytes go to
// "<path>.tmp-<pid>" in the same directory (created with its parents on first use)
// through a buffer; prepare() fsyncs it, publish() renames it over <path> and fsyncs the
// directory; discard() (and the destructor, when not published) deletes it.
// write_file_atomically() does the same for contents that are complete at once. Shared
// by the io plugin's file sinks and the monitors plugin's profile files.
//
// Only regular files are replaced: a path that is a symbolic link, a FIFO, a device,
// a socket or a directory is refused (check_writable at open, and again just before
// the rename). WriteMode::kStream is the explicit way to write into such a path: the
// bytes go straight to the path itself, in place, so nothing is atomic and a failed
// run leaves what it wrote (a FIFO or /dev/stdout-like target, where that is wanted).
//
// Errors: ENOSPC/EDQUOT/EFBIG -> ResourceExhausted; permission, read-only or path
// problems -> InvalidArgument; anything else -> Unavailable. A failed call keeps every
// byte it could not write, so calling it again does not lose or repeat output.

#include <cstddef>
#include <string>

namespace trestle_support {

enum class WriteMode {
  kAtomic,  ///< temporary sibling, renamed over the path when published
  kStream,  ///< into the path itself, in place (FIFOs, devices, a file another reads)
};

/// "atomic" or "stream"; anything else is InvalidArgument naming `option`.
WriteMode parse_write_mode(const std::string& text, const std::string& option = "mode");

/// Checks without creating anything that `path` could be written in `mode`: atomic
/// needs it absent or a regular file (not a link, FIFO, device, socket or directory)
/// and its nearest existing ancestor a writable directory; stream needs it writable if
/// it exists (and not a directory), else as atomic. When `context` is not empty, error
/// messages start with it and ": " (e.g. `option "path": ...`).
void check_writable(const std::string& path, const std::string& context = {}, WriteMode mode = WriteMode::kAtomic);

/// Writes `contents` to `path` through an AtomicFile and publishes it: on failure there
/// is no new file at `path` and no temporary file.
void write_file_atomically(const std::string& path, const std::string& contents);

class AtomicFile {
 public:
  /// Buffered bytes past which flush_if_full() writes them out.
  static constexpr size_t kFlushBytes = size_t{1} << 20;

  explicit AtomicFile(std::string path, WriteMode mode = WriteMode::kAtomic);
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  const std::string& path() const { return path_; }
  /// Where bytes go until published: "<path>.tmp-<pid>", or the path in stream mode.
  const std::string& temp_path() const { return temp_path_; }
  WriteMode mode() const { return mode_; }

  /// check_writable(path(), context, mode()).
  void check_writable(const std::string& context = {}) const { trestle_support::check_writable(path_, context, mode_); }

  /// Creates the parent directories and the (empty) temporary file — in stream mode
  /// opens the path (a FIFO without a reader is Unavailable). Idempotent.
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
  /// The first phase of publishing: sync(), creating the file when nothing was written,
  /// and a check that the path can still be replaced. Afterwards publish() only renames.
  void prepare();
  /// prepare(), then renames the temporary file over `path` and fsyncs the directory
  /// (stream mode: closes the path). Idempotent.
  void publish();
  /// Closes and deletes the temporary file unless published; drops the buffer.
  void discard() noexcept;

 private:
  std::string path_;
  WriteMode mode_;
  std::string temp_path_;
  std::string buf_;
  int fd_ = -1;
  bool regular_ = true;  ///< fsync applies (not a FIFO or device in stream mode)
  bool published_ = false;
};

}  // namespace trestle_support
