#pragma once
// One hiredis connection that survives a lost server: every use goes through
// Connection::run(), which (re)connects with exponential backoff (50 ms doubling to 2 s,
// with jitter) while the server is unreachable or still loading its data, for at most
// reconnect_timeout_s from the start of the outage, and then fails with UNAVAILABLE
// naming the server and the last error. The work passed to run() is called again after
// each reconnect, so it must be written to be repeated (the operators keep their own
// progress outside it).
//
// hiredis 0.14's synchronous API writes to the socket with write(2): a server that went
// away raises SIGPIPE, which the trestle runtime ignores (runtime/process_start.h) and
// the plugin's tests ignore too.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <hiredis/hiredis.h>

#include <trestle/context.hpp>

namespace trestle_redis {

using Clock = std::chrono::steady_clock;

/// Where the server is: host:port or a unix socket. Never holds credentials.
struct Endpoint {
  std::string host = "127.0.0.1";
  int port = 6379;
  std::string unix_socket;  ///< when set, used instead of host:port
  /// "127.0.0.1:6379" or "unix:/run/redis.sock", for messages.
  std::string str() const;
  /// Reads option `address` ("host:port", "host", "[v6]:port") or, when `unix_socket`
  /// is not empty, that path. Throws InvalidArgument naming the option on a bad value.
  static Endpoint parse(const std::string& address, const std::string& unix_socket);
};

/// How to reach and talk to the server.
struct ConnConfig {
  Endpoint endpoint;
  std::string user;      ///< AUTH user password (Redis 6 ACL) when set
  std::string password;  ///< AUTH password alone when user is empty
  int64_t db = 0;        ///< SELECT db when not 0
  int64_t command_timeout_ms = 10000;  ///< a reply later than this counts as a lost connection
  int64_t extra_read_ms = 0;           ///< added to the read time-out (a source's BLOCK)
  double reconnect_timeout_s = 60;
  std::string op;  ///< the operator's name, first word of every message
};

struct ReplyDeleter {
  void operator()(redisReply* r) const {
    if (r != nullptr) freeReplyObject(r);
  }
};
/// An owned hiredis reply.
using Reply = std::unique_ptr<redisReply, ReplyDeleter>;

/// Inside run(): the connection broke (I/O error, server closed it, no reply in time) or
/// the server answered with an error that a later attempt can overcome (LOADING, BUSY,
/// MASTERDOWN, TRYAGAIN). run() reconnects and calls the work again.
struct ConnectionLost : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// Asks whether the host wants the call to stop (ctx.cancelled()).
using CancelFn = std::function<bool()>;

/// Thrown by run() when `cancelled` turned true while it waited to reconnect.
struct ReconnectCancelled : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// A connection, open or not. Not thread-safe: the operators call it one call at a time.
class Connection {
 public:
  explicit Connection(ConnConfig config);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  const ConnConfig& config() const { return config_; }
  const Endpoint& endpoint() const { return config_.endpoint; }
  bool connected() const { return ctx_ != nullptr; }
  /// Successful connects so far; a change tells the caller that a reconnect happened.
  uint64_t generation() const { return generation_; }

  /// Calls `work` with a live connection, reconnecting as described at the top of this
  /// file while it throws ConnectionLost. `what` names the step in messages ("reading
  /// stream \"s\""). `ctx` (may be null: open() has none) receives the rate-limited
  /// warnings while disconnected, the redis_reconnects counter and the redis_connected
  /// gauge. `cancelled` (may be empty) ends the wait early with ReconnectCancelled.
  /// Throws trestle::Unavailable when the outage outlasts reconnect_timeout_s, and
  /// trestle::InvalidArgument when the server refuses AUTH or SELECT. Any other
  /// exception of `work` passes through; the connection is closed first when replies
  /// of queued commands are still unread (it could not be used in order again).
  void run(const std::string& what, trestle::Context* ctx, const CancelFn& cancelled, const std::function<void()>& work);

  /// Queues a command (sent at the next read_reply()).
  void append(const std::vector<std::string>& argv);
  /// The next reply of the queued commands. Throws ConnectionLost on a broken
  /// connection or a transient server error; other error replies are returned.
  Reply read_reply();
  /// append + read_reply.
  Reply command(const std::vector<std::string>& argv);
  /// Closes the connection (the next run() reconnects).
  void drop();

  /// "redis_stream_source on 127.0.0.1:6379": how messages start.
  std::string where() const { return config_.op + " on redis " + config_.endpoint.str(); }

 private:
  /// One attempt. Throws ConnectionLost when the server cannot be reached or is not
  /// ready, InvalidArgument when it refuses the credentials or the database.
  void connect_once(int64_t timeout_ms);
  [[noreturn]] void lost(const std::string& why);

  ConnConfig config_;
  redisContext* ctx_ = nullptr;
  uint64_t generation_ = 0;
  size_t unread_replies_ = 0;  // queued commands whose replies were not read yet
};

/// The first word of an error reply ("WRONGTYPE", "NOGROUP", "ERR"...).
std::string error_code(const redisReply* r);
/// The whole error message of an error reply, or a description of an unexpected one.
std::string reply_text(const redisReply* r);
/// A reply as short text for messages: strings quoted, arrays in brackets, cut at 300 bytes.
std::string describe(const redisReply* r);

/// Throws the trestle error for an error reply that the caller does not handle itself:
/// OOM -> ResourceExhausted, NOPERM/NOAUTH/WRONGPASS -> InvalidArgument, an unknown
/// command -> InvalidArgument (naming the Redis version needed), else DataError; the
/// message starts with conn.where() and names `what`.
[[noreturn]] void throw_reply_error(const Connection& conn, const redisReply* r, const std::string& what);

}  // namespace trestle_redis
