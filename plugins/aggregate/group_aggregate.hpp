#pragma once
// group_aggregate: groups rows by one or more key columns and computes count, sum,
// mean, min, max, count_distinct (exact), quantile (DDSketch-like QuantileSketch) and
// share_above per group, within a memory budget.
//
// An aggregating transform (spec().aggregating()): process() absorbs every batch and
// returns no rows; finish() then streams the result, one row per group, sorted by key.
//
// Memory: the hash table (keys, states, distinct sets, sketches) is accounted on the
// high side (GroupTable::bytes). When a new group would take it past memory_budget, its
// groups are sorted by key and written to a run file in a private spill directory, and
// the table starts empty. finish() then writes the rest as a last run and merges all
// runs (first in passes of kMaxFanIn runs while there are more), merging the states of
// equal keys, with one read buffer per run. See docs in spec() for the stated overhead.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <trestle/sdk.hpp>

#include "aggregate_plan.hpp"
#include "group_table.hpp"
#include "run_file.hpp"
#include "run_merger.hpp"

namespace trestle_aggregate {

class GroupAggregate final : public trestle::Transform {
 public:
  static constexpr size_t kMaxFanIn = 64;         ///< runs merged at once
  static constexpr int64_t kChunkRows = 4096;     ///< rows keyed before their states update
  static constexpr int64_t kMinBudget = 1 << 10;  ///< smallest memory_budget accepted

  static trestle::OperatorSpec spec();
  /// Throws trestle::InvalidArgument for bad options (naming the option and problem).
  explicit GroupAggregate(const trestle::Options& options);
  ~GroupAggregate() override;

  trestle::Schema open(const trestle::Schema& input) override;
  trestle::Batch process(trestle::Batch input, trestle::Context& ctx) override;
  std::optional<trestle::Batch> finish(int64_t max_rows, trestle::Context& ctx) override;
  /// Removes the spill directory and everything in it.
  void close(trestle::Context& ctx) override;

  /// What the instance did so far (tests and benchmarks read it).
  struct Stats {
    uint64_t groups_in_memory_peak = 0;
    uint64_t spills = 0;        ///< runs written from the table (the last one included)
    uint64_t merge_passes = 0;  ///< intermediate merges of kMaxFanIn runs
    uint64_t spilled_bytes = 0;
    size_t peak_table_bytes = 0;
  };
  const Stats& stats() const { return stats_; }
  /// The private spill directory, or "" when none exists (none yet, or removed).
  const std::string& spill_directory() const { return spill_.path(); }
  size_t memory_budget() const { return budget_; }

 private:
  void spill(trestle::Context& ctx);
  void start_output(trestle::Context& ctx);
  std::vector<trestle::ColumnBuilder> builders() const;
  void emit_key(const std::string& key, std::vector<trestle::ColumnBuilder>& b) const;

  AggregatePlan plan_;
  size_t budget_ = 0;
  double relative_accuracy_ = 0;
  trestle::Schema output_;
  std::unique_ptr<GroupTable> table_;
  SpillDir spill_;
  std::vector<std::string> runs_;
  Stats stats_;

  // Output phase.
  enum class Phase { Absorbing, InMemory, Merging, Done } phase_ = Phase::Absorbing;
  std::vector<uint32_t> order_;  // InMemory: group ids by key
  size_t next_ = 0;
  std::unique_ptr<RunMerger> merger_;
  std::unique_ptr<GroupStates> merged_;  // Merging: the current key's states
  std::string key_;
  std::vector<uint32_t> gids_;
};

}  // namespace trestle_aggregate
