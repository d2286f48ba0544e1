#pragma once
/// Which process is which, across time: a pid alone is reused, so a process is named by
/// its host, its pid and an identity that changes when the pid is reused — the boot id
/// of the kernel and the process's start time in clock ticks since boot
/// (/proc/<pid>/stat field 22). The run store keeps these for every running run, so a
/// later start can tell a run whose process died (kill -9, a crash) from one still
/// running. Linux only; elsewhere identities are empty and nothing is reconciled.

#include <string>
#include <sys/types.h>

namespace trestle::core {

struct ProcessIdentity {
  std::string host;      ///< gethostname()
  pid_t pid = 0;
  std::string identity;  ///< "BOOT_ID:START_TICKS"; empty when unknown
};

/// This process.
ProcessIdentity CurrentProcess();
/// The identity string of process `pid` on this host now; empty when there is none.
std::string IdentityOf(pid_t pid);
/// Whether the process that `p` names (on this host) still runs: its pid exists and has
/// the same identity. False for processes of other hosts' records.
bool StillRunning(const ProcessIdentity& p);

}  // namespace trestle::core
