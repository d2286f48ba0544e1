#include "run_merger.hpp"

#include <algorithm>

namespace trestle_aggregate {

RunMerger::RunMerger(const std::vector<std::string>& paths) {
  cursors_.reserve(paths.size());
  for (const auto& p : paths) cursors_.push_back(Cursor{std::make_unique<RunReader>(p), {}});
  for (size_t i = 0; i < cursors_.size(); ++i) advance(i);
}

bool RunMerger::after(size_t a, size_t b) const {
  const int c = cursors_[a].key.compare(cursors_[b].key);
  return c > 0 || (c == 0 && a > b);
}

void RunMerger::advance(size_t i) {
  Cursor& c = cursors_[i];
  if (c.reader->at_end()) {
    c.reader.reset();  // frees its buffer
    return;
  }
  c.reader->bytes(c.key);
  heap_.push_back(i);
  std::push_heap(heap_.begin(), heap_.end(), [this](size_t a, size_t b) { return after(a, b); });
}

bool RunMerger::next(GroupStates& into, std::string& key) {
  if (heap_.empty()) return false;
  auto cmp = [this](size_t a, size_t b) { return after(a, b); };
  into.reset_to_one();
  std::pop_heap(heap_.begin(), heap_.end(), cmp);
  size_t i = heap_.back();
  heap_.pop_back();
  key = cursors_[i].key;
  into.read_merge(*cursors_[i].reader, 0);
  advance(i);
  while (!heap_.empty() && cursors_[heap_.front()].key == key) {
    std::pop_heap(heap_.begin(), heap_.end(), cmp);
    i = heap_.back();
    heap_.pop_back();
    into.read_merge(*cursors_[i].reader, 0);
    advance(i);
  }
  return true;
}

}  // namespace trestle_aggregate
