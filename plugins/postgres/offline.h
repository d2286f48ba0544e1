#pragma once
// TRESTLE_OFFLINE=1 in the environment (`trestle validate --offline`): the database
// operators check their options but do not connect at open().

#include <stdlib.h>

#include <cstring>

namespace trestle_pg {

inline bool offline() {
  const char* v = std::getenv("TRESTLE_OFFLINE");
  return v != nullptr && std::strcmp(v, "1") == 0;
}

}  // namespace trestle_pg
