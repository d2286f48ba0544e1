#include "connection_options.h"

#include <stdlib.h>

#include <cstring>

#include <trestle/error.hpp>

namespace trestle_redis {

namespace {

std::string hiredis_version() {
  return std::to_string(HIREDIS_MAJOR) + "." + std::to_string(HIREDIS_MINOR) + "." + std::to_string(HIREDIS_PATCH);
}

}  // namespace

trestle::OperatorSpec& add_connection_params(trestle::OperatorSpec& spec) {
  return spec
      .param<std::string>("address",
                          "host:port of the Redis server ([v6addr]:port for IPv6; a host alone means port 6379)",
                          std::string("127.0.0.1:6379"))
      .param<std::string>("unix_socket", "path of the server's unix socket; when set, used instead of address",
                          std::string(""))
      .param<std::string>("user",
                          "ACL user (Redis 6+): the connection sends AUTH user password; empty: AUTH password alone "
                          "(the default user) when a password is set",
                          std::string(""))
      .param<std::string>("password",
                          "password for AUTH; secret: never logged or stored (use ${ENV} for it); empty: no AUTH",
                          std::string(""))
      .secret()
      .param<int64_t>("db", "database number (SELECT db after connecting)", int64_t{0})
      .min(0)
      .param<bool>("tls",
                   "must be false: this plugin is built on Debian's hiredis 0.14, which has no TLS (hiredis_ssl "
                   "arrived in hiredis 1.0); reach a TLS-only server through a local TLS tunnel (e.g. stunnel) or a "
                   "unix socket",
                   false)
      .param<int64_t>("command_timeout_ms",
                      "a reply that takes longer than this (the source adds block_ms) counts as a lost connection: "
                      "the operator reconnects and repeats the step",
                      int64_t{10000})
      .min(100)
      .param<double>("reconnect_timeout_s",
                     "a lost, refused or still-loading server is retried with exponential backoff (50 ms doubling "
                     "to 2 s, with jitter) for this long from the start of the outage; then the node fails with "
                     "UNAVAILABLE naming the server and the last error (also at open(), i.e. validate)",
                     60.0)
      .min(0.1);
}

ConnConfig connection_config(const trestle::Options& o, const std::string& op) {
  if (o.get_or<bool>("tls", false))
    throw trestle::InvalidArgument("option \"tls\": TLS is not available: this plugin is built on Debian's hiredis " +
                                   hiredis_version() +
                                   ", and hiredis 0.14 has no TLS (hiredis_ssl arrived in 1.0); connect through a "
                                   "local TLS tunnel (e.g. stunnel) or a unix socket and set tls: false");
  ConnConfig c;
  c.op = op;
  c.endpoint = Endpoint::parse(o.get_or<std::string>("address", "127.0.0.1:6379"),
                               o.get_or<std::string>("unix_socket", ""));
  c.user = o.get_or<std::string>("user", "");
  c.password = o.get_or<std::string>("password", "");
  if (!c.user.empty() && c.password.empty())
    throw trestle::InvalidArgument("option \"user\" is \"" + c.user +
                                   "\" but option \"password\" is empty: an ACL user authenticates with both");
  c.db = o.get_or<int64_t>("db", 0);
  if (c.db < 0) throw trestle::InvalidArgument("option \"db\" must not be negative");
  c.command_timeout_ms = o.get_or<int64_t>("command_timeout_ms", 10000);
  if (c.command_timeout_ms < 100) throw trestle::InvalidArgument("option \"command_timeout_ms\" must be at least 100");
  c.reconnect_timeout_s = o.get_or<double>("reconnect_timeout_s", 60.0);
  if (!(c.reconnect_timeout_s >= 0.1)) throw trestle::InvalidArgument("option \"reconnect_timeout_s\" must be at least 0.1");
  return c;
}

bool offline() {
  const char* v = std::getenv("TRESTLE_OFFLINE");
  return v != nullptr && std::strcmp(v, "1") == 0;
}

}  // namespace trestle_redis
