#pragma once
// One libpq connection driven without blocking: every call waits on PQsocket with
// poll() against a deadline and the host's cancellation, a query past its deadline is
// cancelled on the server (PQcancel), and failures become trestle errors that name the
// server (host:port/dbname), the SQLSTATE and the server's message.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <libpq-fe.h>

namespace trestle_pg {

using Clock = std::chrono::steady_clock;

/// When a wait must end: a point in time, or never.
struct Deadline {
  std::optional<Clock::time_point> at;
  int64_t ms = 0;      ///< its length, for messages
  std::string option;  ///< the option that set it, for messages ("statement_timeout_ms")
  static Deadline never() { return {}; }
  /// ms <= 0 means never.
  static Deadline in_ms(int64_t ms, std::string option);
  bool passed() const { return at && Clock::now() >= *at; }
  /// Milliseconds to wait at most, capped at `cap` (0 once passed).
  int wait_ms(int cap) const;
};

/// Asks whether the host wants the call to stop (ctx.cancelled()).
using CancelFn = std::function<bool()>;

/// Where a conninfo points, for messages: never the password or the conninfo itself.
struct Endpoint {
  std::string host, port, dbname;
  /// "host:port/dbname"
  std::string str() const { return host + ":" + port + "/" + dbname; }
  /// Reads host, port and dbname from a libpq conninfo or postgresql:// URI (defaults
  /// from PGHOST/PGPORT/PGDATABASE/PGUSER as libpq would). Throws InvalidArgument naming
  /// `option` when libpq cannot parse it.
  static Endpoint parse(const std::string& conninfo, const std::string& option);
};

struct ResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
/// An owned PGresult.
using Result = std::unique_ptr<PGresult, ResultDeleter>;

/// A connected session. Not thread-safe: one caller at a time (the operators are serial).
class Session {
 public:
  /// Connects, retrying refused or not-yet-ready servers with exponential backoff and
  /// full jitter until `deadline_s` has passed; then throws trestle::Unavailable naming
  /// host:port and libpq's last error. A refusal that retrying cannot fix (unknown
  /// database or role, failed authentication) throws InvalidArgument at once.
  static std::unique_ptr<Session> connect(const std::string& conninfo, const Endpoint& endpoint, double deadline_s,
                                          const CancelFn& cancelled);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  const Endpoint& endpoint() const { return endpoint_; }
  /// False once the connection is known to be lost.
  bool ok() const;
  /// Inside a transaction block (or a failed one).
  bool in_transaction() const;

  /// Runs `sql` with text parameters $1..$N (none: the simple protocol, which allows
  /// several statements). `what` names the step in error messages. Returns the last
  /// result, or the PGRES_COPY_IN result of a COPY FROM STDIN.
  Result exec(const std::string& sql, const std::vector<std::string>& params, const std::string& what, Deadline d,
              const CancelFn& cancelled);
  Result prepare(const std::string& name, const std::string& sql, const std::string& what, Deadline d,
                 const CancelFn& cancelled);
  Result describe_prepared(const std::string& name, const std::string& what, Deadline d, const CancelFn& cancelled);

  /// Sends COPY data (after exec returned PGRES_COPY_IN) and flushes it to the socket.
  void put_copy(const char* data, size_t n, const std::string& what, Deadline d, const CancelFn& cancelled);
  /// Ends the COPY and waits for its result; throws on the server's error.
  void end_copy(const std::string& what, Deadline d, const CancelFn& cancelled);

  /// Throws the trestle error for a failed result (or a lost connection when r is null).
  [[noreturn]] void fail(const PGresult* r, const std::string& what) const;

 private:
  Session(PGconn* conn, Endpoint endpoint);
  bool poll_connect(Deadline d, const CancelFn& cancelled);
  template <typename Send>
  Result run(Send&& send, const std::string& what, Deadline d, const CancelFn& cancelled);
  void flush(const std::string& what, Deadline d, const CancelFn& cancelled);
  /// Waits until the socket is ready for `events` or `d` passes; returns the revents.
  short wait_socket(short events, Deadline d, int cap_ms) const;
  /// The deadline passed or the host cancelled: cancel the running query on the server,
  /// then throw DeadlineExceeded (or Unavailable for a host cancellation).
  [[noreturn]] void abandon(const std::string& what, const Deadline& d, bool by_host);
  [[noreturn]] void lost(const std::string& what) const;

  PGconn* conn_;
  Endpoint endpoint_;
  bool broken_ = false;  // a cancelled query never answered: the session is unusable
};

/// "connection lost", "server shutting down": worth a retry on a new connection.
bool is_transient_sqlstate(const std::string& sqlstate);

}  // namespace trestle_pg
