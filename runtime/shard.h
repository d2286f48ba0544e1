#pragma once
/// The share of a batch job's input one process takes (`trestle run --shard I/N`, or
/// TRESTLE_SHARD=I/N in the environment): parsing, the pipeline-file variables it
/// defines, the suffix of its lock, and the check that a sharded run's sources really
/// read a share. docs/scheduling.md, "Sharded batch runs", is the user's side of it.

#include <map>
#include <string>

#include "common/status.h"

namespace trestle::cli {

/// Shard `index` of `count`, 0 <= index < count. The default, 0 of 1, is a run that
/// reads all of its input (an unsharded run).
struct Shard {
  int index = 0;
  int count = 1;
  /// More than one shard: this run reads only a part of the input.
  bool sharded() const { return count > 1; }
  /// "1/3".
  std::string Text() const;
};

/// The largest shard count accepted (a Kubernetes Indexed Job allows 100000 pods).
inline constexpr int kMaxShards = 100000;

/// Parses "I/N" (decimal digits, 0 <= I < N <= kMaxShards). INVALID_ARGUMENT naming
/// `what` (e.g. "--shard") and the value otherwise.
core::Result<Shard> ParseShard(const std::string& text, const std::string& what);

/// The variables a shard defines for ${...} in the pipeline file: SHARD_INDEX and
/// SHARD_COUNT ("0" and "1" for an unsharded run, so that a sharded pipeline file also
/// runs as one process).
std::map<std::string, std::string> ShardVariables(const Shard& shard);

}  // namespace trestle::cli
