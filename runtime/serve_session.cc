#include "serve_session.h"

#include <chrono>
#include <fstream>
#include <future>
#include <sstream>

#include <glog/logging.h>

#include "common/signal_stack.h"

namespace trestle::cli {

namespace {

using core::InvalidArgument;
using core::Role;

int64_t Pick(int64_t flag, int64_t file, int64_t fallback) { return flag >= 0 ? flag : file > 0 ? file : fallback; }

// Nodes on the way from `from` to `to`, and how many distinct paths there are.
int64_t Paths(const core::Plan& plan, int from, int to) {
  if (from == to) return 1;
  int64_t p = 0;
  for (int o : plan.nodes[static_cast<size_t>(from)]->outputs) p += Paths(plan, o, to);
  return p;
}

std::string ServedVersion(const core::Plan& plan) {
  std::string out;
  int models = 0;
  for (const auto& n : plan.nodes) models += n->model ? 1 : 0;
  for (const auto& n : plan.nodes) {
    if (!n->model) continue;
    const std::string v = n->model->Current()->record().label();
    out += (out.empty() ? "" : ",") + (models > 1 ? n->name + "=" + v : v);
  }
  return out;
}

}  // namespace

ServeSession::ServeSession(ServeFlags flags, config::Serve serve) : flags_(std::move(flags)), serve_(std::move(serve)) {}

ServeSession::~ServeSession() { Finish(); }

core::Status ServeSession::Prepare(core::Plan* plan) {
  plan_ = plan;
  const std::string listen = !flags_.listen.empty() ? flags_.listen : !serve_.listen().empty() ? serve_.listen() : "127.0.0.1:8080";
  auto address = core::ParseAdminAddress(listen);
  if (!address.ok()) return InvalidArgument("--listen \"" + listen + "\": " + address.status().message());
  listen_ = *address;

  std::vector<int> sources;
  for (size_t i = 0; i < plan->nodes.size(); ++i) {
    const core::PlannedNode& n = *plan->nodes[i];
    if (n.info.role == Role::kSource) sources.push_back(static_cast<int>(i));
    if (n.info.aggregating)
      return InvalidArgument("node \"" + n.name + "\" (" + n.type +
                             ") aggregates: its result comes at the end of its input, which a server never reaches; "
                             "serve a pipeline without aggregating nodes");
  }
  if (sources.size() != 1) {
    std::string names;
    for (int s : sources) names += (names.empty() ? "\"" : ", \"") + plan->nodes[static_cast<size_t>(s)]->name + "\"";
    return InvalidArgument("a served pipeline has exactly one source (its rows become the requests); this one has " +
                           std::to_string(sources.size()) + (names.empty() ? "" : ": " + names));
  }
  source_ = sources.front();
  const std::string& source_name = plan->nodes[static_cast<size_t>(source_)]->name;

  const std::string wanted = !flags_.response.empty() ? flags_.response : serve_.response();
  if (!wanted.empty()) {
    response_ = plan->NodeIndex(wanted);
    if (response_ < 0) return InvalidArgument("serve.response / --response: no node \"" + wanted + "\"");
    if (plan->nodes[static_cast<size_t>(response_)]->info.role != Role::kSink)
      return InvalidArgument("serve.response / --response: node \"" + wanted + "\" is a " +
                             core::RoleName(plan->nodes[static_cast<size_t>(response_)]->info.role) +
                             ", not a sink");
  } else {
    std::vector<int> candidates;
    std::string names;
    for (size_t i = 0; i < plan->nodes.size(); ++i) {
      const core::PlannedNode& n = *plan->nodes[i];
      if (n.info.role != Role::kSink || Paths(*plan, source_, static_cast<int>(i)) == 0) continue;
      candidates.push_back(static_cast<int>(i));
      names += (names.empty() ? "\"" : ", \"") + n.name + "\"";
    }
    if (candidates.size() != 1)
      return InvalidArgument(std::string(candidates.empty() ? "no sink receives" : "several sinks receive") +
                             " the rows of source \"" + source_name + "\"" + (names.empty() ? "" : " (" + names + ")") +
                             "; name the one whose rows answer requests with serve.response or --response");
    response_ = candidates.front();
  }
  core::PlannedNode& response = *plan->nodes[static_cast<size_t>(response_)];
  const int64_t paths = Paths(*plan, source_, response_);
  if (paths != 1)
    return InvalidArgument("node \"" + response.name + "\" receives the rows of source \"" + source_name + "\" by " +
                           std::to_string(paths) + " paths; a response node needs exactly one (each row answered once)");
  for (int in : response.inputs)
    if (plan->nodes[static_cast<size_t>(in)]->info.role == Role::kMonitor)
      return InvalidArgument("node \"" + response.name + "\" is fed by monitor \"" +
                             plan->nodes[static_cast<size_t>(in)]->name + "\"; a response node receives data rows only");
  if (response.inputs.size() != 1)
    return InvalidArgument("node \"" + response.name + "\" has " + std::to_string(response.inputs.size()) +
                           " inputs; a response node has one");

  core::BatchingSettings b;
  b.max_batch_rows = Pick(flags_.max_batch_rows, serve_.max_batch_rows(), b.max_batch_rows);
  b.preferred_batch_rows = Pick(flags_.preferred_batch_rows, serve_.preferred_batch_rows(), 0);
  b.max_queue_delay_us = Pick(flags_.max_queue_delay_us, serve_.max_queue_delay_us(), b.max_queue_delay_us);
  b.max_queue_rows = Pick(flags_.max_queue_rows, serve_.max_queue_rows(), std::max(b.max_queue_rows, b.max_batch_rows));
  if (b.max_batch_rows < 1) return InvalidArgument("--max-batch-rows must be at least 1");
  if (b.preferred_batch_rows > b.max_batch_rows)
    return InvalidArgument("the preferred batch (" + std::to_string(b.preferred_batch_rows) +
                           " rows) is larger than max_batch_rows (" + std::to_string(b.max_batch_rows) + ")");
  if (b.max_queue_rows < b.max_batch_rows)
    return InvalidArgument("max_queue_rows (" + std::to_string(b.max_queue_rows) +
                           ") must be at least max_batch_rows (" + std::to_string(b.max_batch_rows) + ")");

  const std::string warmup = !flags_.warmup.empty() ? flags_.warmup : serve_.warmup();
  core::PlannedNode& source = *plan->nodes[static_cast<size_t>(source_)];
  const trestle::Schema request_schema = source.output_schema;
  const trestle::Schema response_schema = plan->nodes[static_cast<size_t>(response.inputs.front())]->output_schema;
  if (!warmup.empty()) {
    std::ifstream in(warmup, std::ios::binary);
    std::ostringstream body;
    body << in.rdbuf();
    if (!in) return InvalidArgument("the warm-up request " + warmup + " cannot be read");
    warmup_body_ = body.str();
    auto parsed = core::ParseInferRequest(warmup_body_, request_schema, response_schema);
    if (!parsed.ok()) return InvalidArgument("the warm-up request " + warmup + ": " + parsed.status().message());
  }

  // The operators the requests and responses stand in for are never called.
  for (core::PlannedNode* n : {&source, &response})
    for (auto& inst : n->instances)
      if (core::Status st = inst->Close(); !st.ok()) LOG(WARNING) << "node \"" << n->name << "\": close: " << st.ToString();

  metrics_ = std::make_unique<core::ServingMetrics>(plan->pipeline);
  batcher_ = std::make_unique<core::RequestBatcher>(b, metrics_.get());
  batcher_->source_node = source_;
  batcher_->response_node = response_;
  info_.model_name = plan->pipeline;
  info_.request_schema = request_schema;
  info_.response_schema = response_schema;
  info_.version = [plan] { return ServedVersion(*plan); };
  info_.readiness = [this] { return Readiness(); };
  info_.default_timeout_ms = Pick(flags_.request_timeout_ms, serve_.request_timeout_ms(), 0);
  return core::Status::Ok();
}

core::Readiness ServeSession::Readiness() const {
  if (draining_.load()) return {false, "draining"};
  if (runner_ == nullptr) return {false, "starting"};
  if (runner_->state().failed()) return {false, "failed"};
  if (!runner_->Ready()) return {false, "starting"};
  if (!warm_.load()) return {false, "warming up"};
  return {true, ""};
}

core::Status ServeSession::Start(core::FlowRunner* runner, std::function<std::string()> run_metrics) {
  runner_ = runner;
  batcher_->set_failure_probe([runner]() -> std::optional<std::string> {
    if (!runner->state().failed()) return std::nullopt;
    return "the pipeline failed: " + runner->state().first_error().ToString();
  });
  info_.run_metrics = std::move(run_metrics);
  front_ = std::make_unique<core::ServingFront>(info_, batcher_.get(), metrics_.get());
  core::HttpServer::Options o;
  o.name = "serving endpoint";
  core::ServingFront* front = front_.get();
  o.handler = [front](core::HttpRequest req, core::HttpResponder res) { front->Handle(std::move(req), std::move(res)); };
  o.max_body_bytes = static_cast<size_t>(serve_.max_body_bytes() > 0 ? serve_.max_body_bytes() : 4 << 20);
  o.max_header_bytes = 16 << 10;
  o.max_connections = 1024;
  server_ = std::make_unique<core::HttpServer>(std::move(o));
  core::Status st = server_->Start(listen_);
  if (!st.ok()) return st;
  LOG(INFO) << "serving pipeline \"" << plan_->pipeline << "\" on http://" << server_->bound_address()
            << "/v2/models/" << plan_->pipeline << "/infer";
  supervisor_ = std::thread([this, runner] {
    core::EnsureSignalStack();
    Supervise(runner);
  });
  return core::Status::Ok();
}

void ServeSession::Supervise(core::FlowRunner* runner) {
  auto wait = [&](auto pred, std::chrono::milliseconds step) {
    std::unique_lock<std::mutex> l(mu_);
    while (!done_.load() && !pred()) cv_.wait_for(l, step);
    return !done_.load();
  };
  // The warm-up: once the graph runs, one request through all of it.
  if (!wait([&] { return runner->Ready() || runner->state().failed() || draining_.load(); },
            std::chrono::milliseconds(5)))
    return;
  if (!warmup_body_.empty() && !runner->state().failed() && !draining_.load()) {
    std::promise<core::RequestResult> result;
    auto future = result.get_future();
    auto pending = std::make_shared<core::PendingRequest>();
    pending->id = "warm-up";
    pending->rows = core::ParseInferRequest(warmup_body_, info_.request_schema, info_.response_schema)->rows;
    pending->done = [&result](core::RequestResult r) { result.set_value(std::move(r)); };
    const auto t0 = std::chrono::steady_clock::now();
    std::string error;
    if (batcher_->Submit(pending) != core::RequestBatcher::Admit::kQueued) {
      error = "the warm-up request was not admitted (it has more rows than max_batch_rows, or the server is stopping)";
    } else {
      core::RequestResult r = future.get();
      if (r.kind != core::RequestResult::Kind::kAnswered) error = r.kind == core::RequestResult::Kind::kFailed ? r.error : "it expired";
      for (const core::RowOutcome& o : r.rows)
        if (!o.batch && error.empty()) error = "row refused by node \"" + o.node + "\": " + o.reason;
    }
    if (!error.empty()) {
      LOG(ERROR) << "the warm-up request failed: " << error;
      runner->Abort("the warm-up request failed: " + error);
      batcher_->Abort("the warm-up request failed");
      return;
    }
    LOG(INFO) << "warm-up request answered in "
              << std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count() << " ms";
  }
  warm_.store(true);
  LOG(INFO) << "ready: serving version " << ServedVersion(*plan_);
  // A run that fails ends the requests' stream: what waits is answered with the failure.
  wait([&] { return runner->state().failed(); }, std::chrono::milliseconds(50));
  if (runner->state().failed()) batcher_->Abort("the pipeline failed: " + runner->state().first_error().ToString());
}

void ServeSession::Drain() {
  if (draining_.exchange(true) || !batcher_) return;
  LOG(INFO) << "draining: no new requests; answering the " << batcher_->Outstanding() << " admitted";
  if (server_) server_->StopAccepting();
  batcher_->Close();
  cv_.notify_all();
}

void ServeSession::Finish() {
  {
    std::lock_guard<std::mutex> l(mu_);
    done_.store(true);
  }
  cv_.notify_all();
  if (supervisor_.joinable()) supervisor_.join();
  if (batcher_) batcher_->Abort("the server stopped");
  if (server_) {
    // The last responses were handed to the server's thread; give them a moment to go.
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    while (std::chrono::steady_clock::now() < until) {
      const core::HttpServer::Stats s = server_->stats();
      if (s.open == s.idle) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    server_->Stop();
  }
}

}  // namespace trestle::cli
