#pragma once
/// An alternate signal stack for the calling thread, so that a fatal-signal handler can
/// still run when the thread's own stack is exhausted (a plugin recursing without end
/// gets SIGSEGV with no stack left to handle it on). Call at the start of every thread
/// that may run plugin code; idempotent per thread. The stack is freed, after being
/// switched off, when the thread ends.

namespace trestle::core {

void EnsureSignalStack() noexcept;

}  // namespace trestle::core
