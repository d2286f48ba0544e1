#include "serve/request_batcher.h"

#include <algorithm>

#include "common/signal_stack.h"

namespace trestle::core {

namespace {

double Seconds(std::chrono::steady_clock::duration d) { return std::chrono::duration<double>(d).count(); }

// The rows of several requests as one batch (the schema of the first).
trestle::Batch Concatenate(const std::vector<std::shared_ptr<PendingRequest>>& requests, int64_t rows) {
  if (requests.size() == 1) return requests.front()->rows;  // shared columns, no copy
  const trestle::Schema& schema = requests.front()->rows.schema();
  std::vector<trestle::Column> columns;
  columns.reserve(schema.size());
  for (size_t c = 0; c < schema.size(); ++c) {
    trestle::ColumnBuilder b(schema.field(c).type, rows);
    for (const auto& r : requests) {
      const trestle::Column& col = r->rows.columns()[c];
      for (int64_t i = 0; i < col.size(); ++i) b.append_from(col, i);
    }
    columns.push_back(b.finish());
  }
  return trestle::Batch(schema, std::move(columns));
}

}  // namespace

RequestBatcher::RequestBatcher(BatchingSettings settings, ServingMetrics* metrics)
    : settings_(settings), metrics_(metrics) {
  expiry_ = std::thread([this] {
    EnsureSignalStack();
    ExpiryLoop();
  });
}

RequestBatcher::~RequestBatcher() {
  Abort("the server stopped");
  {
    std::lock_guard<std::mutex> l(mu_);
    stop_expiry_ = true;
  }
  cv_.notify_all();
  expiry_.join();
}

void RequestBatcher::Answer(const std::shared_ptr<PendingRequest>& r, RequestResult result) {
  if (r->done) r->done(std::move(result));
}

RequestBatcher::Admit RequestBatcher::Submit(std::shared_ptr<PendingRequest> request) {
  const int64_t rows = request->rows.num_rows();
  {
    std::lock_guard<std::mutex> l(mu_);
    if (closed_) return Admit::kClosed;
    if (rows > settings_.max_batch_rows) return Admit::kTooLarge;
    if (queued_rows_ + rows > settings_.max_queue_rows) return Admit::kFull;
    queued_rows_ += rows;
    queue_.push_back(std::move(request));
  }
  cv_.notify_all();
  return Admit::kQueued;
}

void RequestBatcher::Close() {
  {
    std::lock_guard<std::mutex> l(mu_);
    closed_ = true;
  }
  cv_.notify_all();
}

void RequestBatcher::Abort(const std::string& why) {
  std::deque<std::shared_ptr<PendingRequest>> dropped;
  {
    std::lock_guard<std::mutex> l(mu_);
    closed_ = true;
    dropped.swap(queue_);
    queued_rows_ = 0;
  }
  cv_.notify_all();
  for (const auto& r : dropped) {
    RequestResult result;
    result.kind = RequestResult::Kind::kFailed;
    result.error = why;
    result.queue_seconds = Seconds(Clock::now() - r->arrived);
    Answer(r, std::move(result));
  }
}

void RequestBatcher::set_failure_probe(std::function<std::optional<std::string>()> probe) {
  std::lock_guard<std::mutex> l(mu_);
  failure_probe_ = std::move(probe);
}

int64_t RequestBatcher::Outstanding() const {
  std::lock_guard<std::mutex> l(mu_);
  return static_cast<int64_t>(queue_.size()) + inflight_requests_;
}

int64_t RequestBatcher::QueuedRows() const {
  std::lock_guard<std::mutex> l(mu_);
  return queued_rows_;
}

bool RequestBatcher::ReadyLocked(Clock::time_point now) const {
  if (queue_.empty()) return false;
  const int64_t preferred = settings_.preferred_batch_rows > 0 ? settings_.preferred_batch_rows : settings_.max_batch_rows;
  if (queued_rows_ >= std::min(preferred, settings_.max_batch_rows)) return true;
  // A closing batcher does not wait for requests that will not come.
  if (closed_) return true;
  return now - queue_.front()->arrived >= std::chrono::microseconds(settings_.max_queue_delay_us);
}

void RequestBatcher::ExpireLocked(Clock::time_point now, std::vector<std::shared_ptr<PendingRequest>>* expired) {
  for (auto it = queue_.begin(); it != queue_.end();) {
    if ((*it)->deadline <= now) {
      queued_rows_ -= (*it)->rows.num_rows();
      expired->push_back(std::move(*it));
      it = queue_.erase(it);
    } else {
      ++it;
    }
  }
}

void RequestBatcher::ExpiryLoop() {
  std::unique_lock<std::mutex> l(mu_);
  while (!stop_expiry_) {
    Clock::time_point next = Clock::time_point::max();
    for (const auto& r : queue_) next = std::min(next, r->deadline);
    if (next == Clock::time_point::max()) cv_.wait(l);
    else cv_.wait_until(l, next);
    std::vector<std::shared_ptr<PendingRequest>> expired;
    ExpireLocked(Clock::now(), &expired);
    if (expired.empty()) continue;
    l.unlock();
    for (const auto& r : expired) {
      RequestResult result;
      result.kind = RequestResult::Kind::kExpired;
      result.queue_seconds = Seconds(Clock::now() - r->arrived);
      Answer(r, std::move(result));
    }
    l.lock();
  }
}

std::optional<trestle::Batch> RequestBatcher::NextBatch(uint64_t seq) {
  std::vector<std::shared_ptr<PendingRequest>> taken, expired;
  int64_t rows = 0;
  Clock::time_point now;
  {
    std::unique_lock<std::mutex> l(mu_);
    while (true) {
      now = Clock::now();
      ExpireLocked(now, &expired);
      if (!expired.empty()) break;  // answered below, then the caller comes back
      if (ReadyLocked(now)) break;
      if (closed_ && queue_.empty()) return std::nullopt;
      if (queue_.empty()) cv_.wait(l);
      else cv_.wait_until(l, queue_.front()->arrived + std::chrono::microseconds(settings_.max_queue_delay_us));
    }
    while (!queue_.empty() && (taken.empty() || rows + queue_.front()->rows.num_rows() <= settings_.max_batch_rows)) {
      rows += queue_.front()->rows.num_rows();
      queued_rows_ -= queue_.front()->rows.num_rows();
      taken.push_back(std::move(queue_.front()));
      queue_.pop_front();
    }
    if (!taken.empty()) {
      InFlight& f = inflight_[seq];
      f.dispatched = now;
      f.requests = taken;
      f.outcomes.resize(taken.size());
      f.rows.reserve(static_cast<size_t>(rows));
      for (size_t q = 0; q < taken.size(); ++q) {
        const int32_t n = static_cast<int32_t>(taken[q]->rows.num_rows());
        f.outcomes[q].resize(static_cast<size_t>(n));
        for (int32_t r = 0; r < n; ++r) f.rows.emplace_back(static_cast<int32_t>(q), r);
      }
      inflight_requests_ += static_cast<int64_t>(taken.size());
    }
  }
  if (!expired.empty()) cv_.notify_all();  // the expiry thread's earliest deadline may have gone
  for (const auto& r : expired) {
    RequestResult result;
    result.kind = RequestResult::Kind::kExpired;
    result.queue_seconds = Seconds(now - r->arrived);
    Answer(r, std::move(result));
  }
  if (taken.empty()) return NextBatch(seq);  // only expired ones were due
  if (metrics_ != nullptr) metrics_->Batch(rows);
  return Concatenate(taken, rows);
}

std::string RequestBatcher::RequestIdOf(uint64_t seq, int32_t origin) const {
  std::lock_guard<std::mutex> l(mu_);
  auto it = inflight_.find(seq);
  if (it == inflight_.end() || origin < 0 || static_cast<size_t>(origin) >= it->second.rows.size()) return "";
  return it->second.requests[static_cast<size_t>(it->second.rows[static_cast<size_t>(origin)].first)]->id;
}

void RequestBatcher::Respond(uint64_t seq, std::shared_ptr<const trestle::Batch> rows, const RowOrigin& origin) {
  std::lock_guard<std::mutex> l(mu_);
  auto it = inflight_.find(seq);
  if (it == inflight_.end()) return;
  InFlight& f = it->second;
  if (!origin.lost_at.empty()) {
    f.lost_at = origin.lost_at;
    return;
  }
  for (size_t i = 0; i < origin.rows.size(); ++i) {
    const auto [q, r] = f.rows[static_cast<size_t>(origin.rows[i])];
    RowOutcome& o = f.outcomes[static_cast<size_t>(q)][static_cast<size_t>(r)];
    o.batch = rows;
    o.row = static_cast<int64_t>(i);
  }
}

void RequestBatcher::Refused(uint64_t seq, const std::string& node, const std::vector<RefusedRow>& rows) {
  std::lock_guard<std::mutex> l(mu_);
  auto it = inflight_.find(seq);
  if (it == inflight_.end()) return;
  InFlight& f = it->second;
  for (const RefusedRow& row : rows) {
    const auto [q, r] = f.rows[static_cast<size_t>(row.origin)];
    RowOutcome& o = f.outcomes[static_cast<size_t>(q)][static_cast<size_t>(r)];
    if (o.node.empty()) o.node = node, o.code = CodeName(row.code), o.reason = row.reason;
  }
}

void RequestBatcher::ModelServed(uint64_t seq, const std::string& node, const std::string& version) {
  std::lock_guard<std::mutex> l(mu_);
  auto it = inflight_.find(seq);
  if (it != inflight_.end()) it->second.versions[node] = version;
}

void RequestBatcher::BatchDone(uint64_t seq) {
  InFlight f;
  std::function<std::optional<std::string>()> probe;
  {
    std::lock_guard<std::mutex> l(mu_);
    auto it = inflight_.find(seq);
    if (it == inflight_.end()) return;
    f = std::move(it->second);
    inflight_.erase(it);
    inflight_requests_ -= static_cast<int64_t>(f.requests.size());
    probe = failure_probe_;
  }
  cv_.notify_all();
  const auto now = Clock::now();
  std::string version;
  for (const auto& [node, v] : f.versions) version += (version.empty() ? "" : ",") + (f.versions.size() > 1 ? node + "=" + v : v);
  std::optional<std::string> failure;
  for (size_t q = 0; q < f.requests.size(); ++q) {
    RequestResult result;
    result.model_version = version;
    result.queue_seconds = Seconds(f.dispatched - f.requests[q]->arrived);
    result.compute_seconds = Seconds(now - f.dispatched);
    result.batch_rows = static_cast<int64_t>(f.rows.size());
    bool unanswered = false;
    for (RowOutcome& o : f.outcomes[q]) {
      if (o.batch || !o.node.empty()) continue;
      unanswered = true;
      if (!f.lost_at.empty()) {
        o.node = f.lost_at;
        o.code = "NOT_ANSWERED";
        o.reason = "node \"" + f.lost_at +
                   "\" dropped rows of this batch without rejecting them (a filter?), so which rows reached the "
                   "response is not known; this row is not answered";
      }
    }
    if (unanswered && f.lost_at.empty() && !failure && probe) failure = probe();
    if (unanswered && f.lost_at.empty() && failure) {
      result.kind = RequestResult::Kind::kFailed;
      result.error = *failure;
    } else {
      for (RowOutcome& o : f.outcomes[q]) {
        if (o.batch || !o.node.empty()) continue;
        o.code = "NOT_ANSWERED";
        o.reason = "the row did not reach the response node and no node reported refusing it";
      }
      result.rows = std::move(f.outcomes[q]);
    }
    Answer(f.requests[q], std::move(result));
  }
}

}  // namespace trestle::core
