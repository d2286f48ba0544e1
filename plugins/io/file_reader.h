#pragma once
// FileReader: reads a file in large chunks into one reusable buffer, so that a parser
// can look at the unconsumed bytes without copying them and memory stays bounded by
// the chunk size plus the longest record (plus a sample, while a mark is set).

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace trestle_io {

/// "32 MiB" for a whole number of MiB, else "1000 bytes": limits in messages.
std::string byte_size_text(size_t bytes);

class FileReader {
 public:
  /// The buffer's initial size; every read fills at least half the buffer. (A fuzzing
  /// build may define TRESTLE_IO_CHUNK_BYTES small, so that small inputs cross many
  /// read boundaries.)
#ifdef TRESTLE_IO_CHUNK_BYTES
  static constexpr size_t kChunkBytes = TRESTLE_IO_CHUNK_BYTES;
#else
  static constexpr size_t kChunkBytes = size_t{1} << 20;
#endif

  FileReader() = default;
  ~FileReader();
  FileReader(const FileReader&) = delete;
  FileReader& operator=(const FileReader&) = delete;

  /// Opens `path` for reading. Throws InvalidArgument naming the path when it does not
  /// exist, is a directory or may not be read; Unavailable for other failures.
  void open(const std::string& path);
  bool is_open() const { return fd_ >= 0; }
  const std::string& path() const { return path_; }

  /// The buffered bytes not consumed yet: [begin(), end()). Invalidated by
  /// read_more() and reset_to_mark().
  const char* begin() const { return buf_.get() + pos_; }
  const char* end() const { return buf_.get() + len_; }
  size_t available() const { return len_ - pos_; }
  void consume(size_t n) { pos_ += n; }

  /// Appends at least one more byte after end(), keeping every unconsumed byte (and
  /// every byte since the mark). Returns false at end of file, or once the interrupt
  /// (below) says stop (at_eof() then stays false). Throws Unavailable on a read error,
  /// leaving the reader as it was.
  bool read_more();
  bool at_eof() const { return eof_; }

  /// While set, read_more() reads nothing more once `(*stop)()` is true; a pipe or FIFO
  /// is waited on in slices of 100 ms so that a writer that never writes cannot hold a
  /// drain up. Borrowed: clear it (nullptr) before `*stop` goes.
  void set_interrupt(const std::function<bool()>* stop) { stop_ = stop; }

  /// File offset of begin(), i.e. bytes consumed so far.
  uint64_t offset() const { return base_offset_ + pos_; }
  /// Size of a regular file; 0 when unknown (a pipe).
  uint64_t file_size() const { return file_size_; }

  /// While a mark is set nothing after it is discarded, so reset_to_mark() can go back
  /// to it (used to sample rows at open and then read them again without re-reading).
  void set_mark() { mark_ = pos_; }
  void reset_to_mark();
  void clear_mark() { mark_.reset(); }
  size_t bytes_since_mark() const { return mark_ ? len_ - *mark_ : 0; }

  void close();

  /// Reads from `data`, `size` bytes, instead of a file (parallel parsing hands each
  /// chunk of a file to a reader of its own). There is no more than that: with `eof`
  /// false a record that runs past the end is incomplete, not the file's last.
  void open_buffer(std::unique_ptr<char[]> data, size_t size, bool eof);
  /// Gives the buffer back (open_buffer's, for reuse); the reader then holds nothing.
  std::unique_ptr<char[]> release_buffer() {
    cap_ = pos_ = len_ = 0;
    mark_.reset();
    return std::move(buf_);
  }

  /// Drops what is buffered and goes on reading at `offset` of a regular file (with a
  /// buffer of kChunkBytes again). Throws Unavailable when the file cannot seek.
  void seek(uint64_t offset);

  /// Reads up to `n` bytes at `offset` of the open file into `out`, without moving this
  /// reader's position: fewer only at the end of the file. Throws Unavailable on a read
  /// error. For a regular file only (a pipe cannot be read at an offset).
  size_t read_at(uint64_t offset, char* out, size_t n) const;

  /// Reads the first chunk and consumes a UTF-8 byte-order mark if the file starts with
  /// one. Call right after open().
  void skip_utf8_bom();

 private:
  int fd_ = -1;
  std::string path_;
  std::unique_ptr<char[]> buf_;
  size_t cap_ = 0;
  size_t pos_ = 0;
  size_t len_ = 0;
  uint64_t base_offset_ = 0;  // file offset of buf_[0]
  uint64_t file_size_ = 0;
  bool eof_ = false;
  bool regular_ = true;  // a regular file: reads never wait for a writer
  const std::function<bool()>* stop_ = nullptr;
  std::optional<size_t> mark_;
};

/// Sets a reader's interrupt (FileReader::set_interrupt) for a scope: one next() call
/// of a source, with `stop` looking at its context's cancelled().
template <typename Reader>
class InterruptScope {
 public:
  InterruptScope(Reader& reader, const std::function<bool()>* stop) : reader_(reader) { reader_.set_interrupt(stop); }
  ~InterruptScope() { reader_.set_interrupt(nullptr); }
  InterruptScope(const InterruptScope&) = delete;
  InterruptScope& operator=(const InterruptScope&) = delete;

 private:
  Reader& reader_;
};

}  // namespace trestle_io
