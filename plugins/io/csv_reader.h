#pragma once
// CsvReader: an RFC 4180 tokenizer that streams a file through FileReader.
//
// Quoted fields may hold delimiters, doubled quotes and line breaks; records end with
// LF, CRLF or a lone CR (each one line); a leading UTF-8 BOM is skipped; the last
// record may lack a line end. Lenient where no data is lost: a quote inside an unquoted
// field is kept as a character. Blank lines are skipped and counted. Memory is bounded
// by the longest record, and a record may not exceed kMaxRecordBytes.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "file_reader.h"

namespace trestle_io {

struct CsvRecord {
  std::vector<std::string_view> fields;  ///< unescaped values
  std::vector<uint8_t> quoted;           ///< 1 where the field was quoted
  std::string_view raw;                  ///< the record's text without its line end
  int64_t line = 0;                      ///< physical 1-based line of its first line
  /// A structural problem, or nullptr. For an unterminated quoted field (or a record
  /// over kMaxRecordBytes) there are no fields, `raw` is the record's first physical
  /// line (its first 64 KiB if longer) and reading goes on at the line after it. Valid
  /// as long as the reader.
  const char* error = nullptr;
};

class CsvReader {
 public:
  /// A record that is not complete after this many bytes is rejected (its first line)
  /// and reading resumes at its second line, so one stray quote cannot make the
  /// reader buffer the rest of the file.
  /// (A fuzzing build may define TRESTLE_IO_MAX_RECORD_BYTES smaller, so that small
  /// inputs reach this limit.)
#ifdef TRESTLE_IO_MAX_RECORD_BYTES
  static constexpr size_t kMaxRecordBytes = TRESTLE_IO_MAX_RECORD_BYTES;
#else
  static constexpr size_t kMaxRecordBytes = size_t{32} << 20;
#endif

  /// A record with more fields is an error, and its further fields are not kept: one
  /// line of delimiters must not take 16 times its size in memory. (A fuzzing build may
  /// define TRESTLE_IO_MAX_COLUMNS smaller.)
#ifdef TRESTLE_IO_MAX_COLUMNS
  static constexpr size_t kMaxFields = TRESTLE_IO_MAX_COLUMNS;
#else
  static constexpr size_t kMaxFields = 100000;
#endif

  explicit CsvReader(char delimiter);

  /// Opens `path` (see FileReader::open for the errors) and skips a UTF-8 BOM.
  void open(const std::string& path);

  /// Reads records from `data` (`size` bytes, no BOM skipped) instead of a file; line
  /// numbers start at 1 again. With `eof` false the bytes are not the end of the input:
  /// next() returns false at a record that runs past them, and offset() and line() are
  /// then where that record starts.
  void open_buffer(std::unique_ptr<char[]> data, size_t size, bool eof);
  /// FileReader::release_buffer.
  std::unique_ptr<char[]> release_buffer() { return file_.release_buffer(); }
  /// Goes on at byte `offset` of the (regular) file, where a record starts on physical
  /// line `line`; counts blank lines from 0 again. FileReader::seek throws.
  void restart_at(uint64_t offset, int64_t line);
  /// The open file, e.g. to read ahead of the records at an offset (FileReader::read_at).
  const FileReader& file() const { return file_; }

  void close() { file_.close(); }
  /// FileReader::set_interrupt.
  void set_interrupt(const std::function<bool()>* stop) { file_.set_interrupt(stop); }

  /// The next record, or false at end of input (also when the interrupt stopped reading,
  /// and at a record past the end of a buffer that is not the input's end). The views in
  /// `rec` stay valid until the next call of next(), reset_to_mark() or open().
  bool next(CsvRecord* rec);

  /// Bytes of the file consumed so far, and its size (0 when unknown).
  uint64_t offset() const { return file_.offset(); }
  uint64_t file_size() const { return file_.file_size(); }
  /// Blank lines skipped so far.
  int64_t blank_lines() const { return blank_lines_; }

  /// Remembers the position; records read after it are kept buffered so that
  /// reset_to_mark() can go back without reading the file again. While marked, a
  /// record longer than kMaxRecordBytes ends input (next() returns false, and
  /// stopped_at_limit() is true) instead.
  void set_mark();
  void reset_to_mark();
  size_t bytes_since_mark() const { return file_.bytes_since_mark(); }
  bool stopped_at_limit() const { return stopped_at_limit_; }
  /// Physical line where the next record starts (or where reading stopped).
  int64_t line() const { return line_; }

  /// The error of a record over kMaxRecordBytes: "record exceeds the 32 MiB limit",
  /// and why when a quoted field is still open at the limit.
  const char* too_long_error() const {
    return open_quote_at_limit_ ? unclosed_quote_error_.c_str() : too_long_error_.c_str();
  }

 private:
  enum class Scan { kRecord, kBlank, kNeedMore, kUnterminated };
  struct Span {
    uint32_t off = 0;
    uint32_t len = 0;
    bool in_scratch = false;
    bool quoted = false;
  };
  Scan scan();
  void reject_first_line(CsvRecord* rec, const char* why);
  void skip_past_line_end();
  void drop_lf_after_cr();

  char delim_;
  bool ends_field_[256] = {};  // the delimiter, CR and LF: where an unquoted field ends
  FileReader file_;
  int64_t line_ = 1;          // physical line of file_.begin()
  int64_t blank_lines_ = 0;
  int64_t mark_line_ = 1;
  int64_t mark_blank_lines_ = 0;
  bool marked_ = false;
  bool stopped_at_limit_ = false;
  // A skipped line ended with a CR as the last buffered byte: an LF after it is part
  // of that line end.
  bool lf_may_follow_ = false;
  bool mark_lf_may_follow_ = false;
  bool open_quote_at_limit_ = false;  // a quoted field was open where scan() stopped
  std::string too_long_error_;
  std::string unclosed_quote_error_;
  std::string too_many_fields_error_;

  // Result of the last scan().
  std::vector<Span> spans_;
  std::string scratch_;       // unescaped quoted fields that held doubled quotes
  std::string held_raw_;      // raw text of an over-long line that left the buffer
  size_t raw_len_ = 0;
  size_t consumed_ = 0;
  int64_t newlines_ = 0;
  const char* error_ = nullptr;
};

}  // namespace trestle_io
