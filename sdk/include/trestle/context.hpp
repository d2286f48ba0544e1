#pragma once
/// Context: what an operator can ask of the host during a call — logging, metrics,
/// events, row rejects, cancellation and progress. Valid only during the call it was
/// passed to; do not keep it.

#include <cstddef>
#include <cstdint>
#include <string>

#include "trestle/c/abi.h"

namespace trestle {

class Context {
 public:
  explicit Context(const TrestleHost* host) : host_(host) {}

  void info(const std::string& m) const { log(TRESTLE_LOG_INFO, m); }
  void warning(const std::string& m) const { log(TRESTLE_LOG_WARNING, m); }
  void error(const std::string& m) const { log(TRESTLE_LOG_ERROR, m); }

  /// Adds to the node-scoped counter `name` (e.g. "cache_misses").
  void count(const std::string& name, double delta = 1) const {
    if (ok()) host_->api->counter_add(host_->self, name.c_str(), delta);
  }
  void gauge(const std::string& name, double value) const {
    if (ok()) host_->api->gauge_set(host_->self, name.c_str(), value);
  }
  /// An event of `kind` with a JSON object payload.
  void event(const std::string& kind, const std::string& json = "{}") const {
    if (ok()) host_->api->emit_event(host_->self, kind.c_str(), json.c_str());
  }
  /// Sends row `row` of the current input batch to the dead-letter output. The
  /// operator must leave the row out of its output.
  void reject(int64_t row, const std::string& reason, int32_t code = TRESTLE_DATA_ERROR) const {
    if (ok()) host_->api->reject_row(host_->self, row, code, reason.c_str());
  }
  /// Sources: a raw record that could not become a row, and where it was.
  /// The record is passed whole, NUL bytes included, to a host of ABI 1.2 or later.
  void reject_record(const std::string& record, const std::string& location, const std::string& reason) const {
    if (!ok()) return;
    constexpr size_t kBytesEnd = offsetof(TrestleHostApi, reject_record_bytes) + sizeof(void*);
    if (host_->api->struct_size >= kBytesEnd && host_->api->reject_record_bytes != nullptr)
      host_->api->reject_record_bytes(host_->self, record.data(), record.size(), location.c_str(), TRESTLE_DATA_ERROR,
                                      reason.c_str());
    else
      host_->api->reject_record(host_->self, record.c_str(), location.c_str(), TRESTLE_DATA_ERROR, reason.c_str());
  }
  /// True once the host wants the operator to stop (drain or abort).
  bool cancelled() const { return ok() && host_->api->cancelled(host_->self) != 0; }
  /// Sources over finite input: `done` of `total` units; total <= 0 when unknown.
  void progress(double done, double total) const {
    if (ok()) host_->api->progress(host_->self, done, total);
  }

  const TrestleHost* host() const { return host_; }

 private:
  bool ok() const { return host_ != nullptr && host_->api != nullptr; }
  void log(int32_t sev, const std::string& m) const {
    if (ok()) host_->api->log(host_->self, sev, m.c_str());
  }
  const TrestleHost* host_;
};

}  // namespace trestle
