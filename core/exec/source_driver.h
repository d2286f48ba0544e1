#pragma once
/// SourceDriver: reads one source on a thread of its own (no TBB worker waits on a
/// source's I/O), within its in-flight bound: a batch enters the graph only when one
/// of `max_inflight` tokens is free, and a token returns when the batch's ticket does.
/// Tracks which batches are done so that acks go out, cumulatively and in order, once
/// the sinks have committed them.

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <set>

#include "exec/accounting.h"
#include "exec/batch_message.h"
#include "exec/run_state.h"
#include "graph/plan.h"

namespace trestle::core {

class SourceDriver {
 public:
  /// What the driver reads: a source's next(), or an aggregating transform's finish()
  /// once all of its input went through (its result enters the graph like a source's
  /// batches; an aggregate has nothing to ack), or the requests of a serving run
  /// (exec/request_port.h, reached through the node's host; nothing to ack either).
  enum class Kind { kSource, kAggregate, kRequests };
  SourceDriver(PlannedNode* node, int64_t batch_rows, int max_inflight, RunState* run, RowAccounting* accounting,
               Kind kind = Kind::kSource);

  /// Reads until end of stream, stop or failure, handing each batch to `emit`.
  /// `on_done` is what each batch's ticket calls; it must end up in OnDone().
  void Pump(const std::function<void(BatchMessage)>& emit, const BatchTicket::DoneFn* on_done);
  /// A batch of this source has been handled by every node.
  void OnDone(uint64_t seq);
  /// The highest sequence number up to which every batch is done and not yet acked.
  std::optional<uint64_t> AckableUpTo() const;
  /// Acks every batch up to `seq` (the plugin's ack is cumulative).
  Status Ack(uint64_t seq);
  /// Done batches since the last ack.
  int64_t DoneNotAcked() const;
  /// Blocks until no batch of this source is in flight.
  void WaitForInflight();
  uint64_t batches_read() const;
  /// Whether Pump() read to the end of stream (not stopped by a drain or a failure).
  bool reached_end() const;

 private:
  PlannedNode* node_;
  Kind kind_;
  int64_t batch_rows_;
  int max_inflight_;
  RunState* run_;
  RowAccounting* accounting_;
  int index_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  int inflight_ = 0;
  uint64_t produced_ = 0;
  bool reached_end_ = false;
  uint64_t next_unacked_ = 0;
  std::set<uint64_t> done_;  // done, not yet acked; bounded by max_inflight gaps
  std::mutex call_mu_;       // serialises next() and ack() on the plugin
  // Acks waiting for call_mu_. The source thread lets them in before its next call:
  // a source whose next() returns and is called again at once (an idle stream) would
  // otherwise win the mutex every time and hold its acks back until the run ends.
  int acks_waiting_ = 0;     // under mu_
};

}  // namespace trestle::core
