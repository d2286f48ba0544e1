#include "exec/source_driver.h"

#include <chrono>

#include <glog/logging.h>

namespace trestle::core {

SourceDriver::SourceDriver(PlannedNode* node, int64_t batch_rows, int max_inflight, RunState* run,
                           RowAccounting* accounting, Kind kind)
    : node_(node),
      kind_(kind),
      batch_rows_(batch_rows),
      max_inflight_(max_inflight),
      run_(run),
      accounting_(accounting),
      index_(node->host->node_index) {}

void SourceDriver::Pump(const std::function<void(BatchMessage)>& emit, const BatchTicket::DoneFn* on_done) {
  OperatorInstance* inst = node_->instances.front().get();
  NodeStats& stats = *node_->stats;
  while (!run_->stopping()) {
    {
      std::unique_lock<std::mutex> l(mu_);
      // Bounded waits: a stop request does not notify this condition variable.
      while (!cv_.wait_for(l, std::chrono::milliseconds(100),
                           [&] { return inflight_ < max_inflight_ || run_->stopping(); })) {
      }
      if (run_->stopping()) break;
    }
    const auto t0 = std::chrono::steady_clock::now();
    std::optional<trestle::Batch> batch;
    bool eos = false;
    auto read = [&] {
      {
        std::unique_lock<std::mutex> w(mu_);
        cv_.wait(w, [&] { return acks_waiting_ == 0; });
      }
      std::lock_guard<std::mutex> l(call_mu_);
      if (kind_ == Kind::kRequests) {
        batch = node_->host->requests->NextBatch(produced_);  // only this thread changes produced_
        eos = !batch.has_value();
        return Status::Ok();
      }
      CallContext ctx(node_->host.get());
      auto r = kind_ == Kind::kSource ? inst->Next(batch_rows_, ctx) : inst->Finish(batch_rows_, ctx);
      if (!r.ok()) return r.status();
      eos = !r->has_value();
      if (!eos) batch = std::move(**r);
      return Status::Ok();
    };
    // An aggregate's finish() moves through its result: a failed call is not repeated.
    Status st = kind_ != Kind::kSource ? read() : RunWithRetry(
        node_->retry, read,
        [this] { return run_->cancelled(); },
        [&](const Status& s, int attempt) {
          stats.retries.fetch_add(1);
          LOG(WARNING) << "[" << node_->host->pipeline << "/" << node_->name << "] read attempt " << attempt
                       << " failed, retrying: " << s.ToString();
        });
    stats.latency.Observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    // A source that stops because a drain asked it to has simply ended early.
    if (st.code() == Code::kCancelled && run_->stopping() && !run_->failed()) break;
    if (!st.ok()) {
      stats.errors_by_code[static_cast<size_t>(st.code()) % 8].fetch_add(1);
      // A batch the source could not make has no rows to dead-letter (sources reject
      // bad records one by one through the host), so any failure here fails the run.
      run_->Fail(st.WithContext("node \"" + node_->name + "\" (operator " + node_->type + " from plugin " +
                                node_->plugin_name + " " + node_->plugin_version + ")"));
      break;
    }
    if (eos) {
      std::lock_guard<std::mutex> l(mu_);
      reached_end_ = true;
      break;
    }
    const int64_t rows = batch->num_rows();
    accounting_->AddRead(index_, rows);
    stats.batches_out.fetch_add(1);
    stats.rows_out.fetch_add(rows);
    uint64_t seq;
    {
      std::lock_guard<std::mutex> l(mu_);
      seq = produced_++;
      ++inflight_;
    }
    std::shared_ptr<RowOrigin> origin;
    if (kind_ == Kind::kRequests) {
      origin = std::make_shared<RowOrigin>();
      origin->rows.resize(static_cast<size_t>(rows));
      for (int32_t r = 0; r < static_cast<int32_t>(rows); ++r) origin->rows[static_cast<size_t>(r)] = r;
    }
    emit(BatchMessage{{}, index_, seq, std::make_shared<const trestle::Batch>(std::move(*batch)),
                      std::make_shared<BatchTicket>(index_, seq, on_done), std::move(origin)});
  }
}

void SourceDriver::OnDone(uint64_t seq) {
  {
    std::lock_guard<std::mutex> l(mu_);
    // Requests are never acked: a server keeps nothing of them once they are done.
    if (kind_ != Kind::kRequests) done_.insert(seq);
    --inflight_;
    // Under the lock: once WaitForInflight() sees the last batch done, the runner may
    // destroy this driver, condition variable included.
    cv_.notify_all();
  }
}

std::optional<uint64_t> SourceDriver::AckableUpTo() const {
  std::lock_guard<std::mutex> l(mu_);
  uint64_t next = next_unacked_;
  for (auto it = done_.begin(); it != done_.end() && *it == next; ++it) ++next;
  if (next == next_unacked_) return std::nullopt;
  return next - 1;
}

Status SourceDriver::Ack(uint64_t seq) {
  Status st;
  if (kind_ == Kind::kSource) {
    {
      std::lock_guard<std::mutex> w(mu_);
      ++acks_waiting_;
    }
    {
      std::lock_guard<std::mutex> l(call_mu_);
      st = node_->instances.front()->Ack(seq);
    }
    {
      std::lock_guard<std::mutex> w(mu_);
      --acks_waiting_;
    }
    cv_.notify_all();
  }
  if (!st.ok()) return st.WithContext("node \"" + node_->name + "\": ack of batch " + std::to_string(seq));
  std::lock_guard<std::mutex> l(mu_);
  done_.erase(done_.begin(), done_.upper_bound(seq));
  next_unacked_ = seq + 1;
  return st;
}

int64_t SourceDriver::DoneNotAcked() const {
  std::lock_guard<std::mutex> l(mu_);
  return static_cast<int64_t>(done_.size());
}

void SourceDriver::WaitForInflight() {
  std::unique_lock<std::mutex> l(mu_);
  cv_.wait(l, [&] { return inflight_ == 0; });
}

bool SourceDriver::reached_end() const {
  std::lock_guard<std::mutex> l(mu_);
  return reached_end_;
}

uint64_t SourceDriver::batches_read() const {
  std::lock_guard<std::mutex> l(mu_);
  return produced_;
}

}  // namespace trestle::core
