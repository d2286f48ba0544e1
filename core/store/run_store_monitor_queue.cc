#include "store/run_store.h"

#include <sqlite3.h>

#include <cmath>
#include <iterator>

#include <glog/logging.h>

#include "store/payload_fields.h"
#include "store/run_store_transaction.h"
#include "store/sqlite_statement.h"

namespace trestle::core {

using namespace store_internal;  // Stmt and the payload readers

namespace {

// A JSON object of numbers keeps only numbers and nulls.
std::string NumberObjectText(const nlohmann::json& j) {
  nlohmann::json o = nlohmann::json::object();
  for (const auto& [k, v] : j.items()) o[k] = v.is_number() && std::isfinite(v.get<double>()) ? v : nlohmann::json();
  return o.dump();
}

}  // namespace

void RunStore::RecordWindow(const std::string& node, const nlohmann::json& window) {
  Enqueue({true, {}, node, window});
}

void RunStore::RecordFinding(const std::string& node, const nlohmann::json& finding) {
  Enqueue({false, {}, node, finding});
}

void RunStore::NoteLoss(int64_t n, const Status& why) {
  std::lock_guard<std::mutex> lock(q_mu_);
  if (first_error_.ok()) {
    first_error_ = why;
    LOG(WARNING) << "run store: monitor windows or findings are being lost: " << why.message();
  }
  lost_ += n;
}

void RunStore::Enqueue(Pending p) {
  {
    std::lock_guard<std::mutex> lock(q_mu_);
    if (run_id_.empty()) {
      if (first_error_.ok()) {
        first_error_ = Internal("run store " + path_ + ": a monitor record arrived outside a run");
        LOG(WARNING) << first_error_.message();
      }
      ++lost_;
      return;
    }
    if (queue_.size() >= kMaxQueued) {
      if (first_error_.ok()) {
        first_error_ = Status(Code::kResourceExhausted, "run store " + path_ + ": more than " +
                                                            std::to_string(kMaxQueued) +
                                                            " monitor records waiting to be written; dropping");
        LOG(WARNING) << first_error_.message();
      }
      ++lost_;
      return;
    }
    p.run_id = run_id_;
    queue_.push_back(std::move(p));
  }
  q_cv_.notify_one();
}

void RunStore::WriterLoop() {
  std::unique_lock<std::mutex> lock(q_mu_);
  for (;;) {
    q_cv_.wait(lock, [&] { return stop_ || !queue_.empty(); });
    if (queue_.empty()) break;  // stopping and nothing left
    std::vector<Pending> batch(std::make_move_iterator(queue_.begin()), std::make_move_iterator(queue_.end()));
    queue_.clear();
    writing_ = true;
    lock.unlock();
    Status st = WritePending(batch);
    if (!st.ok()) NoteLoss(static_cast<int64_t>(batch.size()), st);
    lock.lock();
    writing_ = false;
    idle_cv_.notify_all();
  }
  writing_ = false;
  idle_cv_.notify_all();
}

Status RunStore::WritePending(const std::vector<Pending>& batch) {
  std::lock_guard<std::mutex> lock(db_mu_);
  return Transaction([&]() -> Status {
    for (const Pending& p : batch) {
      const nlohmann::json& j = p.payload;
      if (!j.is_object()) continue;
      if (p.window) {
        int64_t window_id = 0;
        {
          Stmt s(Prepare("INSERT INTO windows(run_id, node, start_us, end_us, rows, skipped_batches) "
                          "VALUES (?1, ?2, ?3, ?4, ?5, ?6)"));
          if (!s.ok() || !s.Text(1, p.run_id)
                              .Text(2, p.node)
                              .Int(3, JInt(j, "start_us"))
                              .Int(4, JInt(j, "end_us"))
                              .Int(5, JInt(j, "rows"))
                              .Int(6, JInt(j, "skipped_batches"))
                              .Run())
            return Error("cannot record a window of node " + p.node);
          window_id = sqlite3_last_insert_rowid(db_);
        }
        for (const auto& f : JArr(j, "features")) {
          if (!f.is_object()) continue;
          Stmt s(Prepare("INSERT OR REPLACE INTO window_features(window_id, feature, kind, stats, scores) "
                          "VALUES (?1, ?2, ?3, ?4, ?5)"));
          if (!s.ok() || !s.Int(1, window_id)
                              .Text(2, JStr(f, "feature"))
                              .Text(3, JStr(f, "kind"))
                              .Text(4, NumberObjectText(JObj(f, "stats")))
                              .Text(5, NumberObjectText(JObj(f, "scores")))
                              .Run())
            return Error("cannot record feature " + JStr(f, "feature") + " of a window of node " + p.node);
        }
      } else {
        Stmt s(Prepare("INSERT INTO findings(run_id, node, time_us, window_start_us, feature, code, statistic, "
                        "value, threshold, top_values, message) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"));
        if (!s.ok() || !s.Text(1, p.run_id)
                            .Text(2, p.node)
                            .Int(3, JInt(j, "time_us"))
                            .Int(4, JInt(j, "window_start_us"))
                            .Text(5, JStr(j, "feature"))
                            .Text(6, JStr(j, "code"))
                            .Text(7, JStr(j, "statistic"))
                            .Real(8, JNum(j, "value"))
                            .Real(9, JNum(j, "threshold"))
                            .Text(10, JArr(j, "top_values").dump())
                            .Text(11, JStr(j, "message"))
                            .Run())
          return Error("cannot record a finding of node " + p.node);
      }
    }
    return Status::Ok();
  });
}

Status RunStore::Flush() {
  std::unique_lock<std::mutex> lock(q_mu_);
  idle_cv_.wait(lock, [&] { return queue_.empty() && !writing_; });
  return first_error_;
}

int64_t RunStore::lost() const {
  std::lock_guard<std::mutex> lock(q_mu_);
  return lost_;
}

}  // namespace trestle::core
