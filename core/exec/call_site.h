#pragma once
/// CallSite: which operator call a thread is in, kept where a fatal-signal handler can
/// read it. OperatorInstance marks every call into a plugin with a CallScope; the
/// runtime's fatal-signal handler (runtime/fatal_signals.h) reads CurrentCallSite() to
/// name the node, operator, plugin library and call that crashed. Reading is
/// async-signal-safe: a thread_local pointer to text formatted before the call.

namespace trestle::core {

struct CallSite {
  const char* where = nullptr;  ///< e.g. node "score" (operator xgboost, plugin xgboost 1.0.0, /x/libtrestle_xgboost.so)
  const char* call = nullptr;   ///< "process", "open", ...
};

/// The innermost call in progress on this thread, or null. Async-signal-safe.
const CallSite* CurrentCallSite() noexcept;

/// Marks a call in progress on this thread for its lifetime (nests). `where` and `call`
/// are borrowed and must outlive the scope.
class CallScope {
 public:
  CallScope(const char* where, const char* call) noexcept;
  ~CallScope();
  CallScope(const CallScope&) = delete;
  CallScope& operator=(const CallScope&) = delete;

 private:
  CallSite site_;
  const CallSite* outer_;
};

}  // namespace trestle::core
