// WorkerThreadsJoined: joins oneTBB's worker threads when it goes out of scope.
//
// oneTBB starts its worker threads on the first parallel work and, unless told, never
// joins them: they are still running (or in the middle of exiting) while the process
// runs its exit handlers. A program that ends with threads in that state gives
// LeakSanitizer's exit-time check threads it cannot stop (its tracer then crashes,
// intermittently, failing a run that did nothing wrong), and leaves whatever those
// threads hold unfreed. One of these, declared first in main() and destroyed when main
// returns, makes the exit single-threaded as far as oneTBB is concerned.
//
// Ownership: holds a oneTBB scheduler handle; not copyable. If some other part of the
// process still holds oneTBB (an arena in use, another handle), the join is skipped
// and the exit is as without this object: never an exception, never a hang.
#pragma once

#include <new>

#include <oneapi/tbb/global_control.h>

namespace trestle {

class WorkerThreadsJoined {
 public:
  WorkerThreadsJoined() : handle_(oneapi::tbb::attach{}) {}
  ~WorkerThreadsJoined() { oneapi::tbb::finalize(handle_, std::nothrow); }
  WorkerThreadsJoined(const WorkerThreadsJoined&) = delete;
  WorkerThreadsJoined& operator=(const WorkerThreadsJoined&) = delete;

 private:
  oneapi::tbb::task_scheduler_handle handle_;
};

}  // namespace trestle
