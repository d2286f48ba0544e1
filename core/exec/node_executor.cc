#include "exec/node_executor.h"

#include <algorithm>
#include <chrono>
#include <set>

#include <glog/logging.h>

namespace trestle::core {

namespace {
double SecondsSince(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}
}  // namespace

NodeExecutor::NodeExecutor(PlannedNode* node, RunState* run, RowAccounting* accounting,
                           DeadLetterWriter* dead_letters)
    : node_(node), run_(run), accounting_(accounting), dead_letters_(dead_letters) {
  index_ = node->host->node_index;
  for (auto& inst : node_->instances) free_.push_back(inst.get());
}

OperatorInstance* NodeExecutor::Acquire() {
  if (node_->info.threading == Threading::kReentrant) return node_->instances.front().get();
  std::lock_guard<std::mutex> l(pool_mu_);
  // The graph node's concurrency equals the pool size, so the pool is never empty here.
  OperatorInstance* inst = free_.back();
  free_.pop_back();
  return inst;
}

void NodeExecutor::Release(OperatorInstance* inst) {
  if (node_->info.threading == Threading::kReentrant) return;
  std::lock_guard<std::mutex> l(pool_mu_);
  free_.push_back(inst);
}

Status NodeExecutor::Failure(const Status& st) const {
  return st.WithContext("node \"" + node_->name + "\" (operator " + node_->type + " from plugin " +
                        node_->plugin_name + " " + node_->plugin_version + ")");
}

Status NodeExecutor::CallWithRetry(const std::function<Status()>& fn) {
  return RunWithRetry(
      node_->retry, fn, [this] { return run_->cancelled(); },
      [this](const Status& st, int attempt) {
        node_->stats->retries.fetch_add(1);
        LOG(WARNING) << "[" << node_->host->pipeline << "/" << node_->name << "] attempt " << attempt
                     << " failed, retrying: " << st.ToString();
      });
}

void NodeExecutor::HandleBatchError(const BatchMessage& in, const Status& st) {
  node_->stats->errors_by_code[static_cast<size_t>(st.code()) % 8].fetch_add(1);
  const int64_t rows = in.batch->num_rows();
  if (st.code() == Code::kDataError && node_->on_error != ErrorPolicy::kFail) {
    if (in.origin) {
      // Serving: every row of the batch is refused, each in its own request's name.
      std::vector<Rejection> all;
      all.reserve(static_cast<size_t>(rows));
      for (int64_t r = 0; r < rows; ++r) all.push_back({r, st.code(), st.message()});
      HandleRejections(in, all);
      return;
    }
    if (node_->on_error == ErrorPolicy::kDeadLetter) {
      Status w = dead_letters_->WriteBatch(node_->name, *in.batch, st.code(), st.message());
      if (!w.ok()) return run_->Fail(Failure(w));
      node_->stats->dead_lettered.fetch_add(rows);
      accounting_->AddDeadLettered(in.source, index_, rows);
    } else {
      node_->stats->skipped.fetch_add(rows);
      accounting_->AddSkipped(in.source, index_, rows);
    }
    LOG(WARNING) << "[" << node_->host->pipeline << "/" << node_->name << "] batch " << in.seq << " ("
                 << rows << " rows) " << (node_->on_error == ErrorPolicy::kSkip ? "skipped" : "dead-lettered")
                 << ": " << st.message();
    return;
  }
  run_->Fail(Failure(st));
}

bool NodeExecutor::HandleRejections(const BatchMessage& in, std::vector<Rejection>& rejections) {
  if (rejections.empty()) return true;
  const int64_t rows = in.batch->num_rows();
  std::set<int64_t> seen;
  for (const auto& r : rejections) {
    if (r.row < 0 || r.row >= rows || !seen.insert(r.row).second) {
      run_->Fail(Failure(Status(Code::kInternal, "rejected row " + std::to_string(r.row) +
                                                     (r.row < 0 || r.row >= rows ? " is outside the batch of " +
                                                                                       std::to_string(rows) + " rows"
                                                                                 : " twice"))));
      return false;
    }
  }
  const int64_t n = static_cast<int64_t>(rejections.size());
  node_->stats->errors_by_code[static_cast<size_t>(Code::kDataError)].fetch_add(n);
  if (in.origin && node_->on_error != ErrorPolicy::kFail) ReportRefused(in, rejections);
  switch (node_->on_error) {
    case ErrorPolicy::kFail:
      run_->Fail(Failure(Status(Code::kDataError, "row " + std::to_string(rejections.front().row) + " of batch " +
                                                      std::to_string(in.seq) + ": " + rejections.front().reason)));
      return false;
    case ErrorPolicy::kSkip:
      node_->stats->skipped.fetch_add(n);
      accounting_->AddSkipped(in.source, index_, n);
      return true;
    case ErrorPolicy::kDeadLetter: {
      std::vector<DeadLetterWriter::RowReason> rr;
      rr.reserve(rejections.size());
      for (auto& r : rejections) rr.push_back({r.row, r.code, std::move(r.reason), RequestIdOf(in, r.row)});
      Status w = dead_letters_->WriteRows(node_->name, *in.batch, rr);
      if (!w.ok()) {
        run_->Fail(Failure(w));
        return false;
      }
      node_->stats->dead_lettered.fetch_add(n);
      accounting_->AddDeadLettered(in.source, index_, n);
      return true;
    }
  }
  return true;
}

std::string NodeExecutor::RequestIdOf(const BatchMessage& in, int64_t row) const {
  if (!in.origin || in.origin->rows.empty() || node_->host->requests == nullptr) return "";
  return node_->host->requests->RequestIdOf(in.seq, in.origin->rows[static_cast<size_t>(row)]);
}

void NodeExecutor::ReportRefused(const BatchMessage& in, const std::vector<Rejection>& rejections) const {
  RequestPort* port = node_->host->requests;
  if (port == nullptr || in.origin->rows.empty()) return;  // origin lost: the batch's end answers them
  std::vector<RefusedRow> refused;
  refused.reserve(rejections.size());
  for (const auto& r : rejections) refused.push_back({in.origin->rows[static_cast<size_t>(r.row)], r.code, r.reason});
  port->Refused(in.seq, node_->name, refused);
}

std::shared_ptr<const RowOrigin> NodeExecutor::OriginAfter(const BatchMessage& in,
                                                           const std::vector<Rejection>& rejections,
                                                           int64_t rows_out) const {
  if (!in.origin) return nullptr;
  const int64_t rows_in = in.batch->num_rows();
  if (rejections.empty() && rows_out == rows_in) return in.origin;
  auto out = std::make_shared<RowOrigin>();
  if (!in.origin->lost_at.empty() || rows_out != rows_in - static_cast<int64_t>(rejections.size())) {
    // Rows dropped without a reason: which ones is not known, so neither is where the
    // rest came from. The port answers the batch's rows that never arrive at its end.
    out->lost_at = in.origin->lost_at.empty() ? node_->name : in.origin->lost_at;
    return out;
  }
  std::vector<bool> gone(static_cast<size_t>(rows_in), false);
  for (const auto& r : rejections) gone[static_cast<size_t>(r.row)] = true;
  out->rows.reserve(static_cast<size_t>(rows_out));
  for (int64_t r = 0; r < rows_in; ++r)
    if (!gone[static_cast<size_t>(r)]) out->rows.push_back(in.origin->rows[static_cast<size_t>(r)]);
  return out;
}

BatchMessage NodeExecutor::Process(const BatchMessage& in) {
  if (!in.batch || run_->failed()) return in.Tombstone();
  NodeStats& stats = *node_->stats;
  const int64_t rows_in = in.batch->num_rows();
  stats.batches_in.fetch_add(1);
  stats.rows_in.fetch_add(rows_in);
  stats.in_flight.fetch_add(1);
  const auto t0 = std::chrono::steady_clock::now();

  // A model's batch stays on the version it started with, whatever swaps meanwhile.
  std::shared_ptr<ServedModel> served = node_->model ? node_->model->Current() : nullptr;
  OperatorInstance* inst = served ? served->Acquire() : Acquire();
  std::optional<trestle::Batch> out;
  std::vector<Rejection> rejections;
  Status st = CallWithRetry([&] {
    CallContext ctx(node_->host.get());
    auto r = inst->Process(*in.batch, ctx);
    if (!r.ok()) return r.status();
    out = std::move(r).value();
    rejections = std::move(ctx.rejections());
    return Status::Ok();
  });
  if (served) served->Release(inst);
  else Release(inst);
  const double seconds = SecondsSince(t0);
  stats.latency.Observe(seconds);
  if (served) served->record().latency.Observe(seconds);
  stats.in_flight.fetch_sub(1);

  if (!st.ok()) {
    HandleBatchError(in, st);
    return in.Tombstone();
  }
  const int64_t rejected = static_cast<int64_t>(rejections.size());
  const int64_t rows_out = out->num_rows();
  const bool aggregating = node_->info.aggregating;
  if (rows_out > rows_in - rejected || (aggregating && rows_out != 0) ||
      (node_->info.role == Role::kModel && rows_out != rows_in - rejected)) {
    run_->Fail(Failure(Status(Code::kInternal, "received " + std::to_string(rows_in) + " rows, rejected " +
                                                   std::to_string(rejected) + " and returned " +
                                                   std::to_string(rows_out) + ": the counts do not add up")));
    return in.Tombstone();
  }
  if (served) {
    out = Served(*served, *in.batch, std::move(*out), rejections);
    if (in.origin && node_->host->requests != nullptr)
      node_->host->requests->ModelServed(in.seq, node_->name, served->record().label());
  }
  std::shared_ptr<const RowOrigin> origin = OriginAfter(in, rejections, rows_out);
  if (!HandleRejections(in, rejections)) return in.Tombstone();
  // An aggregating operator is where its input's rows end (a sink, for the accounting);
  // its result enters the graph later, as rows of its own (flow_runner.h).
  if (aggregating) {
    accounting_->AddReached(in.source, index_, rows_in - rejected);
    return in.Tombstone();
  }
  const int64_t filtered = rows_in - rejected - rows_out;
  if (filtered > 0) {
    stats.filtered.fetch_add(filtered);
    accounting_->AddFiltered(in.source, index_, filtered);
  }
  stats.batches_out.fetch_add(1);
  stats.rows_out.fetch_add(rows_out);
  return in.With(std::move(*out), std::move(origin));
}

trestle::Batch NodeExecutor::Served(ServedModel& served, const trestle::Batch& input, trestle::Batch out,
                                    const std::vector<Rejection>& rejections) {
  ModelRecord& record = served.record();
  record.rows.fetch_add(out.num_rows());
  record.batches.fetch_add(1);
  if (shadow_ != nullptr) {
    std::vector<int64_t> rejected;
    rejected.reserve(rejections.size());
    for (const auto& r : rejections) rejected.push_back(r.row);
    std::sort(rejected.begin(), rejected.end());
    shadow_->Offer(input, out, std::move(rejected));
  }
  if (node_->version_column.empty()) return out;
  const std::string version = record.label();
  trestle::ColumnBuilder b(trestle::Type::Utf8, out.num_rows());
  for (int64_t r = 0; r < out.num_rows(); ++r) b.append_str(version);
  std::vector<trestle::Column> columns = out.columns();
  columns.push_back(b.finish());
  return trestle::Batch(node_->output_schema, std::move(columns));
}

void NodeExecutor::Write(const BatchMessage& in) {
  if (!in.batch || run_->failed()) return;
  NodeStats& stats = *node_->stats;
  const int64_t rows = in.batch->num_rows();
  stats.batches_in.fetch_add(1);
  stats.rows_in.fetch_add(rows);
  stats.in_flight.fetch_add(1);
  const auto t0 = std::chrono::steady_clock::now();
  std::vector<Rejection> rejections;
  Status st;
  {
    std::lock_guard<std::mutex> l(sink_mu_);
    OperatorInstance* inst = node_->instances.front().get();
    st = CallWithRetry([&] {
      CallContext ctx(node_->host.get());
      Status s = inst->Write(*in.batch, ctx);
      if (s.ok()) rejections = std::move(ctx.rejections());
      return s;
    });
  }
  stats.latency.Observe(SecondsSince(t0));
  stats.in_flight.fetch_sub(1);
  if (!st.ok()) return HandleBatchError(in, st);
  if (!HandleRejections(in, rejections)) return;
  const int64_t written = rows - static_cast<int64_t>(rejections.size());
  stats.batches_out.fetch_add(1);
  stats.rows_out.fetch_add(written);
  accounting_->AddReached(in.source, index_, written);
}

void NodeExecutor::Observe(const BatchMessage& in) {
  if (!in.batch || run_->failed()) return;
  NodeStats& stats = *node_->stats;
  stats.batches_in.fetch_add(1);
  stats.rows_in.fetch_add(in.batch->num_rows());
  const auto t0 = std::chrono::steady_clock::now();
  CallContext ctx(node_->host.get());
  Status st = node_->instances.front()->Observe(*in.batch, ctx);
  stats.latency.Observe(SecondsSince(t0));
  if (!st.ok()) {
    // A monitor is never on the critical path: its failure is logged and counted.
    stats.errors_by_code[static_cast<size_t>(st.code()) % 8].fetch_add(1);
    LOG(WARNING) << "[" << node_->host->pipeline << "/" << node_->name << "] monitor failed: " << st.ToString();
  }
}

void NodeExecutor::CountMonitorSkip() {
  monitor_skipped_.fetch_add(1);
  node_->stats->AddCustom("skipped_batches", 1);
}

std::optional<BatchMessage> NodeExecutor::TakeFindings() {
  if (!node_->findings) return std::nullopt;
  std::vector<nlohmann::json> findings = node_->findings->Take();
  if (findings.empty()) return std::nullopt;
  BatchMessage m;  // source -1, no ticket: outside the row accounting
  m.batch = std::make_shared<const trestle::Batch>(FindingsBatch(node_->name, findings));
  node_->stats->batches_out.fetch_add(1);
  node_->stats->rows_out.fetch_add(m.batch->num_rows());
  return m;
}

Status NodeExecutor::Commit(bool final_commit) {
  std::lock_guard<std::mutex> l(sink_mu_);
  OperatorInstance* inst = node_->instances.front().get();
  Status st = CallWithRetry([&] { return inst->Commit(final_commit); });
  return st.ok() ? st : Failure(st);
}

Status NodeExecutor::Publish() {
  std::lock_guard<std::mutex> l(sink_mu_);
  Status st = node_->instances.front()->Publish();
  return st.ok() ? st : Failure(st.WithContext("publish"));
}

}  // namespace trestle::core
