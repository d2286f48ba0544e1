#include "csv_chunk_splitter.h"

#include <algorithm>
#include <cstring>

namespace trestle_io {

CsvChunkSplitter::CsvChunkSplitter(const FileReader& file, uint64_t start, size_t chunk_bytes, size_t max_chunk_bytes)
    : file_(file),
      chunk_bytes_(std::max<size_t>(chunk_bytes, 1)),
      max_chunk_bytes_(max_chunk_bytes),
      lookahead_(lookahead_bytes(chunk_bytes_)),
      offset_(start) {
  max_chunk_bytes_ = std::max(max_chunk_bytes_, chunk_bytes_ + lookahead_);
}

namespace {

// Whether [p, p + n) holds an odd number of quotes. memchr, not a byte loop: quotes are
// usually far apart, and this runs over every byte of the file.
bool odd_quotes(const char* p, size_t n) {
  bool odd = false;
  const char* end = p + n;
  while (p < end) {
    const void* q = std::memchr(p, '"', static_cast<size_t>(end - p));
    if (q == nullptr) break;
    odd = !odd;
    p = static_cast<const char*>(q) + 1;
  }
  return odd;
}

}  // namespace

void CsvChunkSplitter::recycle(CsvChunk&& chunk) {
  constexpr size_t kMaxSpares = 4;
  if (!chunk.bytes || spares_.size() >= kMaxSpares) return;
  CsvChunk spare;
  spare.bytes = std::move(chunk.bytes);
  spare.capacity = chunk.capacity;
  spares_.push_back(std::move(spare));
}

CsvChunkSplitter::Next CsvChunkSplitter::next(CsvChunk* out) {
  if (stuck_) return Next::kNoCut;
  if (eof_ && carry_.empty()) return Next::kEnd;
  // Nothing below changes the splitter until the chunk is made, so that a read error
  // leaves it as it was.
  size_t target = std::max(chunk_bytes_ + lookahead_, carry_.size());  // bytes to have read
  size_t cap = target;
  std::unique_ptr<char[]> buf;
  for (size_t k = 0; k < spares_.size(); ++k) {
    if (spares_[k].capacity >= target) {
      cap = spares_[k].capacity;
      buf = std::move(spares_[k].bytes);
      spares_.erase(spares_.begin() + static_cast<std::ptrdiff_t>(k));
      break;
    }
  }
  if (!buf) buf.reset(new char[cap]);
  std::memcpy(buf.get(), carry_.data(), carry_.size());
  size_t len = carry_.size();
  uint64_t read_at = offset_ + len;
  bool eof = eof_;
  const auto fill = [&] {
    while (!eof && len < target) {
      const size_t want = target - len;
      const size_t got = file_.read_at(read_at, buf.get() + len, want);
      len += got;
      read_at += got;
      if (got < want) eof = true;
    }
  };
  fill();

  const size_t from = std::min(chunk_bytes_, len);
  bool odd = odd_quotes(buf.get(), from);
  size_t i = from;
  size_t cut = 0;
  for (;;) {
    const char* b = buf.get();
    while (i < len) {
      if (odd) {  // inside a quoted field: only its closing quote matters
        const void* q = std::memchr(b + i, '"', len - i);
        if (q == nullptr) {
          i = len;
          break;
        }
        odd = false;
        i = static_cast<size_t>(static_cast<const char*>(q) - b) + 1;
        continue;
      }
      const void* lf = std::memchr(b + i, '\n', len - i);
      const size_t line_end = lf ? static_cast<size_t>(static_cast<const char*>(lf) - b) : len;
      const void* q = std::memchr(b + i, '"', line_end - i);
      if (q != nullptr) {
        odd = true;
        i = static_cast<size_t>(static_cast<const char*>(q) - b) + 1;
        continue;
      }
      if (lf != nullptr) {
        cut = line_end + 1;
        break;
      }
      i = len;
    }
    if (cut > 0 || eof) break;
    if (len >= max_chunk_bytes_) {
      stuck_ = true;
      return Next::kNoCut;
    }
    // No cut yet: read more, into a bigger buffer (a long record, or many quoted lines).
    target = std::min(max_chunk_bytes_, target * 2);
    if (target > cap) {
      std::unique_ptr<char[]> nbuf(new char[target]);
      std::memcpy(nbuf.get(), buf.get(), len);
      buf = std::move(nbuf);
      cap = target;
    }
    fill();
  }
  if (cut == 0) cut = len;  // the end of the file comes first: the rest is the last chunk
  if (cut == 0) {
    eof_ = true;
    carry_.clear();
    return Next::kEnd;
  }
  std::string carry(buf.get() + cut, len - cut);
  out->bytes = std::move(buf);
  out->capacity = cap;
  out->size = cut;
  out->offset = offset_;
  out->last = eof && cut == len;
  carry_ = std::move(carry);
  offset_ += cut;
  eof_ = eof;
  return Next::kChunk;
}

}  // namespace trestle_io
