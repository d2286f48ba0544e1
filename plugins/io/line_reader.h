#pragma once
// LineReader: streams the lines of a file (LF or CRLF ends, a final line without one,
// a UTF-8 BOM skipped) through FileReader with bounded memory.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "file_reader.h"

namespace trestle_io {

struct Line {
  std::string_view text;  ///< without its line end
  int64_t number = 0;     ///< 1-based
  bool too_long = false;  ///< over kMaxLineBytes: `text` is only its first 64 KiB
};

class LineReader {
 public:
  /// A longer line is returned cut (too_long) and the rest of it skipped, so memory
  /// stays bounded. (A fuzzing build may define TRESTLE_IO_MAX_RECORD_BYTES smaller.)
#ifdef TRESTLE_IO_MAX_RECORD_BYTES
  static constexpr size_t kMaxLineBytes = TRESTLE_IO_MAX_RECORD_BYTES;
#else
  static constexpr size_t kMaxLineBytes = size_t{32} << 20;
#endif

  void open(const std::string& path);
  void close() { file_.close(); }
  /// FileReader::set_interrupt.
  void set_interrupt(const std::function<bool()>* stop) { file_.set_interrupt(stop); }
  /// The next line, or false at end of input. The view stays valid until the next call
  /// of next(), reset_to_mark() or open(). While marked, a line over kMaxLineBytes
  /// ends input instead (and stopped_at_limit() is true).
  bool next(Line* line);
  bool stopped_at_limit() const { return stopped_at_limit_; }
  /// Number of the next line (or of the line where reading stopped).
  int64_t line() const { return line_; }

  uint64_t offset() const { return file_.offset(); }
  uint64_t file_size() const { return file_.file_size(); }

  void set_mark();
  void reset_to_mark();
  size_t bytes_since_mark() const { return file_.bytes_since_mark(); }

 private:
  FileReader file_;
  std::string held_;
  int64_t line_ = 1;
  int64_t mark_line_ = 1;
  bool marked_ = false;
  bool stopped_at_limit_ = false;
};

}  // namespace trestle_io
