#include "csv_reader.h"

#include <algorithm>
#include <cstring>

namespace trestle_io {
namespace {

// Line ends in [p, p + n): LF, CRLF and a lone CR each count once. A CR as the last byte
// counts: callers pass ranges whose next byte is known not to be an LF.
int64_t count_line_ends(const char* p, size_t n) {
  int64_t lines = std::count(p, p + n, '\n');
  const char* end = p + n;
  for (const char* q = p; (q = static_cast<const char*>(std::memchr(q, '\r', static_cast<size_t>(end - q)))); ++q)
    if (q + 1 == end || q[1] != '\n') ++lines;
  return lines;
}

// Index of the first CR or LF in [p, p + n), or n.
size_t find_line_end(const char* p, size_t n) {
  const void* lf = std::memchr(p, '\n', n);
  size_t end = lf ? static_cast<size_t>(static_cast<const char*>(lf) - p) : n;
  const void* cr = std::memchr(p, '\r', end);
  return cr ? static_cast<size_t>(static_cast<const char*>(cr) - p) : end;
}

}  // namespace

CsvReader::CsvReader(char delimiter)
    : delim_(delimiter),
      too_long_error_("record exceeds the " + byte_size_text(kMaxRecordBytes) + " limit"),
      unclosed_quote_error_(too_long_error_ + " (a quoted field does not close within it)"),
      too_many_fields_error_("record has more than " + std::to_string(kMaxFields) + " fields") {
  ends_field_[static_cast<unsigned char>(delimiter)] = true;
  ends_field_[static_cast<unsigned char>('\n')] = true;
  ends_field_[static_cast<unsigned char>('\r')] = true;
}

void CsvReader::open(const std::string& path) {
  file_.open(path);
  line_ = 1;
  blank_lines_ = 0;
  marked_ = false;
  stopped_at_limit_ = false;
  lf_may_follow_ = false;
  file_.skip_utf8_bom();
}

void CsvReader::open_buffer(std::unique_ptr<char[]> data, size_t size, bool eof) {
  file_.open_buffer(std::move(data), size, eof);
  line_ = 1;
  blank_lines_ = 0;
  marked_ = false;
  stopped_at_limit_ = false;
  lf_may_follow_ = false;
}

void CsvReader::restart_at(uint64_t offset, int64_t line) {
  file_.seek(offset);
  line_ = line;
  blank_lines_ = 0;
  marked_ = false;
  stopped_at_limit_ = false;
  lf_may_follow_ = false;
}

void CsvReader::set_mark() {
  file_.set_mark();
  mark_line_ = line_;
  mark_blank_lines_ = blank_lines_;
  mark_lf_may_follow_ = lf_may_follow_;
  marked_ = true;
  stopped_at_limit_ = false;
}

void CsvReader::reset_to_mark() {
  if (!marked_) return;
  file_.reset_to_mark();
  line_ = mark_line_;
  blank_lines_ = mark_blank_lines_;
  lf_may_follow_ = mark_lf_may_follow_;
  marked_ = false;
}

// Tokenizes one record starting at file_.begin(). Needs the whole record in the buffer
// (kNeedMore otherwise, and the caller reads more and scans again from the start:
// records cross a chunk boundary rarely, so the re-scan costs little).
CsvReader::Scan CsvReader::scan() {
  const char* b = file_.begin();
  // A record must end within kMaxRecordBytes, however much is buffered: the limit
  // does not depend on how reads fell.
  const bool clipped = file_.available() > kMaxRecordBytes;
  const size_t n = clipped ? kMaxRecordBytes : file_.available();
  const bool eof = file_.at_eof() && !clipped;
  const char d = delim_;
  spans_.clear();
  scratch_.clear();
  error_ = nullptr;
  open_quote_at_limit_ = false;
  int64_t nl = 0;
  size_t i = 0;
  for (;;) {
    Span sp;
    if (i < n && b[i] == '"') {
      sp.quoted = true;
      ++i;
      const size_t seg = i;
      bool escaped = false;
      const size_t scratch_start = scratch_.size();
      for (;;) {
        const void* q = std::memchr(b + i, '"', n - i);
        if (q == nullptr) {
          open_quote_at_limit_ = true;
          return eof ? Scan::kUnterminated : Scan::kNeedMore;
        }
        const size_t qi = static_cast<size_t>(static_cast<const char*>(q) - b);
        nl += count_line_ends(b + i, qi - i);  // b[qi] is a quote, not an LF
        if (qi + 1 >= n && !eof) {  // "" or " then end of field?
          open_quote_at_limit_ = true;
          return Scan::kNeedMore;
        }
        if (qi + 1 < n && b[qi + 1] == '"') {
          if (!escaped) scratch_.append(b + seg, qi + 1 - seg);
          else scratch_.append(b + i, qi + 1 - i);
          escaped = true;
          i = qi + 2;
          continue;
        }
        if (escaped) {
          scratch_.append(b + i, qi - i);
          sp.in_scratch = true;
          sp.off = static_cast<uint32_t>(scratch_start);
          sp.len = static_cast<uint32_t>(scratch_.size() - scratch_start);
        } else {
          sp.off = static_cast<uint32_t>(seg);
          sp.len = static_cast<uint32_t>(qi - seg);
        }
        i = qi + 1;
        break;
      }
      if (i < n && b[i] != d && b[i] != '\n' && b[i] != '\r') {
        error_ = "a quoted field continues after its closing quote";
        while (i < n && b[i] != d && b[i] != '\n' && b[i] != '\r') ++i;
      }
    } else {
      const size_t s = i;
      while (i < n && !ends_field_[static_cast<unsigned char>(b[i])]) ++i;
      sp.off = static_cast<uint32_t>(s);
      sp.len = static_cast<uint32_t>(i - s);
    }
    if (i == n && !eof) return Scan::kNeedMore;
    if (spans_.size() < kMaxFields) spans_.push_back(sp);
    else error_ = too_many_fields_error_.c_str();
    if (i == n) {  // the last record has no line end
      raw_len_ = consumed_ = n;
      break;
    }
    const char c = b[i];
    if (c == d) {
      ++i;
      continue;
    }
    raw_len_ = i;
    if (c == '\r') {
      if (i + 1 < n && b[i + 1] == '\n') i += 2;
      else if (i + 1 == n && !eof) return Scan::kNeedMore;
      else i += 1;
    } else {
      ++i;
    }
    ++nl;
    consumed_ = i;
    break;
  }
  newlines_ = nl;
  if (raw_len_ == 0 && spans_.size() == 1 && !spans_[0].quoted) return Scan::kBlank;
  return Scan::kRecord;
}

void CsvReader::reject_first_line(CsvRecord* rec, const char* why) {
  rec->fields.clear();
  rec->quoted.clear();
  rec->line = line_;
  rec->error = why;
  const char* b = file_.begin();
  const size_t n = file_.available();
  const size_t window = std::min(n, kMaxRecordBytes);
  const size_t end = find_line_end(b, window);
  if (end < window || (file_.at_eof() && n == window)) {
    rec->raw = std::string_view(b, end);
    size_t next = end;
    if (end < window) {
      next = end + 1;
      if (b[end] == '\r') {
        if (end + 1 < n) next += b[end + 1] == '\n' ? 1 : 0;
        else lf_may_follow_ = true;
      }
    }
    file_.consume(next);
    ++line_;
    return;
  }
  // One physical line over the limit: keep its start for the dead letter and skip
  // the rest chunk by chunk.
  held_raw_.assign(b, std::min<size_t>(window, 64 * 1024));
  held_raw_ += "...";
  rec->raw = held_raw_;
  skip_past_line_end();
  ++line_;
}

void CsvReader::skip_past_line_end() {
  for (;;) {
    const char* p = file_.begin();
    const size_t m = file_.available();
    const size_t end = find_line_end(p, m);
    if (end < m) {
      size_t next = end + 1;
      if (p[end] == '\r') {
        if (end + 1 < m) next += p[end + 1] == '\n' ? 1 : 0;
        else lf_may_follow_ = true;
      }
      file_.consume(next);
      return;
    }
    file_.consume(m);
    if (!file_.read_more()) return;
  }
}

void CsvReader::drop_lf_after_cr() {
  lf_may_follow_ = false;
  if (file_.available() == 0) file_.read_more();
  if (file_.available() > 0 && *file_.begin() == '\n') file_.consume(1);
}

bool CsvReader::next(CsvRecord* rec) {
  if (lf_may_follow_) drop_lf_after_cr();
  for (;;) {
    if (file_.available() == 0 && !file_.read_more()) return false;
    Scan r = scan();
    if (r == Scan::kNeedMore) {
      if (file_.available() >= kMaxRecordBytes || (marked_ && file_.bytes_since_mark() >= kMaxRecordBytes)) {
        if (marked_) {  // ends a sample; read again after reset_to_mark()
          stopped_at_limit_ = true;
          return false;
        }
        reject_first_line(rec, too_long_error());
        return true;
      }
      // Nothing more although the input has not ended: the interrupt stopped reading, or
      // the buffer given to open_buffer() ends inside this record. Asking again would
      // find the same partial record forever.
      if (!file_.read_more() && !file_.at_eof()) return false;
      continue;
    }
    if (r == Scan::kUnterminated) {
      reject_first_line(rec, "unterminated quoted field");
      return true;
    }
    if (r == Scan::kBlank) {
      file_.consume(consumed_);
      line_ += newlines_;
      ++blank_lines_;
      continue;
    }
    const char* b = file_.begin();
    rec->fields.resize(spans_.size());
    rec->quoted.resize(spans_.size());
    for (size_t k = 0; k < spans_.size(); ++k) {
      const Span& s = spans_[k];
      rec->fields[k] = std::string_view((s.in_scratch ? scratch_.data() : b) + s.off, s.len);
      rec->quoted[k] = s.quoted ? 1 : 0;
    }
    rec->raw = std::string_view(b, raw_len_);
    rec->line = line_;
    rec->error = error_;
    file_.consume(consumed_);
    line_ += newlines_;
    return true;
  }
}

}  // namespace trestle_io
