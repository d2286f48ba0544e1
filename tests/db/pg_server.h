#pragma once
// A real PostgreSQL 15 server for tests: a fresh cluster in a temporary directory,
// listening on 127.0.0.1 at a free port and on a unix socket in that directory, with
// fsync off. Tests that need a database start one (one per test binary where they can
// share it) and the destructor stops it and removes its files.
//
// The binaries come from Debian's postgresql-15 (/usr/lib/postgresql/15/bin), which
// scripts/install-deps.sh installs. PostgreSQL refuses to run as root: as root the
// commands run through `runuser -u postgres --` and the directory belongs to postgres.

#include <memory>
#include <string>
#include <vector>

namespace trestle::dbtest {

/// What Exec returned: rows as text, or the server's error.
struct SqlResult {
  bool ok = false;
  std::string error;                          ///< "SQLSTATE 42P01: relation ... does not exist"
  std::vector<std::vector<std::string>> rows; ///< NULL reads as "NULL"
  /// The rows joined: fields by '|', rows by '\n' (no trailing newline).
  std::string Text() const;
};

class PgServer {
 public:
  /// Creates and starts a new cluster. Returns nullptr and sets `*error` (naming the
  /// missing binary, or the command that failed with its log) when it cannot.
  static std::unique_ptr<PgServer> Create(std::string* error);
  /// Stops the server (immediately) and removes its directory.
  ~PgServer();
  PgServer(const PgServer&) = delete;
  PgServer& operator=(const PgServer&) = delete;

  /// pg_ctl stop -m fast: sessions are ended, the server shuts down cleanly.
  bool Stop(std::string* error = nullptr);
  /// Starts it again with the same data directory and port (after Stop or Kill).
  bool Start(std::string* error = nullptr);
  /// SIGKILL to the postmaster and every backend: a crash. Start() recovers it.
  void Kill();
  bool running() const { return running_; }

  int port() const { return port_; }
  const std::string& dir() const { return dir_; }
  /// libpq keyword/value connection string for database `db` over TCP.
  std::string ConnInfo(const std::string& db = "postgres") const;
  /// The same as a postgresql:// URI.
  std::string Uri(const std::string& db = "postgres") const;

  /// Runs `sql` (one or more statements; the rows are those of the last) as postgres.
  SqlResult TryExec(const std::string& sql, const std::string& db = "postgres") const;
  /// TryExec, adding a test failure naming the statement when it fails; returns Text().
  std::string Exec(const std::string& sql, const std::string& db = "postgres") const;

  /// The server's log (for failure messages).
  std::string Log() const;

 private:
  PgServer() = default;
  /// Runs a PostgreSQL binary (as postgres when root); false with its output otherwise.
  bool Run(const std::vector<std::string>& argv, std::string* error) const;

  std::string dir_;
  int port_ = 0;
  bool running_ = false;
};

/// The directory holding initdb, pg_ctl and postgres.
std::string PgBinDir();
/// A TCP port on 127.0.0.1 that was free a moment ago.
int FreePort();

}  // namespace trestle::dbtest
