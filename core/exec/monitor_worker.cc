#include "exec/monitor_worker.h"

#include <algorithm>
#include <utility>

#include "common/signal_stack.h"
#include "common/thread_priority.h"

namespace trestle::core {

MonitorWorker::MonitorWorker(NodeExecutor* monitor, std::vector<NodeExecutor*> alert_sinks, int queue_batches)
    : monitor_(monitor),
      sinks_(std::move(alert_sinks)),
      capacity_(static_cast<size_t>(std::max(1, queue_batches))),
      thread_([this] { Loop(); }) {}

MonitorWorker::~MonitorWorker() { Finish(); }

void MonitorWorker::Offer(const BatchMessage& m) {
  if (!m.batch) return;  // a tombstone: nothing to look at
  {
    std::lock_guard<std::mutex> l(mu_);
    if (!finishing_ && queue_.size() < capacity_) {
      // Without the ticket: the batch's in-flight token goes back to its source as soon
      // as the data path is done with it, whether or not the monitor has looked yet.
      queue_.push_back(BatchMessage{{}, m.source, m.seq, m.batch, nullptr});
      cv_.notify_one();
      return;
    }
  }
  monitor_->CountMonitorSkip();
}

void MonitorWorker::Finish(bool discard_waiting) {
  {
    std::lock_guard<std::mutex> l(mu_);
    finishing_ = true;
    discard_ = discard_ || discard_waiting;
  }
  cv_.notify_one();
  if (thread_.joinable()) thread_.join();
}

void MonitorWorker::DeliverFindings() {
  if (sinks_.empty()) return;
  if (auto findings = monitor_->TakeFindings())
    for (NodeExecutor* sink : sinks_) sink->Write(*findings);
}

void MonitorWorker::Loop() {
  EnsureSignalStack();
  MakeCurrentThreadBackground();
  std::unique_lock<std::mutex> l(mu_);
  while (true) {
    cv_.wait(l, [&] { return finishing_ || !queue_.empty(); });
    if (finishing_ && discard_) {
      for (size_t i = 0; i < queue_.size(); ++i) monitor_->CountMonitorSkip();
      queue_.clear();
    }
    if (queue_.empty()) return;  // finishing, and nothing waits
    BatchMessage m = std::move(queue_.front());
    queue_.pop_front();
    l.unlock();
    monitor_->Observe(m);
    DeliverFindings();
    l.lock();
  }
}

}  // namespace trestle::core
