#include "common/signal_stack.h"

#include <signal.h>

#include <cstddef>
#include <memory>

namespace trestle::core {

namespace {

constexpr size_t kStackBytes = 64 * 1024;

class AltStack {
 public:
  AltStack() : memory_(new (std::nothrow) char[kStackBytes]) {
    if (!memory_) return;
    stack_t ss{};
    ss.ss_sp = memory_.get();
    ss.ss_size = kStackBytes;
    installed_ = sigaltstack(&ss, nullptr) == 0;
  }
  ~AltStack() {
    if (!installed_) return;
    stack_t off{};
    off.ss_flags = SS_DISABLE;
    sigaltstack(&off, nullptr);
  }
  AltStack(const AltStack&) = delete;
  AltStack& operator=(const AltStack&) = delete;

 private:
  std::unique_ptr<char[]> memory_;
  bool installed_ = false;
};

}  // namespace

void EnsureSignalStack() noexcept {
  thread_local AltStack stack;
  (void)stack;
}

}  // namespace trestle::core
