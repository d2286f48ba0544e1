#pragma once
/// ServingFront: the HTTP routes of `trestle serve` (docs/serving.md), on an HttpServer:
///   GET  /v2/health/live, /v2/health/ready     liveness, readiness (KServe v2)
///   GET  /v2                                   server metadata
///   GET  /v2/models/{name}[/versions/{v}]      model metadata
///   GET  /v2/models/{name}[/versions/{v}]/ready
///   POST /v2/models/{name}[/versions/{v}]/infer  v2 tensors or {"instances": [...]}
///   GET  /metrics                              the run's exposition and the serving one
/// An infer request is parsed and checked here (400 naming the field), admitted to the
/// batcher or refused at the door (429 + Retry-After, 413, 503), and answered when its
/// rows come back: 200 with one entry per row, 504 when its deadline passed before it
/// ran, 500 when the pipeline failed. Every answer is counted in ServingMetrics.
///
/// Request bodies are parsed on a small pool of its own (one thread per core), not on the
/// server's thread, which only reads and writes connections. Borrows the batcher and the
/// metrics (they outlive it); the callbacks are called on the server's thread and on
/// the pool's. Its destructor waits for the parses under way.

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "observe/admin_server.h"
#include "observe/http_server.h"
#include "serve/request_batcher.h"
#include "serve/serving_metrics.h"
#include "trestle/schema.hpp"

namespace boost::asio {
class thread_pool;
}

namespace trestle::core {

struct ServingInfo {
  std::string model_name;          ///< the pipeline's name: /v2/models/{name}
  trestle::Schema request_schema;  ///< what a request supplies (the source's columns)
  trestle::Schema response_schema; ///< what a response returns (the response node's input)
  std::function<std::string()> version;      ///< the version served now ("" when none)
  std::function<Readiness()> readiness;
  std::function<std::string()> run_metrics;  ///< the run's exposition, or null
  int64_t default_timeout_ms = 0;            ///< deadline of a request that names none; 0 = none
};

class ServingFront {
 public:
  ServingFront(ServingInfo info, RequestBatcher* batcher, ServingMetrics* metrics);
  ~ServingFront();
  ServingFront(const ServingFront&) = delete;
  ServingFront& operator=(const ServingFront&) = delete;

  /// The HttpServer handler.
  void Handle(HttpRequest request, HttpResponder responder);

  /// The header a request's deadline may come in, in milliseconds from its arrival.
  static constexpr const char* kTimeoutHeader = "x-request-timeout-ms";

 private:
  void Infer(HttpRequest request, HttpResponder responder);
  void Reply(HttpResponder& responder, int status, std::string body, const std::string& version, int64_t rows,
             std::chrono::steady_clock::time_point received, const std::string& request_id = "");

  ServingInfo info_;
  RequestBatcher* batcher_;
  ServingMetrics* metrics_;
  std::atomic<uint64_t> next_id_{1};
  std::unique_ptr<boost::asio::thread_pool> parsers_;
};

}  // namespace trestle::core
