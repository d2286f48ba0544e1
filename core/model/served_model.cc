#include "model/served_model.h"

#include <glog/logging.h>

namespace trestle::core {

namespace {
int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}
}  // namespace

ServedModel::ServedModel(std::shared_ptr<ModelRecord> record, std::vector<std::unique_ptr<OperatorInstance>> owned,
                         std::vector<OperatorInstance*> borrowed, bool reentrant)
    : record_(std::move(record)), owned_(std::move(owned)), reentrant_(reentrant), free_(std::move(borrowed)) {
  for (auto& inst : owned_) free_.push_back(inst.get());
}

ServedModel::~ServedModel() { CloseOwned(); }

OperatorInstance* ServedModel::Acquire() {
  std::lock_guard<std::mutex> l(mu_);
  if (reentrant_) return free_.front();
  // The graph node's concurrency equals the pool size, so the pool is never empty here.
  OperatorInstance* inst = free_.back();
  free_.pop_back();
  return inst;
}

void ServedModel::Release(OperatorInstance* inst) {
  if (reentrant_) return;
  std::lock_guard<std::mutex> l(mu_);
  free_.push_back(inst);
}

void ServedModel::CloseOwned() {
  for (auto& inst : owned_) {
    Status st = inst->Close();
    if (!st.ok())
      LOG(WARNING) << "[" << inst->node().pipeline << "/" << inst->node().node << "] closing model version "
                   << record_->label() << ": " << st.ToString();
  }
}

ModelSlot::ModelSlot(std::shared_ptr<ServedModel> first) : current_(std::move(first)) {
  history_.push_back(current_->shared_record());
}

std::shared_ptr<ServedModel> ModelSlot::Current() const {
  std::lock_guard<std::mutex> l(mu_);
  return current_;
}

void ModelSlot::Swap(std::shared_ptr<ServedModel> next) {
  std::shared_ptr<ServedModel> old;
  {
    std::lock_guard<std::mutex> l(mu_);
    old = std::move(current_);
    current_ = std::move(next);
    history_.push_back(current_->shared_record());
    old->record().retired_at_ms.store(NowMs());
  }
  swaps_.fetch_add(1);
  // `old` goes here unless a batch still holds it; then with that batch.
}

std::vector<std::shared_ptr<ModelRecord>> ModelSlot::History() const {
  std::lock_guard<std::mutex> l(mu_);
  return history_;
}

}  // namespace trestle::core
