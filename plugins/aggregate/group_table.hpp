#pragma once
// GroupTable: the in-memory hash table of group_aggregate — encoded group key -> dense
// group id — with the groups' states, and its memory account against the budget.

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "group_states.hpp"

namespace trestle_aggregate {

class GroupTable {
 public:
  GroupTable(const std::vector<AccDecl>& accs, double relative_accuracy) : states_(accs, relative_accuracy) {}

  /// The id of the group of `key`, adding it when new; -1 when adding it would take the
  /// table past `budget` bytes (never for an empty table, so that one group always fits).
  int64_t find_or_add(const std::string& key, size_t budget);

  size_t size() const { return keys_.size(); }
  const std::string& key(uint32_t g) const { return *keys_[g]; }
  GroupStates& states() { return states_; }
  /// Group ids in ascending key order.
  std::vector<uint32_t> sorted() const;
  /// Bytes of keys, hash nodes and buckets, states, and the id array a spill sorts.
  size_t bytes() const;
  /// Drops every group and releases the memory.
  void clear();

 private:
  // A hash node: next pointer, std::string key, the id (padded), the cached hash.
  static constexpr size_t kNodeBytes = 64;

  std::unordered_map<std::string, uint32_t> map_;
  std::vector<const std::string*> keys_;  // by id; the map's nodes do not move
  GroupStates states_;
  size_t key_heap_ = 0;
};

}  // namespace trestle_aggregate
