#pragma once
/// MonitorWorker: runs one monitor node off the data path. The flow graph offers it
/// every batch that reaches the monitor; Offer never blocks and never waits for the
/// monitor: batches wait in a bounded queue (the node's monitoring.queue_batches), and
/// one that arrives when the queue is full is skipped and counted (the monitor samples
/// when it falls behind). The worker's own thread observes as a background thread
/// (SCHED_IDLE, see common/thread_priority.h), so a monitor only uses CPU the data path
/// leaves idle, and hands the findings to the alert sinks downstream of the monitor
/// directly (findings batches are outside the row accounting and need no order).

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include "exec/batch_message.h"
#include "exec/node_executor.h"

namespace trestle::core {

class MonitorWorker {
 public:
  /// `monitor` observes; `alert_sinks` receive its findings. Neither is owned; both
  /// must outlive the worker (or its Finish()).
  MonitorWorker(NodeExecutor* monitor, std::vector<NodeExecutor*> alert_sinks, int queue_batches);
  ~MonitorWorker();
  MonitorWorker(const MonitorWorker&) = delete;
  MonitorWorker& operator=(const MonitorWorker&) = delete;

  /// Never blocks. Keeps the batch (not its in-flight ticket) until the monitor has
  /// looked at it.
  void Offer(const BatchMessage& m);
  /// Observes what is waiting, then stops the thread; with `discard_waiting` (a drain:
  /// the run should end soon) what is still waiting is skipped and counted instead.
  /// Idempotent.
  void Finish(bool discard_waiting = false);
  /// Passes the monitor's findings reported so far to the alert sinks.
  void DeliverFindings();

 private:
  void Loop();

  NodeExecutor* monitor_;
  std::vector<NodeExecutor*> sinks_;
  std::mutex mu_;
  std::condition_variable cv_;
  size_t capacity_;
  std::deque<BatchMessage> queue_;
  bool finishing_ = false;
  bool discard_ = false;
  std::thread thread_;
};

}  // namespace trestle::core
