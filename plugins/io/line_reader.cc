#include "line_reader.h"

#include <algorithm>
#include <cstring>

namespace trestle_io {

void LineReader::open(const std::string& path) {
  file_.open(path);
  line_ = 1;
  marked_ = false;
  stopped_at_limit_ = false;
  file_.skip_utf8_bom();
}

void LineReader::set_mark() {
  file_.set_mark();
  mark_line_ = line_;
  marked_ = true;
  stopped_at_limit_ = false;
}

void LineReader::reset_to_mark() {
  if (!marked_) return;
  file_.reset_to_mark();
  line_ = mark_line_;
  marked_ = false;
}

bool LineReader::next(Line* line) {
  size_t searched = 0;  // bytes known to hold no line end
  for (;;) {
    const char* b = file_.begin();
    const bool clipped = file_.available() > kMaxLineBytes;  // the limit does not depend on reads
    const size_t n = clipped ? kMaxLineBytes : file_.available();
    const void* nl = std::memchr(b + searched, '\n', n - searched);
    if (nl != nullptr || (file_.at_eof() && !clipped && n > 0)) {
      size_t end = nl ? static_cast<size_t>(static_cast<const char*>(nl) - b) : n;
      size_t len = end;
      if (len > 0 && b[len - 1] == '\r') --len;
      line->text = std::string_view(b, len);
      line->number = line_++;
      line->too_long = false;
      file_.consume(nl ? end + 1 : end);
      return true;
    }
    if (file_.at_eof() && !clipped) return false;
    if (n >= kMaxLineBytes || (marked_ && file_.bytes_since_mark() >= kMaxLineBytes)) {
      if (marked_) {  // ends a sample; read again after reset_to_mark()
        stopped_at_limit_ = true;
        return false;
      }
      held_.assign(b, std::min<size_t>(n, 64 * 1024));
      held_ += "...";
      line->text = held_;
      line->number = line_++;
      line->too_long = true;
      for (;;) {  // skip the rest of the line
        const char* p = file_.begin();
        const size_t m = file_.available();
        if (const void* q = std::memchr(p, '\n', m)) {
          file_.consume(static_cast<size_t>(static_cast<const char*>(q) - p) + 1);
          break;
        }
        file_.consume(m);
        if (!file_.read_more()) break;
      }
      return true;
    }
    searched = n;
    if (!file_.read_more() && !file_.at_eof()) return false;  // closed: nothing more comes
  }
}

}  // namespace trestle_io
