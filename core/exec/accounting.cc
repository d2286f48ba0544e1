#include "exec/accounting.h"

#include <functional>

namespace trestle::core {

RowAccounting::RowAccounting(std::vector<std::string> names, std::vector<std::vector<int>> successors,
                             std::vector<bool> is_source, std::vector<bool> is_sink, std::vector<bool> is_aggregate)
    : n_(names.size()),
      names_(std::move(names)),
      is_source_(std::move(is_source)),
      is_sink_(std::move(is_sink)),
      paths_(n_ * n_, 0),
      read_(n_ * n_),
      dead_(n_ * n_),
      filtered_(n_ * n_),
      skipped_(n_ * n_),
      reached_(n_ * n_) {
  is_aggregate.resize(n_, false);
  is_aggregate_ = is_aggregate;
  for (size_t a = 0; a < n_; ++a)
    if (is_aggregate[a]) is_source_[a] = is_sink_[a] = true;
  // through(x, to): paths from x to `to` that do not pass through an aggregate (rows
  // end there), by memoised depth-first search over the DAG; paths(from, to) starts
  // from `from`'s successors, so an aggregate's own rows go on.
  std::vector<int64_t> through(n_ * n_, -1);
  std::function<int64_t(size_t, size_t)> count = [&](size_t x, size_t to) -> int64_t {
    int64_t& memo = through[x * n_ + to];
    if (memo >= 0) return memo;
    int64_t p = 0;
    if (x == to) p = 1;
    else if (!is_aggregate[x])
      for (int s : successors[x]) p += count(static_cast<size_t>(s), to);
    return memo = p;
  };
  for (size_t a = 0; a < n_; ++a) {
    for (size_t b = 0; b < n_; ++b) {
      int64_t p = a == b ? 1 : 0;
      if (a != b)
        for (int s : successors[a]) p += count(static_cast<size_t>(s), b);
      paths_[a * n_ + b] = p;
    }
  }
}

std::vector<RowAccounting::PathBalance> RowAccounting::Balance() const {
  std::vector<PathBalance> out;
  for (size_t s = 0; s < n_; ++s) {
    if (!is_source_[s]) continue;
    for (size_t t = 0; t < n_; ++t) {
      if (t == s || !is_sink_[t] || Paths(static_cast<int>(s), static_cast<int>(t)) == 0) continue;
      PathBalance b;
      b.source = static_cast<int>(s);
      b.sink = static_cast<int>(t);
      b.read = get(read_, b.source, b.source);
      b.reached = get(reached_, b.source, b.sink);
      b.paths = Paths(b.source, b.sink);
      int64_t lost_weighted = 0;
      for (size_t n = 0; n < n_; ++n) {
        int64_t p = Paths(static_cast<int>(n), b.sink);
        if (p == 0) continue;
        int64_t d = get(dead_, b.source, static_cast<int>(n));
        int64_t f = get(filtered_, b.source, static_cast<int>(n));
        int64_t k = get(skipped_, b.source, static_cast<int>(n));
        b.dead_lettered += d;
        b.filtered += f;
        b.skipped += k;
        lost_weighted += (d + f + k) * p;
      }
      b.balanced = b.read * b.paths == b.reached + lost_weighted;
      out.push_back(b);
    }
  }
  return out;
}

bool RowAccounting::Balanced() const {
  for (const auto& b : Balance())
    if (!b.balanced) return false;
  return true;
}

int64_t RowAccounting::TotalDeadLettered() const {
  int64_t total = 0;
  for (const auto& v : dead_) total += v.load();
  return total;
}

int64_t RowAccounting::DeadLetteredFrom(int source) const {
  int64_t total = 0;
  for (size_t n = 0; n < n_; ++n) total += get(dead_, source, static_cast<int>(n));
  return total;
}

nlohmann::json RowAccounting::ToJson() const {
  nlohmann::json sources = nlohmann::json::object();
  for (size_t s = 0; s < n_; ++s) {
    if (!is_source_[s]) continue;
    sources[names_[s]] = {{"read", get(read_, static_cast<int>(s), static_cast<int>(s))},
                          {"paths", nlohmann::json::object()}};
    if (is_aggregate_[s]) sources[names_[s]]["aggregate"] = true;
  }
  bool all = true;
  for (const auto& b : Balance()) {
    all = all && b.balanced;
    sources[names_[static_cast<size_t>(b.source)]]["paths"][names_[static_cast<size_t>(b.sink)]] = {
        {"reached", b.reached}, {"dead_lettered", b.dead_lettered}, {"filtered", b.filtered},
        {"skipped", b.skipped}, {"balanced", b.balanced}};
    if (is_aggregate_[static_cast<size_t>(b.sink)])
      sources[names_[static_cast<size_t>(b.source)]]["paths"][names_[static_cast<size_t>(b.sink)]]["aggregate"] = true;
  }
  return {{"sources", sources}, {"balanced", all}};
}

}  // namespace trestle::core
