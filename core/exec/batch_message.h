#pragma once
/// What travels along the edges of the flow graph. A message always reaches every
/// downstream node, also when its batch failed or was dead-lettered (then `batch` is
/// null: a tombstone), so sequencers see every sequence number and tokens come back.
///
/// The batch is immutable and shared by every branch of a fan-out. The ticket is shared
/// too: when the last message holding it is destroyed, the batch has been fully handled
/// by every node and its in-flight token returns to the source.

#include <cstdint>
#include <functional>
#include <memory>

#include "common/tsan_edge.h"
#include "exec/request_port.h"
#include "trestle/batch.hpp"

namespace trestle::core {

/// Calls `on_done(source, seq)` once, when the last reference goes.
class BatchTicket {
 public:
  using DoneFn = std::function<void(int source, uint64_t seq)>;
  BatchTicket(int source, uint64_t seq, const DoneFn* on_done) : source_(source), seq_(seq), on_done_(on_done) {}
  ~BatchTicket() { (*on_done_)(source_, seq_); }
  BatchTicket(const BatchTicket&) = delete;
  BatchTicket& operator=(const BatchTicket&) = delete;

 private:
  int source_;
  uint64_t seq_;
  const DoneFn* on_done_;  ///< owned by the runner, outlives every ticket
};

struct BatchMessage {
  [[no_unique_address]] TsanFence fence_in = {};  ///< first (common/tsan_edge.h)
  int source = -1;      ///< node index of the source that read the batch
  uint64_t seq = 0;     ///< per-source sequence number, from 0
  std::shared_ptr<const trestle::Batch> batch;  ///< null: tombstone
  std::shared_ptr<BatchTicket> ticket;
  /// Serving only (exec/request_port.h): where each row of `batch` came from; null in
  /// a batch run.
  std::shared_ptr<const RowOrigin> origin = nullptr;
  [[no_unique_address]] TsanFence fence_out = {};  ///< last (common/tsan_edge.h)

  BatchMessage Tombstone() const { return BatchMessage{{}, source, seq, nullptr, ticket, nullptr}; }
  /// The same rows, transformed (same origin).
  BatchMessage With(trestle::Batch b) const { return With(std::move(b), origin); }
  BatchMessage With(trestle::Batch b, std::shared_ptr<const RowOrigin> rows_from) const {
    return BatchMessage{{}, source, seq, std::make_shared<const trestle::Batch>(std::move(b)), ticket,
                        std::move(rows_from)};
  }
};

}  // namespace trestle::core
