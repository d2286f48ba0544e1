#include "model/model_watcher.h"

#include <algorithm>
#include <limits>

#include <glog/logging.h>
#include <nlohmann/json.hpp>

#include "common/signal_stack.h"

namespace trestle::core {

namespace {
using Clock = std::chrono::steady_clock;

std::string Tag(const PlannedNode& node) { return "[" + node.host->pipeline + "/" + node.name + "] "; }
}  // namespace

ModelWatcher::ModelWatcher(Plan* plan) : plan_(plan) {}

ModelWatcher::~ModelWatcher() { Stop(); }

void ModelWatcher::Start() {
  if (thread_.joinable()) return;
  const bool any = std::any_of(plan_->nodes.begin(), plan_->nodes.end(), [](const auto& n) { return n->model != nullptr; });
  if (any) thread_ = std::thread([this] { Loop(); });
}

void ModelWatcher::RequestReload() {
  {
    std::lock_guard<std::mutex> l(mu_);
    reload_ = true;
  }
  cv_.notify_all();
}

void ModelWatcher::Stop() {
  {
    std::lock_guard<std::mutex> l(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

bool ModelWatcher::Check(PlannedNode& node, bool forced) {
  ModelBinding& b = *node.model_binding;
  std::shared_ptr<ServedModel> current = node.model->Current();
  const ModelRecord& serving = current->record();
  auto resolved = ResolveModel(b.model_option, b.policy);
  std::string key;
  if (resolved.ok() && resolved->versioned) {
    if (resolved->version == serving.version) return false;
    key = resolved->version;
  } else if (resolved.ok() && forced) {
    auto sha = FingerprintModel(resolved->path);
    if (sha.ok() && *sha == serving.sha256) return false;
    key = sha.ok() ? *sha : sha.status().message();
  } else if (resolved.ok()) {
    return false;  // unversioned: only a requested reload looks at it
  }
  const int index = node.host->node_index;
  {
    std::lock_guard<std::mutex> l(mu_);
    if (!forced && resolved.ok() && failed_[index] == key) return false;
  }
  Result<std::shared_ptr<ServedModel>> next =
      resolved.ok() ? LoadVersion(b, *resolved) : Result<std::shared_ptr<ServedModel>>(resolved.status());
  if (!next.ok()) {
    {
      std::lock_guard<std::mutex> l(mu_);
      failed_[index] = key;
    }
    node.stats->AddCustom("model_load_failures", 1);
    LOG(ERROR) << Tag(node) << "model version " << (key.empty() ? "?" : key) << " not loaded; version "
               << serving.label() << " keeps serving: " << next.status().ToString();
    return false;
  }
  const std::string was = serving.label();
  node.model->Swap(*next);
  node.stats->AddCustom("model_swaps", 1);
  const ModelRecord& now = (*next)->record();
  LOG(INFO) << Tag(node) << "model version " << now.label() << " now serves (was " << was << "), sha256 " << now.sha256;
  return true;
}

void ModelWatcher::Loop() {
  EnsureSignalStack();
  std::map<int, Clock::time_point> due;
  for (const auto& n : plan_->nodes)
    if (n->model && n->poll_s > 0) due[n->host->node_index] = Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(n->poll_s));
  std::unique_lock<std::mutex> l(mu_);
  while (!stop_) {
    Clock::time_point wake = Clock::time_point::max();
    for (const auto& [i, t] : due) wake = std::min(wake, t);
    if (wake == Clock::time_point::max()) cv_.wait(l, [&] { return stop_ || reload_; });
    else cv_.wait_until(l, wake, [&] { return stop_ || reload_; });
    if (stop_) break;
    const bool forced = reload_;
    reload_ = false;
    l.unlock();
    const auto now = Clock::now();
    for (auto& n : plan_->nodes) {
      if (!n->model) continue;
      auto it = due.find(n->host->node_index);
      const bool poll = it != due.end() && it->second <= now;
      if (poll) it->second = now + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(n->poll_s));
      if (forced || poll) Check(*n, forced);
    }
    l.lock();
  }
}

}  // namespace trestle::core
