#pragma once
// The file sources' `shard_index` and `shard_count` options (`trestle run --shard I/N`
// passes them as ${SHARD_INDEX} and ${SHARD_COUNT}): shard I of N keeps the data
// records whose position in the file (0-based, counting every record after the header,
// malformed ones too, blank lines not) modulo N is I. Every shard reads the whole file
// and samples the same first rows to infer the schema, so the N shards agree on the
// columns and together keep each record exactly once. Header-only: the fuzz targets
// compile the sources without the plugin's library.

#include <cstdint>
#include <string>

#include <trestle/error.hpp>
#include <trestle/options.hpp>

namespace trestle_io {

/// The parameter docs, shared by csv_source and jsonl_source.
inline constexpr const char* kShardIndexDoc =
    "this process's shard, from 0 (usually \"${SHARD_INDEX}\" of `trestle run --shard I/N`): it keeps the data "
    "records whose position in the file (0-based, malformed records included, blank lines not) modulo "
    "shard_count is shard_index";
inline constexpr const char* kShardCountDoc =
    "the number of shards the file is split into (usually \"${SHARD_COUNT}\"); 1 keeps every record. Each shard "
    "still reads the whole file: split a big input into one file per shard instead (path: "
    "\"part-${SHARD_INDEX}.csv\")";

class RecordShard {
 public:
  RecordShard() = default;
  /// Reads shard_index and shard_count; throws trestle::InvalidArgument naming both
  /// when the index is not below the count.
  static RecordShard from_options(const trestle::Options& o) {
    RecordShard s;
    s.index_ = o.get_or<int64_t>("shard_index", 0);
    s.count_ = o.get_or<int64_t>("shard_count", 1);
    if (s.count_ < 1) throw trestle::InvalidArgument("option \"shard_count\" must be at least 1");
    if (s.index_ < 0 || s.index_ >= s.count_)
      throw trestle::InvalidArgument("option \"shard_index\" (" + std::to_string(s.index_) +
                                     ") must be from 0 to shard_count - 1 (shard_count is " +
                                     std::to_string(s.count_) + ")");
    return s;
  }

  /// Whether the next record belongs to this shard; moves on to the record after it.
  bool keep_next() {
    const int64_t at = next_++;
    return count_ == 1 || at % count_ == index_;
  }
  /// Starts again at the first record (the source's open()).
  void rewind() { next_ = 0; }
  /// Whether every record is kept (shard_count 1).
  bool keeps_all() const { return count_ == 1; }

 private:
  int64_t index_ = 0, count_ = 1;
  int64_t next_ = 0;
};

}  // namespace trestle_io
