#pragma once
/// Background threads that must never take CPU from the data path (monitors, shadow
/// models) lower their own scheduling priority.

namespace trestle::core {

/// Moves the calling thread to Linux's SCHED_IDLE policy: it runs only on a core that
/// nothing else wants (its weight is about 1/300 of a normal thread's), so it cannot
/// slow the data path; on an otherwise idle core it runs at full speed. Where that is
/// refused, the thread's nice value is raised by 19 instead. Neither needs a privilege;
/// a failure of both is logged once and ignored.
void MakeCurrentThreadBackground();

}  // namespace trestle::core
