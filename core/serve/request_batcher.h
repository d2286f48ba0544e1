#pragma once
/// RequestBatcher: the dynamic batcher of `trestle serve` (Triton's semantics). Requests
/// wait in one FIFO queue; the engine's request source (exec/request_port.h) takes a
/// batch when the queued rows reach `preferred_batch_rows` (or `max_batch_rows`), or
/// when the oldest request has waited `max_queue_delay_us`, and then as many whole
/// requests, oldest first, as fit in `max_batch_rows`. The rows of every request come
/// back split by request: each request's `done` is called exactly once, with one outcome
/// per row, in the request's order.
///
/// The front is refused at the door, never by dropping rows later: a full queue
/// (`max_queue_rows`) is kFull (429), a request of more rows than a batch holds is
/// kTooLarge, a closed batcher kClosed. A request whose deadline passes while it waits
/// is answered kExpired and never enters the graph (no work is spent on it).
///
/// Thread-safe. Owns the requests while they wait or are in the graph; `done` is called
/// on whichever thread settles the request (the engine's, or the batcher's expiry
/// thread) and must not block.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "exec/request_port.h"
#include "serve/infer_codec.h"
#include "serve/serving_metrics.h"
#include "trestle/batch.hpp"

namespace trestle::core {

struct BatchingSettings {
  int64_t max_batch_rows = 256;       ///< rows per engine batch at most
  int64_t preferred_batch_rows = 0;   ///< dispatch at once when this many rows wait; 0 = max_batch_rows
  int64_t max_queue_delay_us = 1000;  ///< how long the oldest request may wait for others
  int64_t max_queue_rows = 8192;      ///< rows waiting at most; beyond, requests get 429
};

/// How a request ended.
struct RequestResult {
  enum class Kind { kAnswered, kExpired, kFailed };
  Kind kind = Kind::kAnswered;
  std::vector<RowOutcome> rows;  ///< kAnswered: one per request row
  std::string model_version;     ///< the versions that served it, "node=version" joined when several
  std::string error;             ///< kFailed: why (the run failed, or the batcher was aborted)
  double queue_seconds = 0;      ///< from arrival to dispatch
  double compute_seconds = 0;    ///< from dispatch to the end of its engine batch
  int64_t batch_rows = 0;        ///< rows of the engine batch that carried it
};

struct PendingRequest {
  std::string id;
  trestle::Batch rows;
  std::chrono::steady_clock::time_point arrived = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
  std::function<void(RequestResult)> done;
};

class RequestBatcher : public RequestPort {
 public:
  enum class Admit { kQueued, kFull, kTooLarge, kClosed };

  /// `metrics` (optional, not owned, outlives the batcher) counts the batches formed.
  explicit RequestBatcher(BatchingSettings settings, ServingMetrics* metrics = nullptr);
  ~RequestBatcher() override;  ///< Abort("the server stopped") for what is left

  /// Queues a request (its rows in the request schema).
  Admit Submit(std::shared_ptr<PendingRequest> request);
  /// No new requests; those queued are still dispatched, then NextBatch() ends.
  void Close();
  /// Answers every queued request kFailed with `why`, closes, and ends NextBatch().
  /// Requests already in the graph are answered when their batch ends.
  void Abort(const std::string& why);
  /// Called when a batch ends with rows unanswered: a run failure to report (else those
  /// rows are answered "not answered" errors).
  void set_failure_probe(std::function<std::optional<std::string>()> probe);

  /// Requests queued or in the graph.
  int64_t Outstanding() const;
  int64_t QueuedRows() const;
  const BatchingSettings& settings() const { return settings_; }

  // RequestPort
  std::optional<trestle::Batch> NextBatch(uint64_t seq) override;
  std::string RequestIdOf(uint64_t seq, int32_t origin) const override;
  void Respond(uint64_t seq, std::shared_ptr<const trestle::Batch> rows, const RowOrigin& origin) override;
  void Refused(uint64_t seq, const std::string& node, const std::vector<RefusedRow>& rows) override;
  void ModelServed(uint64_t seq, const std::string& node, const std::string& version) override;
  void BatchDone(uint64_t seq) override;

 private:
  using Clock = std::chrono::steady_clock;
  struct InFlight {
    std::vector<std::shared_ptr<PendingRequest>> requests;
    std::vector<std::pair<int32_t, int32_t>> rows;  ///< engine row -> (request, row in request)
    std::vector<std::vector<RowOutcome>> outcomes;  ///< by request
    std::map<std::string, std::string> versions;    ///< model node -> version
    std::string lost_at;
    Clock::time_point dispatched;
  };
  bool ReadyLocked(Clock::time_point now) const;
  /// Takes expired requests off the queue (to answer outside the lock).
  void ExpireLocked(Clock::time_point now, std::vector<std::shared_ptr<PendingRequest>>* expired);
  void ExpiryLoop();
  static void Answer(const std::shared_ptr<PendingRequest>& r, RequestResult result);

  const BatchingSettings settings_;
  ServingMetrics* const metrics_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::shared_ptr<PendingRequest>> queue_;
  int64_t queued_rows_ = 0;
  bool closed_ = false;
  std::map<uint64_t, InFlight> inflight_;
  int64_t inflight_requests_ = 0;
  std::function<std::optional<std::string>()> failure_probe_;
  bool stop_expiry_ = false;
  std::thread expiry_;
};

}  // namespace trestle::core
