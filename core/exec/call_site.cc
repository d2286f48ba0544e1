#include "exec/call_site.h"

namespace trestle::core {

namespace {
// Per thread, so no synchronisation; a plain pointer, so a signal handler may read it.
thread_local const CallSite* current = nullptr;
}  // namespace

const CallSite* CurrentCallSite() noexcept { return current; }

CallScope::CallScope(const char* where, const char* call) noexcept : site_{where, call}, outer_(current) {
  // The compiler must not sink this store below the call it announces.
  __atomic_signal_fence(__ATOMIC_SEQ_CST);
  current = &site_;
  __atomic_signal_fence(__ATOMIC_SEQ_CST);
}

CallScope::~CallScope() {
  __atomic_signal_fence(__ATOMIC_SEQ_CST);
  current = outer_;
}

}  // namespace trestle::core
