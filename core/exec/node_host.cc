#include "exec/node_host.h"

#include <cstring>

#include <glog/logging.h>
#include <nlohmann/json.hpp>

#include "exec/accounting.h"

namespace trestle::core {

struct HostApiImpl {
  static CallContext& C(void* self) { return *static_cast<CallContext*>(self); }
  static std::string Tag(const CallContext& c) { return "[" + c.node_->pipeline + "/" + c.node_->node + "] "; }

  static void Log(void* self, int32_t severity, const char* message) {
    const CallContext& c = C(self);
    const char* m = message ? message : "";
    switch (severity) {
      case TRESTLE_LOG_WARNING: LOG(WARNING) << Tag(c) << m; break;
      case TRESTLE_LOG_ERROR: LOG(ERROR) << Tag(c) << m; break;
      default: LOG(INFO) << Tag(c) << m; break;
    }
  }
  static void CounterAdd(void* self, const char* name, double delta) {
    const CallContext& c = C(self);
    if (c.node_->stats && name) c.node_->stats->AddCustom(name, delta);
  }
  static void GaugeSet(void* self, const char* name, double value) {
    const CallContext& c = C(self);
    if (c.node_->stats && name) c.node_->stats->SetGauge(name, value);
  }
  // Monitors' windows and findings (trestle/findings.hpp) are kept: log, metrics, the
  // run store, and as rows for the sinks downstream of the monitor. Other events are logged.
  static void EmitEvent(void* self, const char* kind, const char* json) {
    const CallContext& c = C(self);
    const NodeHost& n = *c.node_;
    const std::string k = kind ? kind : "";
    if (k != "finding" && k != "monitor_window") {
      LOG(INFO) << Tag(c) << "event " << (k.empty() ? "?" : k) << " " << (json ? json : "{}");
      return;
    }
    // Validate opens and closes operators without a run: a monitor closed then reports
    // a window of no rows, which is not an observation of anything.
    if (n.run == nullptr) return;
    nlohmann::json j = nlohmann::json::parse(json ? json : "", nullptr, false);
    if (!j.is_object()) {
      LOG(WARNING) << Tag(c) << "event " << k << " ignored: its payload is not a JSON object";
      return;
    }
    if (k == "monitor_window") {
      if (n.stats) n.stats->windows.fetch_add(1);
      if (n.recorder) n.recorder->RecordWindow(n.node, j);
      return;
    }
    const std::string code = j.value("code", std::string("FINDING"));
    LOG(WARNING) << Tag(c) << "finding " << code << (j.value("feature", std::string()).empty() ? "" : " on \"" + j.value("feature", std::string()) + "\"")
                 << ": " << j.value("message", std::string()) << " (" << j.value("statistic", std::string("value")) << " "
                 << (j.contains("value") ? j["value"].dump() : "null") << ", threshold "
                 << (j.contains("threshold") ? j["threshold"].dump() : "null") << ")";
    if (n.stats) n.stats->AddFinding(code);
    if (n.recorder) n.recorder->RecordFinding(n.node, j);
    if (n.findings) n.findings->Add(std::move(j));
  }
  static void SetError(void* self, int32_t code, const char* message) {
    CallContext& c = C(self);
    c.error_code_ = code;
    c.error_message_ = message ? message : "";
  }
  static void RejectRow(void* self, int64_t row, int32_t code, const char* reason) {
    C(self).rejections_.push_back({row, CodeFromAbi(code), reason ? reason : ""});
  }
  static void RejectRecord(void* self, const char* record, const char* location, int32_t code, const char* reason) {
    RejectRecordBytes(self, record, record ? std::strlen(record) : 0, location, code, reason);
  }
  static void RejectRecordBytes(void* self, const char* record, size_t record_len, const char* location, int32_t code,
                                const char* reason) {
    const CallContext& c = C(self);
    const NodeHost& n = *c.node_;
    std::string rec = record ? std::string(record, record_len) : "", loc = location ? location : "",
                why = reason ? reason : "";
    if (n.dead_letters == nullptr) {
      // Validate time: nothing flows yet, so a reject here is only worth a log line.
      LOG(WARNING) << Tag(c) << "rejected record at " << loc << ": " << why;
      return;
    }
    if (n.stats) n.stats->errors_by_code[static_cast<size_t>(CodeFromAbi(code)) % 8].fetch_add(1);
    if (n.on_error == ErrorPolicy::kFail) {
      if (n.run) n.run->Fail(Status(CodeFromAbi(code), "node \"" + n.node + "\": " + loc + ": " + why));
      return;
    }
    const bool skip = n.on_error == ErrorPolicy::kSkip;
    if (!skip) {
      Status st = n.dead_letters->WriteRecord(n.node, rec, loc, CodeFromAbi(code), why);
      if (!st.ok() && n.run) n.run->Fail(st);
    }
    if (n.stats) (skip ? n.stats->skipped : n.stats->dead_lettered).fetch_add(1);
    if (n.accounting && n.source_index >= 0) {
      n.accounting->AddRead(n.source_index, 1);
      if (skip) n.accounting->AddSkipped(n.source_index, n.node_index, 1);
      else n.accounting->AddDeadLettered(n.source_index, n.node_index, 1);
    }
  }
  static int32_t Cancelled(void* self) {
    const CallContext& c = C(self);
    // Operators are asked to stop on a drain too (sources stop reading); the engine
    // itself keeps retrying through a drain, so it uses RunState::cancelled().
    if (c.node_->interrupted && c.node_->interrupted->load()) return 1;
    return c.node_->run && (c.node_->run->stopping() || c.node_->run->cancelled()) ? 1 : 0;
  }
  static void Progress(void* self, double done, double total) {
    const CallContext& c = C(self);
    if (c.node_->progress) {
      c.node_->progress->done.store(done);
      c.node_->progress->total.store(total);
    }
  }
};

namespace {
const TrestleHostApi kHostApi = {sizeof(TrestleHostApi),   &HostApiImpl::Log,       &HostApiImpl::CounterAdd,
                                 &HostApiImpl::GaugeSet,   &HostApiImpl::EmitEvent, &HostApiImpl::SetError,
                                 &HostApiImpl::RejectRow,  &HostApiImpl::RejectRecord, &HostApiImpl::Cancelled,
                                 &HostApiImpl::Progress,   &HostApiImpl::RejectRecordBytes};
}  // namespace

CallContext::CallContext(const NodeHost* node) : node_(node), host_{sizeof(TrestleHost), &kHostApi, this} {}

Status CallContext::StatusOf(int32_t rc) const {
  if (rc == TRESTLE_OK) return Status::Ok();
  Code code = CodeFromAbi(rc);
  std::string msg = error_message_.empty() ? "the operator failed without a message" : error_message_;
  if (error_code_ != TRESTLE_OK && error_code_ != rc) msg += " (reported as " + CodeName(CodeFromAbi(error_code_)) + ")";
  return Status(code, msg);
}

}  // namespace trestle::core
