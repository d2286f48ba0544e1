#pragma once
/// RecordFile: a file that only ever grows by whole records (JSON lines), and that
/// several processes may append to (a dead-letter path shared by runs). Each Append
/// writes its records at the end under an exclusive flock; a write that fails midway
/// (a full disk) is cut off again, so the file ends at a record boundary. A file that
/// already ends in a torn record (a crash of an older version, another writer's full
/// disk) has the fragment cut off, with a warning, before the first append — unless
/// the fragment is a whole JSON record that only lacks its newline: then the newline is
/// appended instead. Not
/// thread-safe: callers serialise (DeadLetterWriter holds a mutex).

#include <cstddef>
#include <string>

#include "common/status.h"

namespace trestle::core {

class RecordFile {
 public:
  explicit RecordFile(std::string path) : path_(std::move(path)) {}
  ~RecordFile();
  RecordFile(const RecordFile&) = delete;
  RecordFile& operator=(const RecordFile&) = delete;

  /// Appends `records`, which must end with '\n'. Creates the file (and its
  /// directory) on first use. On failure nothing of `records` stays in the file.
  Status Append(const std::string& records);
  /// fsync: what was appended survives a crash. Ok when nothing was ever appended.
  Status Sync();
  const std::string& path() const { return path_; }

 private:
  Status Open();
  /// Under the lock: cuts a torn last record. Returns the new end of the file.
  Status CutTornTail(off_t* end);

  std::string path_;
  int fd_ = -1;
};

}  // namespace trestle::core
