#include "pg_session.h"

#include <dlfcn.h>
#include <poll.h>
#include <stdlib.h>

#include <algorithm>
#include <cstdio>
#include <cmath>
#include <random>
#include <thread>

#include <trestle/error.hpp>

namespace trestle_pg {

namespace {

constexpr int kSliceMs = 100;  // longest wait between looks at the host's cancellation

#if defined(__SANITIZE_ADDRESS__)
#define TRESTLE_PG_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TRESTLE_PG_ASAN 1
#endif
#endif

/// In an AddressSanitizer build, keeps libpq and the libraries it loads mapped after the
/// plugin is unloaded. Connecting asks GSSAPI for credentials, and Kerberos keeps the
/// "No Kerberos credentials available" text in thread-specific data; unloading
/// libkrb5support deletes that key, so each thread that connected would leave ~150
/// bytes that LeakSanitizer reports at exit, with no frame it can name.
void keep_libpq_mapped_when_sanitized() {
#ifdef TRESTLE_PG_ASAN
  dlopen("libpq.so.5", RTLD_NOW | RTLD_NOLOAD | RTLD_NODELETE);
#endif
}

/// libpq's multi-line messages as one line.
std::string one_line(const char* m) {
  std::string s = m ? m : "";
  for (char& c : s)
    if (c == '\n' || c == '\t') c = ' ';
  while (!s.empty() && s.back() == ' ') s.pop_back();
  std::string out;
  for (char c : s)
    if (!(c == ' ' && !out.empty() && out.back() == ' ')) out += c;
  return out;
}

/// Connection failures that a later attempt can overcome: no server listening yet, one
/// starting or stopping, a full server, a network error.
bool retryable_connect_error(const std::string& m) {
  for (const char* fatal : {"does not exist", "authentication failed", "pg_hba.conf", "no password supplied",
                            "permission denied", "invalid connection option", "SSL"})
    if (m.find(fatal) != std::string::npos) return false;
  return true;
}

}  // namespace

Deadline Deadline::in_ms(int64_t ms, std::string option) {
  Deadline d;
  d.ms = ms;
  d.option = std::move(option);
  if (ms > 0) d.at = Clock::now() + std::chrono::milliseconds(ms);
  return d;
}

int Deadline::wait_ms(int cap) const {
  if (!at) return cap;
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(*at - Clock::now()).count();
  if (left <= 0) return 0;
  return static_cast<int>(std::min<int64_t>(left, cap));
}

Endpoint Endpoint::parse(const std::string& conninfo, const std::string& option) {
  char* err = nullptr;
  PQconninfoOption* opts = PQconninfoParse(conninfo.c_str(), &err);
  if (opts == nullptr) {
    std::string m = err ? one_line(err) : "out of memory";
    if (err) PQfreemem(err);
    throw trestle::InvalidArgument("option \"" + option + "\" is not a libpq connection string or URI: " + m);
  }
  Endpoint e;
  std::string hostaddr, user;
  for (PQconninfoOption* o = opts; o->keyword != nullptr; ++o) {
    std::string k = o->keyword, v = o->val ? o->val : "";
    if (k == "host") e.host = v;
    else if (k == "hostaddr") hostaddr = v;
    else if (k == "port") e.port = v;
    else if (k == "dbname") e.dbname = v;
    else if (k == "user") user = v;
  }
  PQconninfoFree(opts);
  auto env = [](const char* name) {
    const char* v = std::getenv(name);
    return std::string(v ? v : "");
  };
  if (e.host.empty()) e.host = hostaddr.empty() ? env("PGHOST") : hostaddr;
  if (e.host.empty()) e.host = "/var/run/postgresql";
  if (e.port.empty()) e.port = env("PGPORT");
  if (e.port.empty()) e.port = "5432";
  if (user.empty()) user = env("PGUSER");
  if (e.dbname.empty()) e.dbname = env("PGDATABASE");
  if (e.dbname.empty()) e.dbname = user.empty() ? "(default)" : user;
  return e;
}

bool is_transient_sqlstate(const std::string& s) {
  if (s.size() != 5) return false;
  if (s.compare(0, 2, "08") == 0 || s.compare(0, 2, "53") == 0) return true;  // connection, resources
  return s == "57P01" || s == "57P02" || s == "57P03" || s == "40001" || s == "40P01" || s == "55P03";
}

Session::Session(PGconn* conn, Endpoint endpoint) : conn_(conn), endpoint_(std::move(endpoint)) {}

Session::~Session() { PQfinish(conn_); }

bool Session::ok() const { return !broken_ && PQstatus(conn_) == CONNECTION_OK; }

bool Session::in_transaction() const {
  PGTransactionStatusType t = PQtransactionStatus(conn_);
  return t == PQTRANS_INTRANS || t == PQTRANS_INERROR || t == PQTRANS_ACTIVE;
}

short Session::wait_socket(short events, Deadline d, int cap_ms) const {
  pollfd p{PQsocket(conn_), events, 0};
  if (p.fd < 0) return POLLERR;
  int rc = poll(&p, 1, d.wait_ms(cap_ms));
  return rc > 0 ? p.revents : 0;
}

bool Session::poll_connect(Deadline d, const CancelFn& cancelled) {
  PostgresPollingStatusType st = PGRES_POLLING_WRITING;
  for (;;) {
    if (st == PGRES_POLLING_OK) return true;
    if (st == PGRES_POLLING_FAILED) return false;
    short want = st == PGRES_POLLING_READING ? POLLIN : POLLOUT;
    short got = 0;
    while (got == 0) {
      if (d.passed() || (cancelled && cancelled())) return false;
      got = wait_socket(want, d, kSliceMs);
    }
    st = PQconnectPoll(conn_);
  }
}

std::unique_ptr<Session> Session::connect(const std::string& conninfo, const Endpoint& endpoint, double deadline_s,
                                          const CancelFn& cancelled) {
  const Deadline d = Deadline::in_ms(std::max<int64_t>(1, static_cast<int64_t>(deadline_s * 1000)), "connect_deadline_s");
  keep_libpq_mapped_when_sanitized();
  std::mt19937_64 rng(std::random_device{}());
  std::string last;
  int attempts = 0;
  for (;;) {
    ++attempts;
    PGconn* c = PQconnectStart(conninfo.c_str());
    if (c == nullptr) throw trestle::ResourceExhausted("postgres " + endpoint.str() + ": out of memory connecting");
    std::unique_ptr<Session> s(new Session(c, endpoint));
    bool connected = PQstatus(c) != CONNECTION_BAD && s->poll_connect(d, cancelled);
    if (connected) {
      if (PQsetnonblocking(c, 1) != 0) s->lost("setting non-blocking mode");
      // Text formats the operators rely on, whatever the server's or role's settings.
      s->exec("SET TimeZone = 'UTC'; SET DateStyle = 'ISO, YMD'; SET IntervalStyle = 'iso_8601'; "
              "SET extra_float_digits = 3; SET client_encoding = 'UTF8'; SET application_name = 'trestle'",
              {}, "setting up the session", d, cancelled);
      return s;
    }
    last = one_line(PQerrorMessage(c));
    if (last.empty()) last = d.passed() ? "timed out" : "connection failed";
    if (!retryable_connect_error(last))
      throw trestle::InvalidArgument("postgres " + endpoint.str() + " refused the connection: " + last);
    if (d.passed() || (cancelled && cancelled())) break;
    // Full jitter: a random wait up to an exponentially growing cap, so that many
    // clients refused at once do not come back at once.
    double cap_ms = std::min(5000.0, 100.0 * std::pow(2.0, std::min(attempts - 1, 10)));
    auto wait = std::chrono::milliseconds(static_cast<int64_t>(std::uniform_real_distribution<double>(0, cap_ms)(rng)));
    const auto until = Clock::now() + wait;
    while (Clock::now() < until && !d.passed() && !(cancelled && cancelled()))
      std::this_thread::sleep_for(std::min<Clock::duration>(std::chrono::milliseconds(kSliceMs), until - Clock::now()));
    if (d.passed() || (cancelled && cancelled())) break;
  }
  const bool by_host = cancelled && cancelled();
  char secs[32];
  std::snprintf(secs, sizeof secs, "%g", deadline_s);
  throw trestle::Unavailable("cannot connect to postgres at " + endpoint.host + ":" + endpoint.port + " (database " +
                             endpoint.dbname + ") " +
                             (by_host ? std::string("before the run was cancelled")
                                      : "within connect_deadline_s = " + std::string(secs) + " s") +
                             " after " + std::to_string(attempts) + " attempt" + (attempts == 1 ? "" : "s") +
                             "; last error: " + last);
}

void Session::lost(const std::string& what) const {
  throw trestle::Unavailable("postgres " + endpoint_.str() + ": connection lost while " + what + ": " +
                             one_line(PQerrorMessage(conn_)));
}

void Session::fail(const PGresult* r, const std::string& what) const {
  if (r == nullptr || PQstatus(conn_) == CONNECTION_BAD) {
    if (r == nullptr || PQresultErrorField(r, PG_DIAG_SQLSTATE) == nullptr ||
        is_transient_sqlstate(PQresultErrorField(r, PG_DIAG_SQLSTATE)))
      lost(what);
  }
  const char* state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
  const char* primary = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
  const char* detail = PQresultErrorField(r, PG_DIAG_MESSAGE_DETAIL);
  const char* hint = PQresultErrorField(r, PG_DIAG_MESSAGE_HINT);
  std::string s = state ? state : "";
  std::string m = "postgres " + endpoint_.str() + ": " + what + " failed: SQLSTATE " + (s.empty() ? "?" : s) + ": " +
                  one_line(primary ? primary : PQresultErrorMessage(r));
  if (detail) m += " (" + one_line(detail) + ")";
  if (hint) m += " hint: " + one_line(hint);
  if (is_transient_sqlstate(s)) throw trestle::Unavailable(m);
  if (s == "57014") throw trestle::DeadlineExceeded(m);
  if (s.compare(0, 2, "42") == 0 || s.compare(0, 2, "0A") == 0 || s.compare(0, 2, "3F") == 0)
    throw trestle::InvalidArgument(m);
  throw trestle::DataError(m);
}

void Session::abandon(const std::string& what, const Deadline& d, bool by_host) {
  char err[256] = {0};
  if (PGcancel* c = PQgetCancel(conn_)) {
    PQcancel(c, err, sizeof err);
    PQfreeCancel(c);
  }
  // Read what the cancelled query sends back, so that the session can be used again;
  // a server that does not answer within a few seconds costs the connection.
  const Deadline grace = Deadline::in_ms(5000, "");
  bool drained = false;
  while (!grace.passed()) {
    if (!PQconsumeInput(conn_)) break;
    if (PQisBusy(conn_)) {
      wait_socket(POLLIN, grace, kSliceMs);
      continue;
    }
    PGresult* r = PQgetResult(conn_);
    if (r == nullptr) {
      drained = true;
      break;
    }
    ExecStatusType st = PQresultStatus(r);
    PQclear(r);
    if (st == PGRES_COPY_IN) PQputCopyEnd(conn_, "cancelled");
  }
  if (!drained) broken_ = true;
  if (by_host)
    throw trestle::Unavailable("postgres " + endpoint_.str() + ": " + what + " stopped: the run is being cancelled");
  throw trestle::DeadlineExceeded("postgres " + endpoint_.str() + ": " + what + " did not finish within its deadline of " +
                                  std::to_string(d.ms) + " ms (option " + d.option +
                                  "); the query was cancelled on the server" + (err[0] ? std::string(" (") + err + ")" : ""));
}

void Session::flush(const std::string& what, Deadline d, const CancelFn& cancelled) {
  for (;;) {
    int rc = PQflush(conn_);
    if (rc == 0) return;
    if (rc < 0) lost(what);
    if (d.passed()) abandon(what, d, false);
    if (cancelled && cancelled()) abandon(what, d, true);
    short got = wait_socket(POLLOUT | POLLIN, d, kSliceMs);
    if ((got & POLLIN) && !PQconsumeInput(conn_)) lost(what);
  }
}

template <typename Send>
Result Session::run(Send&& send, const std::string& what, Deadline d, const CancelFn& cancelled) {
  if (broken_) lost(what);
  if (!send()) lost(what);
  flush(what, d, cancelled);
  Result last, error;
  for (;;) {
    while (PQisBusy(conn_)) {
      if (d.passed()) abandon(what, d, false);
      if (cancelled && cancelled()) abandon(what, d, true);
      wait_socket(POLLIN, d, kSliceMs);
      if (!PQconsumeInput(conn_)) lost(what);
    }
    Result r(PQgetResult(conn_));
    if (!r) break;
    ExecStatusType st = PQresultStatus(r.get());
    if (st == PGRES_COPY_IN || st == PGRES_COPY_OUT) return r;  // nothing more until the COPY ends
    if (st == PGRES_FATAL_ERROR || st == PGRES_BAD_RESPONSE || st == PGRES_NONFATAL_ERROR) {
      if (!error) error = std::move(r);
    } else {
      last = std::move(r);
    }
  }
  if (error) fail(error.get(), what);
  if (!last) lost(what);
  return last;
}

Result Session::exec(const std::string& sql, const std::vector<std::string>& params, const std::string& what,
                     Deadline d, const CancelFn& cancelled) {
  if (params.empty()) return run([&] { return PQsendQuery(conn_, sql.c_str()) == 1; }, what, d, cancelled);
  std::vector<const char*> values;
  for (const auto& p : params) values.push_back(p.c_str());
  return run(
      [&] {
        return PQsendQueryParams(conn_, sql.c_str(), static_cast<int>(values.size()), nullptr, values.data(), nullptr,
                                 nullptr, 0) == 1;
      },
      what, d, cancelled);
}

Result Session::prepare(const std::string& name, const std::string& sql, const std::string& what, Deadline d,
                        const CancelFn& cancelled) {
  return run([&] { return PQsendPrepare(conn_, name.c_str(), sql.c_str(), 0, nullptr) == 1; }, what, d, cancelled);
}

Result Session::describe_prepared(const std::string& name, const std::string& what, Deadline d,
                                  const CancelFn& cancelled) {
  return run([&] { return PQsendDescribePrepared(conn_, name.c_str()) == 1; }, what, d, cancelled);
}

void Session::put_copy(const char* data, size_t n, const std::string& what, Deadline d, const CancelFn& cancelled) {
  if (broken_) lost(what);
  // During COPY FROM STDIN the server says nothing unless it ends the session (shutdown,
  // crash, termination): anything to read now means the staging is lost, and sending
  // more would only land in the kernel's buffer of a dead socket.
  if (wait_socket(POLLIN, Deadline::in_ms(1, ""), 0) & (POLLIN | POLLHUP | POLLERR)) {
    PQconsumeInput(conn_);  // for the server's message
    broken_ = true;
    lost(what);
  }
  while (n > 0) {
    // libpq takes at most INT_MAX bytes per call; 16 MiB pieces keep its buffer small.
    const int piece = static_cast<int>(std::min<size_t>(n, size_t{16} << 20));
    int rc;
    while ((rc = PQputCopyData(conn_, data, piece)) == 0) {
      if (d.passed()) abandon(what, d, false);
      if (cancelled && cancelled()) abandon(what, d, true);
      short got = wait_socket(POLLOUT | POLLIN, d, kSliceMs);
      if ((got & POLLIN) && !PQconsumeInput(conn_)) lost(what);
    }
    if (rc < 0) lost(what);
    data += piece;
    n -= static_cast<size_t>(piece);
  }
  flush(what, d, cancelled);
}

void Session::end_copy(const std::string& what, Deadline d, const CancelFn& cancelled) {
  if (broken_) lost(what);
  Result r = run(
      [&] {
        int rc;
        while ((rc = PQputCopyEnd(conn_, nullptr)) == 0) {
          if (d.passed()) return false;
          wait_socket(POLLOUT, d, kSliceMs);
        }
        return rc == 1;
      },
      what, d, cancelled);
  (void)r;
}

}  // namespace trestle_pg
