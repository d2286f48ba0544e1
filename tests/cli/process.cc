#include "process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <sstream>

#include <gtest/gtest.h>

extern char** environ;

namespace trestle::clitest {

namespace {

std::string Tail(const std::string& s, size_t n = 4000) { return s.size() <= n ? s : "..." + s.substr(s.size() - n); }

// KEY=VALUE strings of this process's environment with the options applied.
std::vector<std::string> ChildEnvironment(const ProcessOptions& o) {
  std::map<std::string, std::string> env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string kv = *e;
    size_t eq = kv.find('=');
    if (eq == std::string::npos) continue;
    env[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  for (const auto& k : o.unset_env) env.erase(k);
  for (const auto& [k, v] : o.env) env[k] = v;
  std::vector<std::string> out;
  for (const auto& [k, v] : env) out.push_back(k + "=" + v);
  return out;
}

void CloseFd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

}  // namespace

std::string ProcessResult::Describe() const {
  std::ostringstream o;
  if (timed_out) o << "TIMED OUT (killed) after " << seconds << " s; ";
  if (term_signal != 0)
    o << "killed by signal " << term_signal << " (" << strsignal(term_signal) << "); ";
  else
    o << "exit code " << exit_code << "; ";
  o << "\n--- stdout ---\n" << Tail(out) << "\n--- stderr ---\n" << Tail(err) << "\n---";
  return o.str();
}

std::unique_ptr<Process> Process::Start(const std::vector<std::string>& argv, const ProcessOptions& options) {
  if (argv.empty()) {
    ADD_FAILURE() << "Process::Start without a program";
    return nullptr;
  }
  // Everything the child needs is prepared before fork(): after it, in the child, only
  // async-signal-safe calls are made.
  std::vector<std::string> env_strings = ChildEnvironment(options);
  std::vector<char*> envp, args;
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::vector<std::string> argv_copy = argv;
  for (auto& s : argv_copy) args.push_back(s.data());
  args.push_back(nullptr);
  const char* cwd = options.cwd.empty() ? nullptr : options.cwd.c_str();

  int out_pipe[2], err_pipe[2], exec_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0 || ::pipe2(err_pipe, O_CLOEXEC) != 0 || ::pipe2(exec_pipe, O_CLOEXEC) != 0) {
    ADD_FAILURE() << "pipe2: " << std::strerror(errno);
    return nullptr;
  }
  std::unique_ptr<Process> p(new Process());
  p->started_ = std::chrono::steady_clock::now();
  p->deadline_ = p->started_ + options.timeout;
  const pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid < 0) {
    ADD_FAILURE() << "fork: " << std::strerror(errno);
    for (int fd : {out_pipe[0], out_pipe[1], err_pipe[0], err_pipe[1], exec_pipe[0], exec_pipe[1]}) ::close(fd);
    return nullptr;
  }
  if (pid == 0) {
    // Child. Dies with the test, whatever ends the test.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::signal(SIGPIPE, SIG_DFL);
    int err = 0;
    if (cwd != nullptr && ::chdir(cwd) != 0) err = errno;
    if (err == 0 && (::dup2(out_pipe[1], STDOUT_FILENO) < 0 || ::dup2(err_pipe[1], STDERR_FILENO) < 0)) err = errno;
    int devnull = err == 0 ? ::open("/dev/null", O_RDONLY) : -1;
    if (devnull >= 0) ::dup2(devnull, STDIN_FILENO);
    if (err == 0) {
      ::execve(args[0], args.data(), envp.data());
      err = errno;
    }
    ssize_t ignored = ::write(exec_pipe[1], &err, sizeof err);
    (void)ignored;
    ::_exit(127);
  }
  p->pid_ = pid;
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  ::close(exec_pipe[1]);
  int child_errno = 0;
  ssize_t n;
  do {
    n = ::read(exec_pipe[0], &child_errno, sizeof child_errno);
  } while (n < 0 && errno == EINTR);
  ::close(exec_pipe[0]);
  if (n > 0) {
    ADD_FAILURE() << "cannot start " << argv[0] << ": " << std::strerror(child_errno);
    ::close(out_pipe[0]);
    ::close(err_pipe[0]);
    p->Reap(true);
    return nullptr;
  }
  p->reader_ = std::thread([q = p.get(), o = out_pipe[0], e = err_pipe[0]] { q->ReadLoop(o, e); });
  return p;
}

