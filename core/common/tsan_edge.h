#pragma once
/// Happens-before edges that ThreadSanitizer cannot see for itself.
///
/// Debian's oneTBB is not instrumented: TSan does not see that a message a thread hands
/// to a flow-graph node, or a function it hands to a task arena, is published to the
/// worker thread that runs it, and would report every such hand-off as a data race
/// (google/sanitizers#1004). So the thread that hands work over calls
/// TsanHandOffRelease() first, and the code that runs it calls TsanHandOffAcquire()
/// before it reads anything the other thread wrote, the closure's captures included. In
/// a build without TSan both compile to nothing. The edge is coarse (any release happens
/// before any later acquire), so TSan still reports accesses that overlap while both
/// sides run.

#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define TRESTLE_TSAN_EDGES 1
#endif
#endif
#if !defined(TRESTLE_TSAN_EDGES) && defined(__SANITIZE_THREAD__)
#define TRESTLE_TSAN_EDGES 1
#endif

#ifdef TRESTLE_TSAN_EDGES
extern "C" void __tsan_acquire(void* addr);
extern "C" void __tsan_release(void* addr);
#endif

namespace trestle::core {

#ifdef TRESTLE_TSAN_EDGES
/// The one address that stands for every hand-off: any release happens before any later
/// acquire. Never written; only its address is used.
inline void* TsanHandOffTag() {
  static char tag;
  return &tag;
}
inline void TsanHandOffRelease() { __tsan_release(TsanHandOffTag()); }
inline void TsanHandOffAcquire() { __tsan_acquire(TsanHandOffTag()); }
#else
inline void TsanHandOffRelease() {}
inline void TsanHandOffAcquire() {}
#endif

/// A fence for objects that oneTBB copies between threads inside its own code: a message
/// copied into the task that carries it to the next node, destroyed by the worker that
/// ran the task, its memory reused by another thread for the next message. Declared as
/// an object's first and last members (with [[no_unique_address]] they take no space),
/// a TsanFence is built, copied, assigned and destroyed before and after every other
/// member, and each time acquires, then releases, the hand-off edge: what one thread
/// wrote into a message, or left of one it destroyed, happens before what the next
/// thread does with it.
struct TsanFence {
  TsanFence() { Cross(); }
  TsanFence(const TsanFence&) { Cross(); }
  TsanFence& operator=(const TsanFence&) {
    Cross();
    return *this;
  }
  ~TsanFence() { Cross(); }

 private:
  static void Cross() {
    TsanHandOffAcquire();
    TsanHandOffRelease();
  }
};

}  // namespace trestle::core
