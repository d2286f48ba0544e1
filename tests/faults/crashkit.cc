// Operators that fail the hard way, for the fault tests (tests/faults): a transform
// that crashes (SIGSEGV, abort, stack overflow, std::terminate) in a chosen call, a
// transform written against the raw C ABI that lets a C++ exception escape through it,
// and a sink whose final commit fails. Not installed; built into crashkit-out/.
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <stdexcept>
#include <thread>

#include <trestle/sdk.hpp>

namespace {

// Deep enough to exhaust any thread's stack; volatile so it is not turned into a loop.
int Recurse(int depth) {
  volatile char pad[1024];
  pad[0] = static_cast<char>(depth);
  return depth < 0 ? 0 : Recurse(depth + 1) + pad[0];
}

void CrashNow(const std::string& how) {
  if (how == "segv") {
    volatile int* null = nullptr;
    *null = 1;
  } else if (how == "abort") {
    std::abort();
  } else if (how == "stack_overflow") {
    Recurse(0);
  } else if (how == "terminate") {
    std::terminate();
  } else if (how == "hang") {
    for (;;) std::this_thread::sleep_for(std::chrono::seconds(1));
  }
}

/// Passes batches through, crashing as told in `call` (create, open, process or close):
/// in process() at batch `at_batch` (0-based).
class Crash final : public trestle::Transform {
 public:
  static trestle::OperatorSpec spec() {
    return trestle::OperatorSpec("crash", "A transform that crashes on purpose, for tests.")
        .param<std::string>("how", "segv, abort, stack_overflow, terminate, hang or none", std::string("segv"))
        .one_of({"segv", "abort", "stack_overflow", "terminate", "hang", "none"})
        .param<std::string>("call", "create, open, process or close", std::string("process"))
        .one_of({"create", "open", "process", "close"})
        .param<int64_t>("at_batch", "process(): the batch to crash at", 0).min(0);
  }
  explicit Crash(const trestle::Options& o)
      : how_(o.get<std::string>("how")), call_(o.get<std::string>("call")), at_batch_(o.get<int64_t>("at_batch")) {
    if (call_ == "create") CrashNow(how_);
  }
  trestle::Schema open(const trestle::Schema& in) override {
    if (call_ == "open") CrashNow(how_);
    return in;
  }
  trestle::Batch process(trestle::Batch in, trestle::Context&) override {
    if (call_ == "process" && batches_++ == at_batch_) CrashNow(how_);
    return in;
  }
  void close(trestle::Context&) override {
    if (call_ == "close") CrashNow(how_);
  }

 private:
  std::string how_, call_;
  int64_t at_batch_;
  int64_t batches_ = 0;
};

/// A two-phase sink that keeps nothing and fails (INTERNAL) where `fail_at` says: at
/// its final commit, at publish, or never.
class FailingSink final : public trestle::Sink {
 public:
  static trestle::OperatorSpec spec() {
    return trestle::OperatorSpec("failing_sink", "A sink that fails on purpose, for tests.")
        .param<std::string>("fail_at", "final_commit, publish or never", std::string("final_commit"))
        .one_of({"final_commit", "publish", "never"});
  }
  explicit FailingSink(const trestle::Options& o) : fail_at_(o.get<std::string>("fail_at")) {}
  void open(const trestle::Schema&) override {}
  void write(const trestle::Batch&, trestle::Context&) override {}
  void commit(bool final_commit, trestle::Context&) override {
    if (final_commit && fail_at_ == "final_commit") throw trestle::Internal("failing_sink: the final commit fails");
  }
  void publish(trestle::Context&) override {
    if (fail_at_ == "publish") throw trestle::Internal("failing_sink: publish fails");
  }

 private:
  std::string fail_at_;
};

// ---- throw_across: a transform on the raw C ABI whose process() lets a C++ exception
// escape into the host, as a C plugin's C++ helper might.
int32_t RawCreate(const TrestleOptions*, const TrestleHost*, void** instance) {
  *instance = reinterpret_cast<void*>(1);
  return TRESTLE_OK;
}
int32_t RawOpen(void*, const TrestleHost*, const ArrowSchema* in, ArrowSchema* out) {
  trestle::Schema::import_from(in).export_to(out);
  return TRESTLE_OK;
}
int32_t RawClose(void*, const TrestleHost*) { return TRESTLE_OK; }
void RawDestroy(void*) {}
int32_t RawProcess(void*, const TrestleHost*, ArrowArray* in, ArrowArray*) {
  in->release(in);
  throw std::runtime_error("thrown through the C ABI by throw_across");
}

struct RawThrowAcross {
  RawThrowAcross() {
    lifecycle = {sizeof(TrestleLifecycleFns), &RawCreate, &RawOpen, &RawClose, &RawDestroy};
    process = {sizeof(TrestleProcessFns), &RawProcess, nullptr, nullptr};
    op.struct_size = sizeof(TrestleOperatorDef);
    op.name = "throw_across";
    op.doc = "A raw C ABI transform whose process() throws a C++ exception through the ABI, for tests.";
    op.role = TRESTLE_ROLE_TRANSFORM;
    op.threading = TRESTLE_THREADING_SERIAL;
    op.lifecycle = &lifecycle;
    op.process = &process;
  }
  TrestleLifecycleFns lifecycle{};
  TrestleProcessFns process{};
  TrestleOperatorDef op{};
};

// For the early-signal test: with TRESTLE_CRASHKIT_SIGNAL_AT_LOAD=N and this library in
// LD_PRELOAD, signal N is sent to the process while the libraries are initialized,
// before main — deterministically inside the window that used to kill trestle.
[[gnu::constructor]] void SignalAtLoad() {
  if (const char* sig = std::getenv("TRESTLE_CRASHKIT_SIGNAL_AT_LOAD")) ::kill(::getpid(), std::atoi(sig));
}

}  // namespace

// The SDK's descriptor for the C++ operators, with the raw one appended.
extern "C" __attribute__((visibility("default"))) const TrestlePluginDescriptor* TRESTLE_PLUGIN_ENTRY(uint32_t,
                                                                                                      uint32_t) {
  static trestle::detail::PluginHolder holder = trestle::detail::PluginHolder::make<Crash, FailingSink>("crashkit", "1.0.0");
  static RawThrowAcross raw;
  static const TrestleOperatorDef* ops[3];
  static TrestlePluginDescriptor descriptor;
  descriptor = *holder.descriptor();
  for (size_t i = 0; i < descriptor.num_operators && i < 2; ++i) ops[i] = descriptor.operators[i];
  ops[descriptor.num_operators] = &raw.op;
  descriptor.operators = ops;
  descriptor.num_operators += 1;
  return &descriptor;
}
