#pragma once
// A real redis-server for tests: one process listening on 127.0.0.1 at a free port and on
// a unix socket, with its files (AOF, log, socket) in a fresh temporary directory. Tests
// can stop it cleanly (SHUTDOWN NOSAVE, which still flushes the AOF), kill it (SIGKILL)
// and start it again on the same port and directory, so that a client sees a restart.
// The destructor kills the server and removes the directory.
//
// The binary is Debian's redis-server (7.0 in bookworm) at /usr/bin/redis-server, which
// scripts/install-deps.sh installs; a missing binary fails the tests, never skips them.

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

namespace trestle::scaletest {

/// One reply of the server, copied out of hiredis.
struct RedisValue {
  enum class Kind { kNil, kString, kStatus, kError, kInteger, kArray };
  Kind kind = Kind::kNil;
  std::string str;  ///< kString, kStatus, kError
  long long integer = 0;
  std::vector<RedisValue> elements;  ///< kArray

  bool is_error() const { return kind == Kind::kError; }
  /// A compact rendering for assertions and messages: strings quoted, arrays in
  /// brackets, nil as "nil", errors as "(error) MESSAGE", integers as digits.
  std::string ToString() const;
};

/// How to start the server.
struct RedisConfig {
  bool appendonly = true;                    ///< --appendonly yes|no
  std::string appendfsync = "always";        ///< survives Kill() without losing a write
  std::vector<std::string> extra_args;       ///< more "--name value" arguments
  /// When set, Command() authenticates with AUTH admin_user admin_password (or AUTH
  /// admin_password alone when admin_user is empty) before each command.
  std::string admin_user, admin_password;
};

class RedisServer {
 public:
  /// Starts a server. Returns nullptr and sets `*error` (naming the missing binary, or
  /// the server's log when it did not come up) when it cannot.
  static std::unique_ptr<RedisServer> Create(std::string* error, RedisConfig config = {});
  /// Kills the server and removes its directory.
  ~RedisServer();
  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;

  /// SHUTDOWN NOSAVE and waits for the process to exit (the AOF is flushed first).
  bool Stop(std::string* error = nullptr);
  /// Starts it again on the same port and directory (after Stop or Kill); with
  /// appendonly the data comes back from the AOF. Waits until its log says it is ready
  /// (it has loaded its data) and it answers PING.
  bool Start(std::string* error = nullptr);
  /// SIGKILL: a crash.
  void Kill();
  bool running() const { return pid_ > 0; }

  int port() const { return port_; }
  const std::string& dir() const { return dir_; }
  /// "127.0.0.1:PORT"
  std::string address() const;
  /// The path of its unix socket.
  std::string unix_socket() const { return dir_ + "/redis.sock"; }

  /// Runs one command on a new connection. A connection failure comes back as a
  /// kError value starting with "(connection)".
  RedisValue Command(const std::vector<std::string>& argv) const;
  /// Runs commands pipelined on one connection; one reply per command.
  std::vector<RedisValue> Pipeline(const std::vector<std::vector<std::string>>& commands) const;
  /// Command(), adding a test failure naming the command when the reply is an error.
  RedisValue Must(const std::vector<std::string>& argv) const;
  /// Must() of a command whose reply is an integer.
  long long Int(const std::vector<std::string>& argv) const;

  /// The server's log (for failure messages).
  std::string Log() const;

 private:
  RedisServer() = default;
  bool Spawn(std::string* error);
  bool WaitReady(std::string* error);
  /// How many times the log says the server became ready.
  int ReadyLines() const;

  RedisConfig config_;
  std::string dir_;
  int port_ = 0;
  pid_t pid_ = 0;
  int ready_lines_before_ = 0;
};

/// The redis-server binary the tests run.
std::string RedisServerBinary();

}  // namespace trestle::scaletest
