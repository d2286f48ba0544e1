#pragma once
/// RunStore::Transaction, the template that the files writing the store share. Internal
/// to core/store.

#include "store/run_store.h"

namespace trestle::core {

namespace store_internal {
/// Times a transaction is tried again while the database is busy.
inline constexpr int kBusyRetries = 5;
}  // namespace store_internal

template <typename Body>
Status RunStore::Transaction(Body&& body) {
  Status st;
  for (int attempt = 0; attempt <= store_internal::kBusyRetries; ++attempt) {
    st = Exec("BEGIN IMMEDIATE");
    if (st.ok()) {
      st = body();
      if (st.ok()) st = Exec("COMMIT");
      if (!st.ok()) (void)Exec("ROLLBACK");
    }
    if (st.ok() || st.code() != Code::kUnavailable) return st;
  }
  return st;
}

}  // namespace trestle::core
