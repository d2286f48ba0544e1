#pragma once
// CsvParallelParser: parses a regular CSV file in chunks (csv_chunk_splitter.h) on
// several threads and hands the chunks' rows back in file order.
//
// The thread that calls next_chunk() reads and cuts the chunks, parses one itself when
// no helper has taken it yet, and otherwise waits for it; `threads - 1` helper threads
// parse the chunks read ahead. At most `threads + 1` chunks are read ahead of the one
// handed back, so memory stays bounded by a few chunks whatever the file's size.
//
// Plain std::threads rather than TBB tasks: csv_source's next() runs on the engine's
// source thread, outside the run's task arena, so TBB work started there would go to
// another arena competing for the same workers with no bound on how many parse; helpers
// sleeping on a condition variable cost nothing while idle, and their number is exactly
// parse_threads - 1.

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "csv_chunk_parser.h"
#include "csv_chunk_splitter.h"
#include "csv_row_converter.h"
#include "file_reader.h"

namespace trestle_io {

class CsvParallelParser {
 public:
  /// Parses the file `file` reads from byte `start` (a record start) on. `file` and
  /// `converter` are borrowed and must outlive this object.
  CsvParallelParser(const FileReader& file, uint64_t start, size_t chunk_bytes, size_t max_chunk_bytes,
                    char delimiter, const CsvRowConverter& converter, int threads);
  /// Stops the helpers (after the chunk each is parsing) and joins them.
  ~CsvParallelParser();
  CsvParallelParser(const CsvParallelParser&) = delete;
  CsvParallelParser& operator=(const CsvParallelParser&) = delete;

  /// The next chunk's rows in file order, or nullptr when there are no more: the file
  /// ended, `stop()` was true when more had to be read (then what was read ahead is
  /// still handed out first), or the splitter found no cut (serial_from()). Throws a
  /// read error (calling again retries the read) or what parsing the chunk threw (again
  /// on every call: no chunk is ever skipped).
  std::unique_ptr<CsvChunkRows> next_chunk(const std::function<bool()>& stop);

  /// Where one reader has to go on after next_chunk() returned nullptr because the
  /// splitter found no cut; nullopt otherwise.
  std::optional<uint64_t> serial_from() const {
    if (split_end_ == CsvChunkSplitter::Next::kNoCut) return splitter_.offset();
    return std::nullopt;
  }

 private:
  struct Job {
    CsvChunk chunk;
    int64_t expected_rows = 0;
    enum class State { kQueued, kRunning, kDone } state = State::kQueued;
    std::unique_ptr<CsvChunkRows> rows;
    std::exception_ptr error;
  };
  void read_ahead(const std::function<bool()>& stop);
  void run(Job& job);
  void helper();

  CsvChunkSplitter splitter_;
  // Rows per byte of the chunks parsed so far, to reserve room for the next ones' rows
  // (growing a column by doubling costs copies and page faults). Under mu_.
  int64_t parsed_rows_ = 0;
  uint64_t parsed_bytes_ = 0;
  char delimiter_;
  const CsvRowConverter& converter_;
  size_t max_ahead_;
  // kChunk until the splitter returns kEnd or kNoCut.
  CsvChunkSplitter::Next split_end_ = CsvChunkSplitter::Next::kChunk;

  std::mutex mu_;
  std::condition_variable queued_;  // a job was queued, or stop_
  std::condition_variable done_;    // a job is done
  std::deque<std::shared_ptr<Job>> jobs_;  // in file order; the front is handed out next
  bool stop_ = false;
  std::vector<std::thread> helpers_;
};

}  // namespace trestle_io