void Process::ReadLoop(int out_fd, int err_fd) {
  char buf[65536];
  while (out_fd >= 0 || err_fd >= 0) {
    pollfd fds[2] = {{out_fd, POLLIN, 0}, {err_fd, POLLIN, 0}};
    int r = ::poll(fds, 2, 200);
    if (r < 0 && errno != EINTR) break;
    for (int i = 0; i < 2; ++i) {
      int& fd = i == 0 ? out_fd : err_fd;
      if (fd < 0 || (fds[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
      ssize_t got = ::read(fd, buf, sizeof buf);
      if (got > 0) {
        std::lock_guard<std::mutex> l(mu_);
        (i == 0 ? out_ : err_).append(buf, static_cast<size_t>(got));
      } else if (got == 0 || (errno != EINTR && errno != EAGAIN)) {
        CloseFd(fd);
      }
    }
  }
  CloseFd(out_fd);
  CloseFd(err_fd);
}

Process::~Process() {
  if (pid_ > 0 && !reaped_) {
    ::kill(pid_, SIGKILL);
    Reap(true);
  }
  if (reader_.joinable()) reader_.join();
}

bool Process::Reap(bool block) {
  if (reaped_) return true;
  rusage ru{};
  int status = 0;
  pid_t r;
  do {
    r = ::wait4(pid_, &status, block ? 0 : WNOHANG, &ru);
  } while (r < 0 && errno == EINTR);
  if (r == pid_) {
    reaped_ = true;
    status_ = status;
    max_rss_kib_ = ru.ru_maxrss;
    ended_ = std::chrono::steady_clock::now();
    return true;
  }
  if (r < 0) {  // not our child any more: nothing to wait for
    reaped_ = true;
    status_ = -1;
    ended_ = std::chrono::steady_clock::now();
    return true;
  }
  return false;
}

void Process::Signal(int sig) {
  if (pid_ > 0 && !reaped_) ::kill(pid_, sig);
}

bool Process::Running() { return !Reap(false); }

std::string Process::Stdout() const {
  std::lock_guard<std::mutex> l(mu_);
  return out_;
}

std::string Process::Stderr() const {
  std::lock_guard<std::mutex> l(mu_);
  return err_;
}

ProcessResult Process::Collect() {
  if (reader_.joinable()) reader_.join();
  ProcessResult r;
  r.timed_out = timed_out_;
  if (status_ != -1 && WIFEXITED(status_)) r.exit_code = WEXITSTATUS(status_);
  if (status_ != -1 && WIFSIGNALED(status_)) r.term_signal = WTERMSIG(status_);
  r.seconds = std::chrono::duration<double>(ended_ - started_).count();
  r.max_rss_kib = max_rss_kib_;
  std::lock_guard<std::mutex> l(mu_);
  r.out = out_;
  r.err = err_;
  return r;
}

std::optional<ProcessResult> Process::WaitFor(std::chrono::milliseconds limit) {
  const auto until = std::min(deadline_, std::chrono::steady_clock::now() + limit);
  while (!Reap(false)) {
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline_) {
      timed_out_ = true;
      ::kill(pid_, SIGKILL);
      Reap(true);
      break;
    }
    if (now >= until) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return Collect();
}

ProcessResult Process::Wait() {
  std::optional<ProcessResult> r;
  while (!(r = WaitFor(std::chrono::hours(1)))) {
  }
  return *r;
}

ProcessResult RunProcess(const std::vector<std::string>& argv, const ProcessOptions& options) {
  std::unique_ptr<Process> p = Process::Start(argv, options);
  if (!p) {
    ProcessResult r;
    r.err = "could not start " + argv.front();
    return r;
  }
  return p->Wait();
}

}  // namespace trestle::clitest
