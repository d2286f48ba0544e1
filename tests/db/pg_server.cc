#include "pg_server.h"

#include "../free_port.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>
#include <libpq-fe.h>

namespace trestle::dbtest {

namespace fs = std::filesystem;

std::string PgBinDir() { return "/usr/lib/postgresql/15/bin"; }

int FreePort() { return testing_support::FreeLoopbackPort(); }

std::string SqlResult::Text() const {
  std::string out;
  for (size_t r = 0; r < rows.size(); ++r) {
    if (r) out += '\n';
    for (size_t c = 0; c < rows[r].size(); ++c) out += (c ? "|" : "") + rows[r][c];
  }
  return out;
}

namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

bool IsRoot() { return geteuid() == 0; }

}  // namespace

bool PgServer::Run(const std::vector<std::string>& argv, std::string* error) const {
  std::vector<std::string> full;
  if (IsRoot()) full = {"/usr/sbin/runuser", "-u", "postgres", "--"};
  full.insert(full.end(), argv.begin(), argv.end());
  const std::string out_path = dir_ + "/command.out";
  pid_t pid = fork();
  if (pid < 0) {
    if (error) *error = "fork failed";
    return false;
  }
  if (pid == 0) {
    int fd = open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
      dup2(fd, 1);
      dup2(fd, 2);
      close(fd);
    }
    // pg_ctl's server inherits the descriptors: keep it off the test's pipes.
    int null_in = open("/dev/null", O_RDONLY);
    if (null_in >= 0) dup2(null_in, 0);
    if (chdir(dir_.c_str()) != 0) _exit(126);
    std::vector<char*> args;
    for (auto& a : full) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return true;
  if (error) {
    std::string cmd;
    for (const auto& a : full) cmd += (cmd.empty() ? "" : " ") + a;
    *error = "`" + cmd + "` failed (status " + std::to_string(status) + "):\n" + ReadFile(out_path);
  }
  return false;
}

std::unique_ptr<PgServer> PgServer::Create(std::string* error) {
  for (const char* bin : {"initdb", "pg_ctl", "postgres"}) {
    std::string p = PgBinDir() + "/" + bin;
    if (access(p.c_str(), X_OK) != 0) {
      *error = p + " is missing: the database tests need PostgreSQL 15 (Debian's postgresql-15; "
                   "scripts/install-deps.sh installs it)";
      return nullptr;
    }
  }
  std::unique_ptr<PgServer> s(new PgServer());
  std::string pattern = "/tmp/trestle-pg-XXXXXX";
  if (mkdtemp(pattern.data()) == nullptr) {
    *error = "mkdtemp " + pattern + " failed";
    return nullptr;
  }
  s->dir_ = pattern;
  if (IsRoot()) {
    passwd* pw = getpwnam("postgres");
    if (pw == nullptr) {
      *error = "running as root but there is no user \"postgres\" to run the server as (install postgresql-15)";
      return nullptr;
    }
    if (chown(s->dir_.c_str(), pw->pw_uid, pw->pw_gid) != 0) {
      *error = "cannot chown " + s->dir_ + " to postgres";
      return nullptr;
    }
  }
  if (!s->Run({PgBinDir() + "/initdb", "-D", s->dir_ + "/data", "-A", "trust", "-U", "postgres", "--no-sync",
               "-E", "UTF8", "--locale=C.UTF-8"},
              error))
    return nullptr;
  // A port that another process takes between FreePort and the start: try another.
  for (int attempt = 0; attempt < 5; ++attempt) {
    s->port_ = FreePort();
    std::string e;
    if (s->Start(&e)) return s;
    *error = e;
  }
  return nullptr;
}

PgServer::~PgServer() {
  if (running_) Run({PgBinDir() + "/pg_ctl", "-D", dir_ + "/data", "-m", "immediate", "-w", "stop"}, nullptr);
  if (running_) Kill();
  std::error_code ec;
  if (!dir_.empty()) fs::remove_all(dir_, ec);
}

