#pragma once
// GroupStates: the partial aggregate states of many groups, one column of states per
// accumulator (AggregatePlan::accs), indexed by a dense group id. Updated from batches,
// serialised into run files, merged back from them, and turned into output values.
//
// Every merge is exact (counts, ExactSum, min/max, distinct sets, and the
// QuantileSketch, whose merge equals the sketch of the union), so the result does not
// depend on how the input was split between the table and spilled runs.
//
// Memory: bytes() is what the states occupy, approximately but on the high side: vector
// capacities (not sizes), a malloc chunk per heap block, hash set nodes and buckets,
// plus the arrays a spill needs (the sorted distinct-value pointers). growth_if_added()
// is what the next add_group() may add (vectors double when full).

#include <cstdint>
#include <string>
#include <unordered_set>
#include <vector>

#include <trestle/batch.hpp>
#include <trestle/column.hpp>

#include "aggregate_plan.hpp"
#include "exact_sum.hpp"
#include "quantile_sketch.hpp"
#include "run_file.hpp"

namespace trestle_aggregate {

/// Bytes glibc's malloc takes for a block of `n` bytes (header and rounding).
inline size_t malloc_chunk(size_t n) { return n == 0 ? 0 : std::max<size_t>(32, (n + 8 + 15) & ~size_t{15}); }
/// Heap bytes behind a std::string (none while it fits the small-string buffer).
inline size_t string_heap(const std::string& s) { return s.capacity() > 15 ? malloc_chunk(s.capacity() + 1) : 0; }

class GroupStates {
 public:
  /// `accs` must be bound (AggregatePlan::bind); the sketches use `relative_accuracy`.
  GroupStates(const std::vector<AccDecl>& accs, double relative_accuracy);

  size_t size() const { return groups_; }
  /// Appends a group with empty states; returns its id.
  uint32_t add_group();
  /// Adds rows [begin, end) of `batch`; row r belongs to group gids[r - begin].
  void update(const trestle::Batch& batch, const uint32_t* gids, int64_t begin, int64_t end);

  /// Call once after the last update and before write() (sorts the distinct sets).
  void prepare_write();
  /// Serialises group g's states.
  void write(uint32_t g, RunWriter& w) const;
  /// Reads one group's serialised states and merges them into group g.
  void read_merge(RunReader& r, uint32_t g);

  /// Appends group g's value of every output to builders[first + i].
  void emit(uint32_t g, const std::vector<OutputDecl>& outputs, std::vector<trestle::ColumnBuilder>& builders,
            size_t first) const;

  /// Drops every group and releases the memory.
  void clear();
  /// Makes this hold exactly one empty group (id 0), keeping allocations where cheap:
  /// the merge's accumulator for one key at a time.
  void reset_to_one();
  size_t bytes() const;
  size_t growth_if_added() const;

 private:
  struct Acc {
    AccDecl decl;
    std::vector<int64_t> n;        // Rows, NonNull, Sum, Above: values; Distinct: distinct values
    std::vector<int64_t> above;    // Above
    std::vector<ExactSum> sums;    // Sum
    std::vector<std::string> ext;  // Min, Max: encoded value, "" = none yet
    std::vector<trestle_support::QuantileSketch> sketches;
    // Distinct: every (group, value) as 4 bytes of group id (big-endian) + encoded value.
    std::unordered_set<std::string> distinct;
    std::vector<const std::string*> distinct_sorted;  // by prepare_write()
    std::vector<size_t> distinct_start;               // group g's first entry in distinct_sorted
  };
  // Cost of one distinct entry besides its string's heap: hash node (next pointer,
  // std::string, cached hash) and the pointer a spill sorts.
  static constexpr size_t kDistinctEntryBytes = 64 + sizeof(void*);

  static size_t sketch_heap(const trestle_support::QuantileSketch& s) {
    return malloc_chunk(s.positive().counts.capacity() * sizeof(int64_t)) +
           malloc_chunk(s.negative().counts.capacity() * sizeof(int64_t));
  }
  void merge_sum(Acc& a, uint32_t g, const ExactSum& s);
  void set_extreme(Acc& a, uint32_t g, const std::string& v);
  void add_distinct(Acc& a, uint32_t g, std::string&& entry);

  std::vector<Acc> accs_;
  trestle_support::QuantileSketch proto_;
  size_t groups_ = 0;
  size_t heap_ = 0;  // tracked heap blocks behind the states
  std::string scratch_;
};

}  // namespace trestle_aggregate
