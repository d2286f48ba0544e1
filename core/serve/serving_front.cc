#include "serve/serving_front.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <thread>

#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>

#include <glog/logging.h>
#include <nlohmann/json.hpp>

#include "observe/prometheus.h"

namespace trestle::core {

namespace {

constexpr const char* kJson = "application/json";

std::vector<std::string> SplitPath(const std::string& path) {
  std::vector<std::string> parts;
  size_t i = 0;
  while (i < path.size()) {
    while (i < path.size() && path[i] == '/') ++i;
    size_t j = path.find('/', i);
    if (j == std::string::npos) j = path.size();
    if (j > i) parts.push_back(path.substr(i, j - i));
    i = j;
  }
  return parts;
}

std::string Json(const nlohmann::json& j) { return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace); }

double SecondsSince(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

// Problems of single requests, logged with their request id: every one at -v=1, and at
// most one in 100 otherwise, so that a client sending bad rows cannot flood the log.
void LogRequestProblem(const std::string& text) {
  VLOG(1) << text;
  if (!VLOG_IS_ON(1)) {
    LOG_EVERY_N(WARNING, 100) << text << " (1 in 100 such messages is logged; -v=1 logs all)";
  }
}

}  // namespace

ServingFront::ServingFront(ServingInfo info, RequestBatcher* batcher, ServingMetrics* metrics)
    : info_(std::move(info)),
      batcher_(batcher),
      metrics_(metrics),
      parsers_(std::make_unique<boost::asio::thread_pool>(std::max(1u, std::thread::hardware_concurrency()))) {}

ServingFront::~ServingFront() { parsers_->join(); }

void ServingFront::Reply(HttpResponder& responder, int status, std::string body, const std::string& version,
                         int64_t rows, std::chrono::steady_clock::time_point received, const std::string& request_id) {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  r.content_type = kJson;
  if (!request_id.empty()) r.headers.emplace_back("X-Request-Id", request_id);
  if (status == 429) r.headers.emplace_back("Retry-After", "1");
  metrics_->Request(status, version, rows, SecondsSince(received), 0, 0);
  responder.Send(std::move(r));
}

void ServingFront::Handle(HttpRequest request, HttpResponder responder) {
  const std::vector<std::string> parts = SplitPath(request.path);
  const bool get = request.method == HttpMethod::kGet || request.method == HttpMethod::kHead;
  auto send = [&](int status, std::string body, const char* type = kJson) {
    HttpResponse r;
    r.status = status;
    r.body = std::move(body);
    r.content_type = type;
    responder.Send(std::move(r));
  };
  // 405, with the methods the route takes in Allow (RFC 9110, 15.5.6).
  auto only = [&](const char* allowed) {
    HttpResponse r;
    r.status = 405;
    r.body = EncodeError(std::string("only ") + allowed);
    r.content_type = kJson;
    r.headers.emplace_back("Allow", std::string(allowed) == "GET" ? "GET, HEAD" : allowed);
    responder.Send(std::move(r));
  };
  auto not_found = [&](const std::string& what) { send(404, EncodeError(what)); };
  const Readiness ready = info_.readiness ? info_.readiness() : Readiness{true, ""};

  if (parts.size() == 1 && parts[0] == "metrics") {
    if (!get) return only("GET");
    std::string text = info_.run_metrics ? info_.run_metrics() : std::string();
    Exposition e;
    metrics_->AddTo(e, batcher_->QueuedRows(), batcher_->Outstanding());
    return send(200, text + e.Render(), kPrometheusContentType);
  }
  if (parts.empty() || parts[0] != "v2") return not_found("no route " + request.path + "; the KServe v2 routes are under /v2");
  if (parts.size() == 1) {
    if (!get) return only("GET");
    return send(200, Json({{"name", "trestle"}, {"version", TRESTLE_VERSION}, {"extensions", nlohmann::json::array()}}));
  }
  if (parts.size() == 3 && parts[1] == "health" && (parts[2] == "live" || parts[2] == "ready")) {
    if (!get) return only("GET");
    if (parts[2] == "live") return send(200, Json({{"live", true}}));
    nlohmann::json j = {{"ready", ready.ready}};
    if (!ready.ready) j["reason"] = ready.reason;
    return send(ready.ready ? 200 : 503, Json(j));
  }
  if (parts.size() < 3 || parts[1] != "models") return not_found("no route " + request.path);
  if (parts[2] != info_.model_name)
    return not_found("model \"" + parts[2] + "\" is not served here; this server serves \"" + info_.model_name + "\"");
  // /v2/models/{name}[/versions/{v}][/ready|/infer]
  size_t next = 3;
  const std::string serving = info_.version ? info_.version() : std::string();
  if (parts.size() > next + 1 && parts[next] == "versions") {
    if (parts[next + 1] != serving)
      return not_found("version \"" + parts[next + 1] + "\" of model \"" + info_.model_name +
                       "\" is not served; the version served now is \"" + serving + "\"");
    next += 2;
  }
  const std::string action = parts.size() > next ? parts[next] : "";
  if (parts.size() > next + 1 || (!action.empty() && action != "ready" && action != "infer"))
    return not_found("no route " + request.path);
  if (action.empty()) {
    if (!get) return only("GET");
    std::vector<std::string> versions;
    if (!serving.empty()) versions.push_back(serving);
    return send(200, EncodeModelMetadata(info_.model_name, versions, info_.request_schema, info_.response_schema));
  }
  if (action == "ready") {
    if (!get) return only("GET");
    nlohmann::json j = {{"name", info_.model_name}, {"ready", ready.ready}};
    if (!ready.ready) j["reason"] = ready.reason;
    return send(ready.ready ? 200 : 503, Json(j));
  }
  if (request.method != HttpMethod::kPost) return only("POST");
  if (!ready.ready) {
    return Reply(responder, 503, EncodeError("not ready: " + ready.reason), "", 0, request.received);
  }
  // Parsing a body is the costly part of a request here; off the server's thread, it
  // uses every core while the server thread keeps serving connections.
  boost::asio::post(*parsers_, [this, request = std::move(request), responder = std::move(responder)]() mutable {
    Infer(std::move(request), std::move(responder));
  });
}

void ServingFront::Infer(HttpRequest request, HttpResponder responder) {
  const auto received = request.received;
  auto parsed = ParseInferRequest(request.body, info_.request_schema, info_.response_schema);
  if (!parsed.ok()) return Reply(responder, 400, EncodeError(parsed.status().message()), "", 0, received);
  auto req = std::make_shared<InferRequest>(std::move(parsed).value());
  if (req->id.empty()) {
    auto h = request.headers.find("x-request-id");
    req->id = h != request.headers.end() && !h->second.empty() ? h->second : "req-" + std::to_string(next_id_.fetch_add(1));
  }
  int64_t timeout_ms = info_.default_timeout_ms;
  if (req->timeout_ms) {
    timeout_ms = *req->timeout_ms;
  } else if (auto h = request.headers.find(kTimeoutHeader); h != request.headers.end()) {
    int64_t v = 0;
    auto [p, ec] = std::from_chars(h->second.data(), h->second.data() + h->second.size(), v);
    if (ec != std::errc() || p != h->second.data() + h->second.size() || v <= 0)
      return Reply(responder, 400,
                   EncodeError(std::string("header ") + kTimeoutHeader + ": \"" + h->second +
                               "\" is not a positive number of milliseconds"),
                   "", 0, received, req->id);
    timeout_ms = v;
  }
  const int64_t rows = req->rows.num_rows();
  auto pending = std::make_shared<PendingRequest>();
  pending->id = req->id;
  pending->rows = req->rows;
  pending->arrived = received;
  if (timeout_ms > 0) pending->deadline = received + std::chrono::milliseconds(timeout_ms);
  // The responder moves into the completion, which runs once on whichever thread
  // settles the request.
  auto holder = std::make_shared<HttpResponder>(std::move(responder));
  pending->done = [this, req, holder, received, rows, timeout_ms](RequestResult result) {
    HttpResponse r;
    r.content_type = kJson;
    r.headers.emplace_back("X-Request-Id", req->id);
    switch (result.kind) {
      case RequestResult::Kind::kAnswered: {
        r.status = 200;
        r.body = EncodeInferResponse(*req, info_.model_name, result.model_version, info_.response_schema, result.rows);
        int64_t errors = 0;
        const RowOutcome* first = nullptr;
        for (const RowOutcome& o : result.rows)
          if (!o.batch) ++errors, first = first ? first : &o;
        if (first != nullptr)
          LogRequestProblem("request " + req->id + ": " + std::to_string(errors) + " of " + std::to_string(rows) +
                            " row(s) not answered; the first by node \"" + first->node + "\": " + first->reason);
        break;
      }
      case RequestResult::Kind::kExpired:
        r.status = 504;
        r.body = EncodeError("the request's deadline of " + std::to_string(timeout_ms) + " ms passed after " +
                             std::to_string(static_cast<int64_t>(result.queue_seconds * 1000)) +
                             " ms in the queue; it was not run");
        break;
      case RequestResult::Kind::kFailed:
        r.status = 500;
        r.body = EncodeError(result.error);
        LogRequestProblem("request " + req->id + " failed: " + result.error);
        break;
    }
    metrics_->Request(r.status, result.model_version, rows, SecondsSince(received), result.queue_seconds,
                      result.compute_seconds);
    holder->Send(std::move(r));
  };
  switch (batcher_->Submit(pending)) {
    case RequestBatcher::Admit::kQueued:
      return;
    case RequestBatcher::Admit::kFull:
      return Reply(*holder, 429,
                   EncodeError("the queue is full (" + std::to_string(batcher_->settings().max_queue_rows) +
                               " rows wait); retry later"),
                   "", rows, received, req->id);
    case RequestBatcher::Admit::kTooLarge:
      return Reply(*holder, 413,
                   EncodeError("the request has " + std::to_string(rows) + " rows; a batch holds at most " +
                               std::to_string(batcher_->settings().max_batch_rows) + " (max_batch_rows)"),
                   "", rows, received, req->id);
    case RequestBatcher::Admit::kClosed:
      return Reply(*holder, 503, EncodeError("the server is draining; send the request elsewhere"), "", rows, received,
                   req->id);
  }
}

}  // namespace trestle::core
