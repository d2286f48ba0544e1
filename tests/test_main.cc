// main() of the core test binaries: GoogleTest's, with oneTBB's worker threads joined
// before the process exits (core/exec/worker_threads_joined.h says why).
#include <gtest/gtest.h>

#include "exec/worker_threads_joined.h"

int main(int argc, char** argv) {
  trestle::WorkerThreadsJoined tbb_workers;
  testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
