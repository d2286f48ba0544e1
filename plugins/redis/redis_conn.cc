#include "redis_conn.h"

#include <sys/time.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <optional>
#include <random>
#include <thread>

#include <trestle/error.hpp>

namespace trestle_redis {

namespace {

constexpr int64_t kFirstBackoffMs = 50;
constexpr int64_t kMaxBackoffMs = 2000;
constexpr double kLogEveryS = 5.0;  // at most one "still unreachable" warning this often

timeval to_timeval(int64_t ms) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(ms / 1000);
  tv.tv_usec = static_cast<suseconds_t>((ms % 1000) * 1000);
  return tv;
}

std::string seconds(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", s);
  return buf;
}

bool all_digits(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

/// Server errors that a later attempt overcomes: a server loading its data after a
/// restart, one busy with a script, a replica whose primary is down, a cluster moving.
bool transient_error(const std::string& code) {
  return code == "LOADING" || code == "BUSY" || code == "MASTERDOWN" || code == "TRYAGAIN" ||
         code == "CLUSTERDOWN";
}

void describe_into(std::string& out, const redisReply* r) {
  if (out.size() > 300) return;
  if (r == nullptr) {
    out += "(no reply)";
    return;
  }
  switch (r->type) {
    case REDIS_REPLY_STRING: out += "\"" + std::string(r->str, r->len) + "\""; break;
    case REDIS_REPLY_STATUS: out.append(r->str, r->len); break;
    case REDIS_REPLY_ERROR: out += "(error) " + std::string(r->str, r->len); break;
    case REDIS_REPLY_INTEGER: out += std::to_string(r->integer); break;
    case REDIS_REPLY_NIL: out += "nil"; break;
    case REDIS_REPLY_ARRAY:
      out += "[";
      for (size_t i = 0; i < r->elements; ++i) {
        if (i) out += ",";
        describe_into(out, r->element[i]);
        if (out.size() > 300) break;
      }
      out += "]";
      break;
    default: out += "(reply type " + std::to_string(r->type) + ")";
  }
}

}  // namespace

std::string Endpoint::str() const {
  if (!unix_socket.empty()) return "unix:" + unix_socket;
  if (host.find(':') != std::string::npos) return "[" + host + "]:" + std::to_string(port);
  return host + ":" + std::to_string(port);
}

Endpoint Endpoint::parse(const std::string& address, const std::string& unix_socket) {
  Endpoint e;
  if (!unix_socket.empty()) {
    e.unix_socket = unix_socket;
    return e;
  }
  const std::string bad = "option \"address\" is \"" + address + "\": ";
  if (address.empty()) throw trestle::InvalidArgument("option \"address\" is empty: give host:port (e.g. 127.0.0.1:6379) or set option \"unix_socket\"");
  if (address.find("://") != std::string::npos)
    throw trestle::InvalidArgument(bad + "write host:port (e.g. 127.0.0.1:6379), not a URL; credentials go in options user and password, the database in option db");
  if (address.find_first_of(" \t/@") != std::string::npos)
    throw trestle::InvalidArgument(bad + "a host:port has no spaces, '/' or '@' (e.g. redis.internal:6379)");
  std::string port;
  if (address[0] == '[') {
    const size_t close = address.find(']');
    if (close == std::string::npos) throw trestle::InvalidArgument(bad + "an IPv6 address needs its closing ']' ([::1]:6379)");
    e.host = address.substr(1, close - 1);
    if (close + 1 < address.size()) {
      if (address[close + 1] != ':') throw trestle::InvalidArgument(bad + "expected ':' and a port after ']'");
      port = address.substr(close + 2);
      if (port.empty()) throw trestle::InvalidArgument(bad + "the port after ':' is missing");
    }
  } else {
    const size_t colon = address.find(':');
    if (colon != std::string::npos && address.find(':', colon + 1) != std::string::npos)
      throw trestle::InvalidArgument(bad + "write an IPv6 address in brackets with its port, e.g. [::1]:6379");
    e.host = address.substr(0, colon);
    if (colon != std::string::npos) {
      port = address.substr(colon + 1);
      if (port.empty()) throw trestle::InvalidArgument(bad + "the port after ':' is missing");
    }
  }
  if (e.host.empty()) throw trestle::InvalidArgument(bad + "the host is missing (e.g. 127.0.0.1:6379)");
  if (!port.empty()) {
    if (!all_digits(port) || port.size() > 5 || std::stoi(port) < 1 || std::stoi(port) > 65535)
      throw trestle::InvalidArgument(bad + "the port \"" + port + "\" is not a number from 1 to 65535");
    e.port = std::stoi(port);
  }
  return e;
}

std::string error_code(const redisReply* r) {
  if (r == nullptr || r->type != REDIS_REPLY_ERROR || r->str == nullptr) return "";
  std::string s(r->str, r->len);
  return s.substr(0, s.find(' '));
}

std::string reply_text(const redisReply* r) {
  if (r != nullptr && r->type == REDIS_REPLY_ERROR && r->str != nullptr) return std::string(r->str, r->len);
  return "unexpected reply " + describe(r);
}

std::string describe(const redisReply* r) {
  std::string out;
  describe_into(out, r);
  if (out.size() > 300) out = out.substr(0, 300) + "...";
  return out;
}

void throw_reply_error(const Connection& conn, const redisReply* r, const std::string& what) {
  const std::string code = error_code(r);
  const std::string text = reply_text(r);
  const std::string m = conn.where() + ": " + what + " failed: " + text;
  if (code == "OOM") throw trestle::ResourceExhausted(m + " (the server is at its maxmemory)");
  if (code == "NOPERM")
    throw trestle::InvalidArgument(m + " (the ACL user of option \"user\" lacks a permission this operator needs)");
  if (code == "NOAUTH" || code == "WRONGPASS") throw trestle::InvalidArgument(m + " (check options user and password)");
  if (code == "ERR" && text.find("unknown command") != std::string::npos)
    throw trestle::InvalidArgument(m + " (the redis operators need Redis 6.2 or later; Redis 7 for the lag metric)");
  if (code == "WRONGTYPE") throw trestle::InvalidArgument(m);
  throw trestle::DataError(m);
}

Connection::Connection(ConnConfig config) : config_(std::move(config)) {}

Connection::~Connection() { drop(); }

void Connection::drop() {
  if (ctx_ != nullptr) redisFree(ctx_);
  ctx_ = nullptr;
  unread_replies_ = 0;
}

void Connection::lost(const std::string& why) {
  drop();
  throw ConnectionLost(why);
}

void Connection::append(const std::vector<std::string>& argv) {
  std::vector<const char*> args;
  std::vector<size_t> lens;
  args.reserve(argv.size());
  lens.reserve(argv.size());
  for (const auto& a : argv) args.push_back(a.data()), lens.push_back(a.size());
  if (ctx_ == nullptr) throw ConnectionLost("not connected");
  if (redisAppendCommandArgv(ctx_, static_cast<int>(args.size()), args.data(), lens.data()) != REDIS_OK)
    lost(ctx_->errstr);
  ++unread_replies_;
}

Reply Connection::read_reply() {
  if (ctx_ == nullptr) throw ConnectionLost("not connected");
  void* raw = nullptr;
  if (redisGetReply(ctx_, &raw) != REDIS_OK) {
    std::string why = ctx_->errstr;
    if (ctx_->err == REDIS_ERR_IO && (why == std::strerror(EAGAIN) || why == std::strerror(EWOULDBLOCK)))
      why = "no reply within " + std::to_string(config_.command_timeout_ms + config_.extra_read_ms) +
            " ms (option command_timeout_ms)";
    if (why.empty()) why = "connection error " + std::to_string(ctx_->err);
    lost(why);
  }
  if (unread_replies_ > 0) --unread_replies_;
  Reply r(static_cast<redisReply*>(raw));
  if (r && r->type == REDIS_REPLY_ERROR && transient_error(error_code(r.get()))) lost(reply_text(r.get()));
  return r;
}

Reply Connection::command(const std::vector<std::string>& argv) {
  append(argv);
  return read_reply();
}

void Connection::connect_once(int64_t timeout_ms) {
  drop();
  const timeval connect_tv = to_timeval(std::max<int64_t>(timeout_ms, 50));
  const Endpoint& e = config_.endpoint;
  redisContext* c = e.unix_socket.empty() ? redisConnectWithTimeout(e.host.c_str(), e.port, connect_tv)
                                          : redisConnectUnixWithTimeout(e.unix_socket.c_str(), connect_tv);
  if (c == nullptr) throw ConnectionLost("out of memory creating a connection");
  if (c->err) {
    std::string why = c->errstr;
    redisFree(c);
    throw ConnectionLost(why.empty() ? "cannot connect" : why);
  }
  ctx_ = c;
  if (redisSetTimeout(ctx_, to_timeval(config_.command_timeout_ms + config_.extra_read_ms)) != REDIS_OK)
    lost("cannot set the socket time-out");
  if (e.unix_socket.empty()) redisEnableKeepAlive(ctx_);
  if (!config_.password.empty()) {
    Reply r = config_.user.empty() ? command({"AUTH", config_.password}) : command({"AUTH", config_.user, config_.password});
    if (r->type == REDIS_REPLY_ERROR) {
      std::string text = reply_text(r.get());
      drop();
      throw trestle::InvalidArgument(where() + " refused AUTH" +
                                     (config_.user.empty() ? std::string() : " for user \"" + config_.user + "\"") +
                                     ": " + text + " (check options user and password)");
    }
  }
  if (config_.db != 0) {
    Reply r = command({"SELECT", std::to_string(config_.db)});
    if (r->type == REDIS_REPLY_ERROR) {
      std::string text = reply_text(r.get());
      drop();
      throw trestle::InvalidArgument(where() + " refused option \"db\" = " + std::to_string(config_.db) + ": " + text);
    }
  }
  // PING proves the session usable: a server still loading its AOF answers LOADING
  // (read_reply turns that into ConnectionLost), one that wants a password NOAUTH.
  Reply pong = command({"PING"});
  if (pong->type == REDIS_REPLY_ERROR) {
    std::string text = reply_text(pong.get());
    drop();
    if (error_code(pong.get()) == "NOAUTH")
      throw trestle::InvalidArgument(where() + " requires authentication: " + text + " (set options password, and user for an ACL user)");
    throw trestle::InvalidArgument(where() + " refused PING: " + text);
  }
  ++generation_;
}

void Connection::run(const std::string& what, trestle::Context* ctx, const CancelFn& cancelled,
                     const std::function<void()>& work) {
  struct Outage {
    Clock::time_point start;
    Clock::time_point last_log;
    int attempts = 0;
    std::string last_error;
  };
  std::optional<Outage> outage;
  int64_t backoff_ms = kFirstBackoffMs;
  std::minstd_rand rng(static_cast<unsigned>(Clock::now().time_since_epoch().count()));
  const auto limit = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(config_.reconnect_timeout_s));
  for (;;) {
    std::string failure;
    try {
      if (ctx_ == nullptr) {
        int64_t timeout = config_.command_timeout_ms;
        if (outage) {
          auto left = std::chrono::duration_cast<std::chrono::milliseconds>(outage->start + limit - Clock::now()).count();
          timeout = std::clamp<int64_t>(left, 50, timeout);
        }
        const uint64_t before = generation_;
        connect_once(timeout);
        if (before > 0 && ctx) ctx->count("redis_reconnects");
      }
      work();
      if (ctx) {
        if (outage)
          ctx->info(where() + ": reconnected after " +
                    seconds(std::chrono::duration<double>(Clock::now() - outage->start).count()) + " s (" +
                    std::to_string(outage->attempts) + " failed attempt" + (outage->attempts == 1 ? "" : "s") +
                    "); " + what + " goes on");
        ctx->gauge("redis_connected", 1);
      }
      return;
    } catch (const ConnectionLost& e) {
      failure = e.what();
      drop();
    } catch (...) {
      if (unread_replies_ > 0) drop();
      throw;
    }
    const auto now = Clock::now();
    if (!outage) {
      outage = Outage{now, now, 0, {}};
      if (ctx)
        ctx->warning(where() + ": connection lost while " + what + " (" + failure + "); reconnecting for up to " +
                     seconds(config_.reconnect_timeout_s) + " s (option reconnect_timeout_s)");
    } else if (ctx && std::chrono::duration<double>(now - outage->last_log).count() >= kLogEveryS) {
      outage->last_log = now;
      ctx->warning(where() + ": still unreachable after " +
                   seconds(std::chrono::duration<double>(now - outage->start).count()) + " s (" +
                   std::to_string(outage->attempts + 1) + " attempts): " + failure);
    }
    ++outage->attempts;
    outage->last_error = failure;
    if (ctx) ctx->gauge("redis_connected", 0);
    const auto deadline = outage->start + limit;
    if (now >= deadline)
      throw trestle::Unavailable(where() + ": " + what + " failed: the server was unreachable for " +
                                 seconds(std::chrono::duration<double>(now - outage->start).count()) + " s (option reconnect_timeout_s = " +
                                 seconds(config_.reconnect_timeout_s) + ") over " + std::to_string(outage->attempts) +
                                 " attempt" + (outage->attempts == 1 ? "" : "s") + "; last error: " + failure);
    // Half the backoff fixed, half random, so that many clients do not come back at once.
    const int64_t wait_ms = backoff_ms / 2 + static_cast<int64_t>(rng() % static_cast<unsigned>(backoff_ms / 2 + 1));
    backoff_ms = std::min(kMaxBackoffMs, backoff_ms * 2);
    const auto until = std::min(deadline, now + std::chrono::milliseconds(wait_ms));
    while (Clock::now() < until) {
      if (cancelled && cancelled())
        throw ReconnectCancelled(where() + ": " + what + " stopped: the run is stopping while the server is unreachable (" + failure + ")");
      std::this_thread::sleep_for(std::min<Clock::duration>(std::chrono::milliseconds(20), until - Clock::now()));
    }
  }
}

}  // namespace trestle_redis
