#pragma once
/// ServeSession: what `trestle serve` adds to a run (docs/serving.md). The run is an
/// ordinary FlowRunner run of the pipeline's plan, with the plan's one source and its
/// response sink replaced by a RequestBatcher (exec/request_port.h); this session owns
/// that batcher, the HTTP front on --listen, the warm-up and the drain:
///   Prepare(plan)   picks and checks the source and the response node, closes their
///                   operators (never called in serving), parses the warm-up request;
///   Start(runner)   binds the listener and starts a supervisor thread that runs the
///                   warm-up (readiness stays false until it succeeded) and ends the
///                   requests' stream when the run fails;
///   Drain()         first signal: readiness false, no new connections or requests,
///                   what was admitted is answered, then the request stream ends and the
///                   run ends as a batch run does (commit, report);
///   Finish()        after the run: lets the last responses go out, stops the server.

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "common/status.h"
#include "exec/flow_runner.h"
#include "graph/plan.h"
#include "observe/admin_server.h"
#include "observe/http_server.h"
#include "proto/pipeline.pb.h"
#include "serve/request_batcher.h"
#include "serve/serving_front.h"
#include "serve/serving_metrics.h"

namespace trestle::cli {

struct ServeFlags {
  std::string listen;    ///< empty: serve.listen, else 127.0.0.1:8080
  std::string response;  ///< empty: serve.response, else the only sink fed by the source
  std::string warmup;    ///< a request body file; empty: serve.warmup
  // < 0: the pipeline's serve section, else its default
  int64_t max_batch_rows = -1, preferred_batch_rows = -1, max_queue_delay_us = -1, max_queue_rows = -1;
  int64_t request_timeout_ms = -1;
};

class ServeSession {
 public:
  ServeSession(ServeFlags flags, config::Serve serve);
  ~ServeSession();
  ServeSession(const ServeSession&) = delete;
  ServeSession& operator=(const ServeSession&) = delete;

  /// INVALID_ARGUMENT naming the node (or the option) when the plan cannot be served.
  core::Status Prepare(core::Plan* plan);
  /// The engine's request source; valid after Prepare().
  core::RequestPort* port() { return batcher_.get(); }
  /// Binds the listener (UNAVAILABLE when it cannot) and starts the warm-up. `runner`
  /// runs the prepared plan and outlives this session's Finish().
  core::Status Start(core::FlowRunner* runner, std::function<std::string()> run_metrics);
  /// Signal-safe enough for the signal watcher's thread: never blocks.
  void Drain();
  /// After FlowRunner::Run() returned.
  void Finish();

  uint16_t port_number() const { return server_ ? server_->port() : 0; }

 private:
  void Supervise(core::FlowRunner* runner);
  core::Readiness Readiness() const;

  ServeFlags flags_;
  config::Serve serve_;
  core::Plan* plan_ = nullptr;
  int source_ = -1, response_ = -1;
  std::string warmup_body_;
  core::ServingInfo info_;
  core::AdminAddress listen_;
  std::unique_ptr<core::ServingMetrics> metrics_;
  std::unique_ptr<core::RequestBatcher> batcher_;
  std::unique_ptr<core::ServingFront> front_;
  std::unique_ptr<core::HttpServer> server_;
  core::FlowRunner* runner_ = nullptr;
  std::atomic<bool> warm_{false}, draining_{false}, done_{false};
  std::string warmup_error_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::thread supervisor_;
};

}  // namespace trestle::cli
