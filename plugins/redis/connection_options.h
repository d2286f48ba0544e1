#pragma once
// The options every redis operator shares (address or unix_socket, user, password, db,
// tls, command_timeout_ms, reconnect_timeout_s), declared once so that `plugins
// inspect` documents them the same way for each operator.

#include <string>

#include <trestle/options.hpp>
#include <trestle/spec.hpp>

#include "redis_conn.h"

namespace trestle_redis {

/// Declares the shared options on `spec` (after the operator's own).
trestle::OperatorSpec& add_connection_params(trestle::OperatorSpec& spec);

/// Reads them. Throws InvalidArgument naming the option: tls: true (hiredis 0.14 has
/// no TLS), a bad address, user without password.
ConnConfig connection_config(const trestle::Options& o, const std::string& op);

/// TRESTLE_OFFLINE=1 in the environment (`trestle validate --offline`): the operators
/// check their options but do not connect at open().
bool offline();

}  // namespace trestle_redis
