#include "redis_server.h"

#include "../free_port.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>
#include <hiredis/hiredis.h>

namespace trestle::scaletest {

namespace fs = std::filesystem;

std::string RedisServerBinary() { return "/usr/bin/redis-server"; }

namespace {

constexpr const char* kReadyLine = "Ready to accept connections";


std::string ReadFile(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

RedisValue Copy(const redisReply* r) {
  RedisValue v;
  if (r == nullptr) return v;
  switch (r->type) {
    case REDIS_REPLY_STRING: v.kind = RedisValue::Kind::kString; break;
    case REDIS_REPLY_STATUS: v.kind = RedisValue::Kind::kStatus; break;
    case REDIS_REPLY_ERROR: v.kind = RedisValue::Kind::kError; break;
    case REDIS_REPLY_INTEGER: v.kind = RedisValue::Kind::kInteger; break;
    case REDIS_REPLY_ARRAY: v.kind = RedisValue::Kind::kArray; break;
    default: v.kind = RedisValue::Kind::kNil; break;
  }
  if (r->str != nullptr) v.str.assign(r->str, r->len);
  v.integer = r->integer;
  for (size_t i = 0; r->type == REDIS_REPLY_ARRAY && i < r->elements; ++i) v.elements.push_back(Copy(r->element[i]));
  return v;
}

RedisValue ConnectionError(const std::string& what) {
  RedisValue v;
  v.kind = RedisValue::Kind::kError;
  v.str = "(connection) " + what;
  return v;
}

}  // namespace

std::string RedisValue::ToString() const {
  switch (kind) {
    case Kind::kNil: return "nil";
    case Kind::kString: return "\"" + str + "\"";
    case Kind::kStatus: return str;
    case Kind::kError: return "(error) " + str;
    case Kind::kInteger: return std::to_string(integer);
    case Kind::kArray: {
      std::string s = "[";
      for (size_t i = 0; i < elements.size(); ++i) s += (i ? "," : "") + elements[i].ToString();
      return s + "]";
    }
  }
  return "?";
}

std::unique_ptr<RedisServer> RedisServer::Create(std::string* error, RedisConfig config) {
  if (access(RedisServerBinary().c_str(), X_OK) != 0) {
    *error = RedisServerBinary() + " is missing: the Redis tests need redis-server 7 (Debian's redis-server; "
                                   "scripts/install-deps.sh installs it)";
    return nullptr;
  }
  std::unique_ptr<RedisServer> s(new RedisServer());
  s->config_ = std::move(config);
  std::string pattern = "/tmp/trestle-redis-XXXXXX";
  if (mkdtemp(pattern.data()) == nullptr) {
    *error = "mkdtemp " + pattern + " failed";
    return nullptr;
  }
  s->dir_ = pattern;
  // A port another process takes between choosing it and the start: try another.
  for (int attempt = 0; attempt < 5; ++attempt) {
    s->port_ = testing_support::FreeLoopbackPort();
    if (s->Start(error)) return s;
  }
  return nullptr;
}

RedisServer::~RedisServer() {
  Kill();
  std::error_code ec;
  if (!dir_.empty()) fs::remove_all(dir_, ec);
}

std::string RedisServer::address() const { return "127.0.0.1:" + std::to_string(port_); }

int RedisServer::ReadyLines() const {
  const std::string log = Log();
  int n = 0;
  for (size_t at = log.find(kReadyLine); at != std::string::npos; at = log.find(kReadyLine, at + 1)) ++n;
  return n;
}

bool RedisServer::Spawn(std::string* error) {
  ready_lines_before_ = ReadyLines();
  std::vector<std::string> argv = {RedisServerBinary(),
                                   "--port", std::to_string(port_),
                                   "--bind", "127.0.0.1",
                                   "--dir", dir_,
                                   "--save", "",
                                   "--appendonly", config_.appendonly ? "yes" : "no",
                                   "--appendfsync", config_.appendfsync,
                                   "--daemonize", "no",
                                   "--unixsocket", unix_socket(),
                                   "--unixsocketperm", "700",
                                   "--logfile", dir_ + "/redis.log"};
  argv.insert(argv.end(), config_.extra_args.begin(), config_.extra_args.end());
  pid_t pid = fork();
  if (pid < 0) {
    if (error) *error = "fork failed";
    return false;
  }
  if (pid == 0) {
    int out = open((dir_ + "/stdout.log").c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (out >= 0) {
      dup2(out, 1);
      dup2(out, 2);
      close(out);
    }
    int null_in = open("/dev/null", O_RDONLY);
    if (null_in >= 0) dup2(null_in, 0);
    if (chdir(dir_.c_str()) != 0) _exit(126);
    std::vector<char*> args;
    for (auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  pid_ = pid;
  return true;
}

bool RedisServer::WaitReady(std::string* error) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  std::string last;
  while (std::chrono::steady_clock::now() < until) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = 0;
      if (error)
        *error = "redis-server on port " + std::to_string(port_) + " exited (status " + std::to_string(status) +
                 ") while starting:\n" + Log() + ReadFile(dir_ + "/stdout.log");
      return false;
    }
    // Redis 7 loads a multi-part AOF file by file and answers INFO in between with
    // loading:0, so the log line that ends the start-up is what tells it is ready.
    if (ReadyLines() > ready_lines_before_) {
      RedisValue pong = Command({"PING"});
      if (pong.kind == RedisValue::Kind::kStatus && pong.str == "PONG") return true;
      last = pong.ToString();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (error) *error = "redis-server on port " + std::to_string(port_) + " did not answer within 30 s (" + last + "):\n" + Log();
  Kill();
  return false;
}

bool RedisServer::Start(std::string* error) {
  if (running()) return true;
  return Spawn(error) && WaitReady(error);
}

bool RedisServer::Stop(std::string* error) {
  if (!running()) return true;
  // The server closes the connection without a reply when the shutdown succeeds.
  RedisValue r = Command({"SHUTDOWN", "NOSAVE"});
  if (r.is_error() && r.str.rfind("(connection)", 0) != 0) {
    if (error) *error = "SHUTDOWN NOSAVE failed: " + r.str;
    return false;
  }
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < until) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = 0;
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (error) *error = "redis-server did not exit within 30 s of SHUTDOWN NOSAVE:\n" + Log();
  return false;
}

void RedisServer::Kill() {
  if (!running()) return;
  kill(pid_, SIGKILL);
  int status = 0;
  while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  pid_ = 0;
}

std::vector<RedisValue> RedisServer::Pipeline(const std::vector<std::vector<std::string>>& commands) const {
  std::vector<RedisValue> out;
  timeval tv{10, 0};
  redisContext* c = redisConnectWithTimeout("127.0.0.1", port_, tv);
  if (c == nullptr || c->err) {
    std::string m = c ? c->errstr : "out of memory";
    if (c) redisFree(c);
    for (size_t i = 0; i < commands.size(); ++i) out.push_back(ConnectionError(m));
    return out;
  }
  redisSetTimeout(c, tv);
  auto append = [c](const std::vector<std::string>& argv) {
    std::vector<const char*> args;
    std::vector<size_t> lens;
    for (const auto& a : argv) args.push_back(a.data()), lens.push_back(a.size());
    redisAppendCommandArgv(c, static_cast<int>(args.size()), args.data(), lens.data());
  };
  const bool auth = !config_.admin_password.empty();
  if (auth) {
    if (config_.admin_user.empty()) append({"AUTH", config_.admin_password});
    else append({"AUTH", config_.admin_user, config_.admin_password});
  }
  for (const auto& argv : commands) append(argv);
  for (size_t i = 0; i < commands.size() + (auth ? 1 : 0); ++i) {
    void* reply = nullptr;
    if (redisGetReply(c, &reply) != REDIS_OK) {
      std::string m = c->errstr;
      while (out.size() < commands.size()) out.push_back(ConnectionError(m));
      break;
    }
    RedisValue v = Copy(static_cast<redisReply*>(reply));
    freeReplyObject(reply);
    if (auth && i == 0) continue;
    out.push_back(std::move(v));
  }
  redisFree(c);
  return out;
}

RedisValue RedisServer::Command(const std::vector<std::string>& argv) const { return Pipeline({argv}).front(); }

RedisValue RedisServer::Must(const std::vector<std::string>& argv) const {
  RedisValue v = Command(argv);
  if (v.is_error()) {
    std::string cmd;
    for (const auto& a : argv) cmd += (cmd.empty() ? "" : " ") + a;
    ADD_FAILURE() << "redis command failed: " << cmd << "\n" << v.str;
  }
  return v;
}

long long RedisServer::Int(const std::vector<std::string>& argv) const {
  RedisValue v = Must(argv);
  if (v.kind != RedisValue::Kind::kInteger) ADD_FAILURE() << "expected an integer reply, got " << v.ToString();
  return v.integer;
}

std::string RedisServer::Log() const { return ReadFile(dir_ + "/redis.log"); }

}  // namespace trestle::scaletest
