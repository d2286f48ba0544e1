#pragma once
// CsvChunkSplitter: cuts a regular CSV file, from a record start on, into chunks that
// parallel parsers can each read from their first byte.
//
// A cut must be a record boundary, and a quoted field may hold line breaks, so the
// splitter uses the two-pass technique: it counts the quote characters from the first
// chunk's start, and cuts after the first LF at or past chunk_bytes that follows an even
// number of them. In an RFC 4180 file quotes come only in quoted fields, each holding an
// even number (open, doubled, close), so there an even count means "outside any quoted
// field" and the LF ends a record. This was chosen over cutting only where a region has no
// quote at all because files written by csv_sink quote every text with a delimiter in
// it: those would never be split.
//
// Files that are not RFC 4180 can mislead the count: the reader keeps a quote inside an
// unquoted field (ab"c) as a character, so from there the parity is wrong. A chunk's
// parser therefore reports whether its last record ended exactly at the cut; when it
// did not, the cut was not a record boundary and the caller reads the rest of the file
// with one reader, from where that record starts (csv_source does). Chunks are read
// with pread (FileReader::read_at), so the splitter holds only the chunk it is making.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "file_reader.h"

namespace trestle_io {

struct CsvChunk {
  std::unique_ptr<char[]> bytes;
  size_t capacity = 0;  ///< of `bytes`, for CsvChunkSplitter::recycle
  size_t size = 0;
  uint64_t offset = 0;  ///< in the file
  bool last = false;    ///< ends at the end of the file
};

class CsvChunkSplitter {
 public:
  enum class Next {
    kChunk,  ///< a chunk
    kEnd,    ///< the file has ended
    kNoCut,  ///< no LF after an even number of quotes within max_chunk_bytes of offset()
  };

  /// Cuts the file `file` reads (borrowed; a regular file) from byte `start`, where a
  /// record starts. Chunks hold at least `chunk_bytes` (but the last) and at most
  /// `max_chunk_bytes`.
  CsvChunkSplitter(const FileReader& file, uint64_t start, size_t chunk_bytes, size_t max_chunk_bytes);

  /// The next chunk into `out`. After kNoCut or kEnd it returns the same again. Throws
  /// Unavailable on a read error; calling again then reads the same bytes again.
  Next next(CsvChunk* out);
  /// Where the next chunk starts.
  uint64_t offset() const { return offset_; }
  /// Takes back a chunk's buffer once parsed, to make a later chunk in: fresh memory for
  /// every chunk would cost a page fault per page on top of the read.
  void recycle(CsvChunk&& chunk);

  /// What is read past chunk_bytes at once, to find the cut without a second read;
  /// max_chunk_bytes is raised to at least chunk_bytes plus this.
  static size_t lookahead_bytes(size_t chunk_bytes) { return std::max<size_t>(chunk_bytes / 64, 64); }

 private:
  const FileReader& file_;
  size_t chunk_bytes_;
  size_t max_chunk_bytes_;
  size_t lookahead_;        // read past chunk_bytes at once, to find the cut in one read
  uint64_t offset_;         // file offset of the next chunk's first byte
  std::string carry_;       // bytes after the last cut, already read
  bool eof_ = false;        // carry_ reaches the end of the file
  bool stuck_ = false;      // kNoCut was returned
  std::vector<CsvChunk> spares_;  // buffers to reuse (bytes and capacity only)
};

}  // namespace trestle_io
