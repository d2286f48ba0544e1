#pragma once
/// DeadLetterWriter: appends rows that could not be processed to a JSON-lines file,
/// each with the original row (or raw record), node, code, reason, run id and time.
/// Thread-safe. The file is created on the first dead letter, so a clean run leaves
/// none. Each call's records reach the file whole or not at all (RecordFile: a full
/// disk fails the call with RESOURCE_EXHAUSTED naming the path, and leaves no torn
/// line); Sync() makes them durable, which the engine does before it publishes or acks.

#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "common/status.h"
#include "exec/record_file.h"
#include "trestle/batch.hpp"

namespace trestle::core {

class DeadLetterWriter {
 public:
  DeadLetterWriter(std::string path, std::string run_id);
  ~DeadLetterWriter();
  DeadLetterWriter(const DeadLetterWriter&) = delete;
  DeadLetterWriter& operator=(const DeadLetterWriter&) = delete;

  struct RowReason {
    int64_t row;
    Code code;
    std::string reason;
    std::string request_id = {};  ///< serving: the request the row came in (empty: none)
  };
  /// Writes the given rows of `batch` rejected by `node`.
  Status WriteRows(const std::string& node, const trestle::Batch& batch, const std::vector<RowReason>& rows);
  /// Writes every row of `batch` with one code and reason (a whole batch failed).
  Status WriteBatch(const std::string& node, const trestle::Batch& batch, Code code, const std::string& reason);
  /// A raw record a source could not parse, with where it was.
  Status WriteRecord(const std::string& node, const std::string& record, const std::string& location, Code code,
                     const std::string& reason);

  /// fsync of what was written; Ok when nothing was.
  Status Sync();

  const std::string& path() const { return file_.path(); }
  int64_t written() const;

 private:
  Status Append(const std::string& lines);

  std::string run_id_;
  mutable std::mutex mu_;
  RecordFile file_;
  int64_t written_ = 0;
};

}  // namespace trestle::core