bool PgServer::Start(std::string* error) {
  const std::string opts = "-c listen_addresses=127.0.0.1 -p " + std::to_string(port_) + " -k " + dir_ +
                           " -c fsync=off -c timezone=UTC -c datestyle=ISO,YMD -c synchronous_commit=off -c full_page_writes=off -c max_connections=60"
                           " -c shared_buffers=32MB";
  if (!Run({PgBinDir() + "/pg_ctl", "-D", dir_ + "/data", "-l", dir_ + "/server.log", "-w", "-t", "60", "-o", opts,
            "start"},
           error)) {
    if (error) *error += "\nserver log:\n" + Log();
    return false;
  }
  running_ = true;
  return true;
}

bool PgServer::Stop(std::string* error) {
  if (!Run({PgBinDir() + "/pg_ctl", "-D", dir_ + "/data", "-m", "fast", "-w", "-t", "60", "stop"}, error))
    return false;
  running_ = false;
  return true;
}

void PgServer::Kill() {
  std::ifstream pidfile(dir_ + "/data/postmaster.pid");
  pid_t postmaster = 0;
  if (!(pidfile >> postmaster) || postmaster <= 0) {
    running_ = false;
    return;
  }
  // The backends first, so that none outlives the postmaster holding shared memory.
  std::vector<pid_t> victims;
  for (const auto& e : fs::directory_iterator("/proc")) {
    const std::string name = e.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::string stat = ReadFile(e.path().string() + "/stat");
    size_t close_paren = stat.rfind(')');
    if (close_paren == std::string::npos) continue;
    std::istringstream rest(stat.substr(close_paren + 2));
    char state = 0;
    pid_t ppid = 0;
    rest >> state >> ppid;
    if (ppid == postmaster) victims.push_back(static_cast<pid_t>(std::stol(name)));
  }
  kill(postmaster, SIGKILL);
  for (pid_t p : victims) kill(p, SIGKILL);
  victims.push_back(postmaster);
  for (int i = 0; i < 500; ++i) {
    bool any = false;
    for (pid_t p : victims) any = any || kill(p, 0) == 0;
    if (!any) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  running_ = false;
}

std::string PgServer::ConnInfo(const std::string& db) const {
  return "host=127.0.0.1 port=" + std::to_string(port_) + " user=postgres dbname=" + db;
}

std::string PgServer::Uri(const std::string& db) const {
  return "postgresql://postgres@127.0.0.1:" + std::to_string(port_) + "/" + db;
}

SqlResult PgServer::TryExec(const std::string& sql, const std::string& db) const {
  SqlResult out;
  std::unique_ptr<PGconn, decltype(&PQfinish)> conn(PQconnectdb((ConnInfo(db) + " connect_timeout=10").c_str()),
                                                    &PQfinish);
  if (PQstatus(conn.get()) != CONNECTION_OK) {
    out.error = std::string("cannot connect: ") + PQerrorMessage(conn.get());
    return out;
  }
  std::unique_ptr<PGresult, decltype(&PQclear)> res(PQexec(conn.get(), sql.c_str()), &PQclear);
  ExecStatusType st = PQresultStatus(res.get());
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
    const char* state = PQresultErrorField(res.get(), PG_DIAG_SQLSTATE);
    out.error = std::string("SQLSTATE ") + (state ? state : "?") + ": " + PQresultErrorMessage(res.get());
    return out;
  }
  for (int r = 0; r < PQntuples(res.get()); ++r) {
    std::vector<std::string> row;
    for (int c = 0; c < PQnfields(res.get()); ++c)
      row.push_back(PQgetisnull(res.get(), r, c) ? "NULL" : PQgetvalue(res.get(), r, c));
    out.rows.push_back(std::move(row));
  }
  out.ok = true;
  return out;
}

std::string PgServer::Exec(const std::string& sql, const std::string& db) const {
  SqlResult r = TryExec(sql, db);
  if (!r.ok) ADD_FAILURE() << "SQL failed: " << sql << "\n" << r.error;
  return r.Text();
}

std::string PgServer::Log() const { return ReadFile(dir_ + "/server.log"); }

}  // namespace trestle::dbtest
