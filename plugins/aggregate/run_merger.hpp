#pragma once
// RunMerger: k-way merge of sorted run files. Each next() yields the smallest key left
// and the merge of that key's states from every run that holds it. Memory: one
// RunReader buffer and the current key per run, plus the one group being merged.

#include <memory>
#include <string>
#include <vector>

#include "group_states.hpp"
#include "run_file.hpp"

namespace trestle_aggregate {

class RunMerger {
 public:
  explicit RunMerger(const std::vector<std::string>& paths);
  /// Resets `into` to one group (id 0) holding the next key's merged states, and sets
  /// `key`; false when every run is exhausted.
  bool next(GroupStates& into, std::string& key);

 private:
  struct Cursor {
    std::unique_ptr<RunReader> reader;
    std::string key;
  };
  void advance(size_t i);  // reads run i's next key and puts it on the heap, if any
  bool after(size_t a, size_t b) const;

  std::vector<Cursor> cursors_;
  std::vector<size_t> heap_;  // cursor indices, smallest key on top
};

}  // namespace trestle_aggregate
