#include "model/shadow.h"

#include <algorithm>
#include <cmath>

#include <glog/logging.h>

#include "common/signal_stack.h"
#include "common/thread_priority.h"

namespace trestle::core {

nlohmann::json ShadowTotals::ToJson() const {
  nlohmann::json j;
  j["batches_compared"] = batches_compared;
  j["batches_skipped"] = batches_skipped;
  j["errors"] = errors;
  j["rows_compared"] = rows_compared;
  j["rows_rejected_by_shadow_only"] = rows_rejected_by_shadow_only;
  j["rows_rejected_by_node_only"] = rows_rejected_by_node_only;
  if (label_rows > 0) {
    j["label_disagreements"] = label_disagreements;
    j["label_disagreement_share"] = static_cast<double>(label_disagreements) / static_cast<double>(label_rows);
  }
  if (score_rows > 0) {
    j["score_abs_diff_mean"] = score_abs_diff_sum / static_cast<double>(score_rows);
    j["score_abs_diff_max"] = score_abs_diff_max;
  }
  if (!last_error.empty()) j["last_error"] = last_error;
  return j;
}

void CompareWithShadow(const ShadowPlan& plan, int64_t input_rows, const trestle::Batch& node_out,
                       const std::vector<int64_t>& node_rejected, const trestle::Batch& shadow_out,
                       const std::vector<int64_t>& shadow_rejected, ShadowTotals* t) {
  const trestle::Column* ns = plan.score_node >= 0 ? &node_out.column(static_cast<size_t>(plan.score_node)) : nullptr;
  const trestle::Column* ss = plan.score_shadow >= 0 ? &shadow_out.column(static_cast<size_t>(plan.score_shadow)) : nullptr;
  const trestle::Column* nl = plan.label_node >= 0 ? &node_out.column(static_cast<size_t>(plan.label_node)) : nullptr;
  const trestle::Column* sl = plan.label_shadow >= 0 ? &shadow_out.column(static_cast<size_t>(plan.label_shadow)) : nullptr;
  const bool scores = ns != nullptr && ss != nullptr, labels = nl != nullptr && sl != nullptr;
  size_t pn = 0, ps = 0;  // next rejected row of the node and of the shadow
  int64_t on = 0, os = 0;  // next output row of the node and of the shadow
  for (int64_t r = 0; r < input_rows; ++r) {
    const bool node_rej = pn < node_rejected.size() && node_rejected[pn] == r;
    const bool shadow_rej = ps < shadow_rejected.size() && shadow_rejected[ps] == r;
    pn += node_rej ? 1 : 0;
    ps += shadow_rej ? 1 : 0;
    if (node_rej && !shadow_rej) ++t->rows_rejected_by_node_only;
    if (shadow_rej && !node_rej) ++t->rows_rejected_by_shadow_only;
    if (!node_rej && !shadow_rej && on < node_out.num_rows() && os < shadow_out.num_rows()) {
      ++t->rows_compared;
      if (scores && ns->is_valid(on) && ss->is_valid(os)) {
        const double d = std::fabs(ns->as_double(on) - ss->as_double(os));
        if (std::isfinite(d)) {
          ++t->score_rows;
          t->score_abs_diff_sum += d;
          t->score_abs_diff_max = std::max(t->score_abs_diff_max, d);
        }
      }
      if (labels && nl->is_valid(on) && sl->is_valid(os)) {
        ++t->label_rows;
        if (nl->as_double(on) != sl->as_double(os)) ++t->label_disagreements;
      }
    }
    on += node_rej ? 0 : 1;
    os += shadow_rej ? 0 : 1;
  }
  ++t->batches_compared;
}

ShadowRunner::ShadowRunner(ShadowPlan* plan, NodeStats* node_stats) : plan_(plan), node_stats_(node_stats) {
  thread_ = std::thread([this] { Loop(); });
}

ShadowRunner::~ShadowRunner() { Finish(); }

void ShadowRunner::Offer(trestle::Batch input, trestle::Batch node_out, std::vector<int64_t> node_rejected) {
  {
    std::lock_guard<std::mutex> l(mu_);
    if (!finishing_ && static_cast<int>(queue_.size()) < std::max(1, plan_->queue_batches)) {
      queue_.push_back({std::move(input), std::move(node_out), std::move(node_rejected)});
      cv_.notify_one();
      return;
    }
  }
  {
    std::lock_guard<std::mutex> l(plan_->mu);
    ++plan_->totals.batches_skipped;
  }
  node_stats_->AddCustom("shadow_batches_skipped", 1);
}

void ShadowRunner::Finish() {
  {
    std::lock_guard<std::mutex> l(mu_);
    finishing_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void ShadowRunner::Loop() {
  EnsureSignalStack();
  MakeCurrentThreadBackground();  // a shadow never takes a core from the data path
  std::unique_lock<std::mutex> l(mu_);
  while (true) {
    cv_.wait(l, [&] { return finishing_ || !queue_.empty(); });
    if (queue_.empty()) return;  // finishing, and everything queued was scored
    Item item = std::move(queue_.front());
    queue_.pop_front();
    l.unlock();
    Score(item);
    l.lock();
  }
}

void ShadowRunner::Score(const Item& item) {
  CallContext ctx(&plan_->host);
  auto out = plan_->instance->Process(item.input, ctx);
  std::lock_guard<std::mutex> l(plan_->mu);
  ShadowTotals& t = plan_->totals;
  if (!out.ok()) {
    ++t.errors;
    t.last_error = out.status().ToString();
    node_stats_->AddCustom("shadow_errors", 1);
    LOG_EVERY_N(WARNING, 100) << "[" << plan_->host.pipeline << "/" << plan_->host.node
                              << "] shadow failed on a batch: " << t.last_error;
    return;
  }
  std::vector<int64_t> shadow_rejected;
  for (const auto& r : ctx.rejections()) shadow_rejected.push_back(r.row);
  std::sort(shadow_rejected.begin(), shadow_rejected.end());
  shadow_rejected.erase(std::unique(shadow_rejected.begin(), shadow_rejected.end()), shadow_rejected.end());
  const int64_t compared = t.rows_compared, disagreements = t.label_disagreements;
  CompareWithShadow(*plan_, item.input.num_rows(), item.node_out, item.node_rejected, *out, shadow_rejected, &t);
  plan_->record->rows.fetch_add(out->num_rows());
  plan_->record->batches.fetch_add(1);
  node_stats_->AddCustom("shadow_rows_compared", static_cast<double>(t.rows_compared - compared));
  node_stats_->AddCustom("shadow_label_disagreements", static_cast<double>(t.label_disagreements - disagreements));
  if (t.score_rows > 0) {
    node_stats_->SetGauge("shadow_score_abs_diff_mean", t.score_abs_diff_sum / static_cast<double>(t.score_rows));
    node_stats_->SetGauge("shadow_score_abs_diff_max", t.score_abs_diff_max);
  }
  if (t.label_rows > 0)
    node_stats_->SetGauge("shadow_label_disagreement_share",
                          static_cast<double>(t.label_disagreements) / static_cast<double>(t.label_rows));
}

}  // namespace trestle::core
