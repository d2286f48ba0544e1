#include "group_table.hpp"

#include <algorithm>
#include <numeric>

namespace trestle_aggregate {

int64_t GroupTable::find_or_add(const std::string& key, size_t budget) {
  auto it = map_.find(key);
  if (it != map_.end()) return it->second;
  if (!keys_.empty()) {
    size_t grow = kNodeBytes + (key.size() > 15 ? malloc_chunk(key.size() + 1) : 0) + sizeof(uint32_t) +
                  states_.growth_if_added();
    if (keys_.size() == keys_.capacity()) grow += malloc_chunk(2 * keys_.capacity() * sizeof(void*));
    const size_t buckets = map_.bucket_count();
    if (static_cast<double>(map_.size() + 1) > static_cast<double>(buckets) * static_cast<double>(map_.max_load_factor()))
      grow += malloc_chunk(2 * buckets * sizeof(void*));
    if (bytes() + grow > budget) return -1;
  }
  const auto g = static_cast<uint32_t>(keys_.size());
  it = map_.emplace(key, g).first;
  keys_.push_back(&it->first);
  key_heap_ += string_heap(it->first);
  states_.add_group();
  return g;
}

std::vector<uint32_t> GroupTable::sorted() const {
  std::vector<uint32_t> order(keys_.size());
  std::iota(order.begin(), order.end(), 0u);
  std::sort(order.begin(), order.end(), [this](uint32_t a, uint32_t b) { return *keys_[a] < *keys_[b]; });
  return order;
}

size_t GroupTable::bytes() const {
  return map_.size() * kNodeBytes + key_heap_ + malloc_chunk(map_.bucket_count() * sizeof(void*)) +
         malloc_chunk(keys_.capacity() * sizeof(void*)) + malloc_chunk(keys_.size() * sizeof(uint32_t)) + states_.bytes();
}

void GroupTable::clear() {
  std::unordered_map<std::string, uint32_t>().swap(map_);
  std::vector<const std::string*>().swap(keys_);
  states_.clear();
  key_heap_ = 0;
}

}  // namespace trestle_aggregate
