#pragma once
/// RowAccounting: where every row read by every source went, per node. Updated once per
/// batch with atomics. The balance rule (DESIGN.md "nothing lost"): for each source s and
/// each sink t reachable from it,
///   read(s) * paths(s, t) = reached(s, t) + sum over nodes n of lost(s, n) * paths(n, t)
/// where lost = dead-lettered + filtered + skipped at n and paths(x, t) counts the
/// distinct paths from x to t (1 in a pipeline without diamonds).
///
/// An aggregating node (group_aggregate) is both: a sink for the rows of the sources
/// upstream of it (paths from them end there) and a source of the rows it emits at the
/// end, which are balanced against the sinks downstream of it.

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace trestle::core {

class RowAccounting {
 public:
  /// `successors[n]` lists the nodes fed by node n; `is_source`/`is_sink` by node index.
  /// `is_aggregate[n]`: node n is both (see above); may be empty (none is).
  RowAccounting(std::vector<std::string> names, std::vector<std::vector<int>> successors,
                std::vector<bool> is_source, std::vector<bool> is_sink, std::vector<bool> is_aggregate = {});

  // Rows of no source (source < 0: monitors' findings on their way to alert sinks) are
  // not accounted.
  void AddRead(int source, int64_t rows) { add(read_, source, source, rows); }
  void AddDeadLettered(int source, int node, int64_t rows) { add(dead_, source, node, rows); }
  void AddFiltered(int source, int node, int64_t rows) { add(filtered_, source, node, rows); }
  void AddSkipped(int source, int node, int64_t rows) { add(skipped_, source, node, rows); }
  void AddReached(int source, int sink, int64_t rows) { add(reached_, source, sink, rows); }

  struct PathBalance {
    int source, sink;
    int64_t read = 0, reached = 0, dead_lettered = 0, filtered = 0, skipped = 0;
    int64_t paths = 0;
    bool balanced = false;
  };
  /// One entry per (source, reachable sink).
  std::vector<PathBalance> Balance() const;
  bool Balanced() const;
  int64_t Read(int source) const { return get(read_, source, source); }
  int64_t TotalDeadLettered() const;
  /// Rows of `source` (a source, or an aggregate's result) dead-lettered anywhere.
  int64_t DeadLetteredFrom(int source) const;
  /// {"sources": {name: {"read": n, "paths": {sink: {...}}}}, "balanced": bool}; an
  /// aggregate's entry as a source, and a path ending at one, carry "aggregate": true.
  nlohmann::json ToJson() const;

 private:
  void add(std::vector<std::atomic<int64_t>>& v, int s, int n, int64_t rows) {
    if (s >= 0) v[static_cast<size_t>(s) * n_ + static_cast<size_t>(n)] += rows;
  }
  int64_t get(const std::vector<std::atomic<int64_t>>& v, int s, int n) const {
    return v[static_cast<size_t>(s) * n_ + static_cast<size_t>(n)].load();
  }
  int64_t Paths(int from, int to) const { return paths_[static_cast<size_t>(from) * n_ + static_cast<size_t>(to)]; }

  size_t n_;
  std::vector<std::string> names_;
  std::vector<bool> is_source_, is_sink_, is_aggregate_;
  std::vector<int64_t> paths_;  // paths_[from * n + to]
  std::vector<std::atomic<int64_t>> read_, dead_, filtered_, skipped_, reached_;
};

}  // namespace trestle::core
