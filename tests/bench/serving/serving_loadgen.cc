// serving_loadgen: an HTTP load generator for the serving benchmark (docs/benchmarks.md,
// "Serving"). It POSTs inference requests over C keep-alive connections on loopback and
// prints one JSON line: the rate asked for and the rate achieved, the answers by status,
// and the latency percentiles.
//
// Two modes:
//   open loop (--rate R): request i is *scheduled* at start + i/R, whatever happened to
//     the requests before it. Each connection carries one request at a time and takes the
//     next scheduled request when it is free; its latency runs from the scheduled time,
//     not from the moment it could be sent, so a server (or client) that falls behind
//     is charged the wait too (no coordinated omission). Requests scheduled in the
//     window but never sent because every connection was busy until the end are
//     reported as "unsent": then the rate was not sustained.
//   closed loop (--max-throughput): each connection sends its next request as soon as
//     the previous one is answered; latency runs from the send. Achieved rate is the
//     server's throughput at that concurrency.
//
// Bodies: --body FILE sends the same body every time; --csv FILE --rows-per-request K
// builds {"instances": [...]} bodies of K rows each from the CSV's rows (a header line,
// then plain comma-separated values without quoting; numbers become JSON numbers, empty
// fields null, true/false booleans, anything else strings), cycling through the rows.
//
// Usage:
//   serving_loadgen --target 127.0.0.1:PORT --path /v2/models/NAME/infer
//                   (--body FILE | --csv FILE [--rows-per-request K])
//                   (--rate R | --max-throughput) [--connections C] [--duration S]
//                   [--warmup S] [--timeout-ms T] [--check-body TEXT] [--wait-ready S]
//                   [--label TEXT]
// Only loopback targets are accepted (the benchmark never leaves the machine).

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

namespace {

using Clock = std::chrono::steady_clock;

[[noreturn]] void Die(const std::string& message) {
  std::fprintf(stderr, "serving_loadgen: %s\n", message.c_str());
  std::exit(2);
}

struct Args {
  std::string host = "127.0.0.1";
  uint16_t port = 0;
  std::string path;
  std::string body_file, csv_file;
  int rows_per_request = 1;
  double rate = 0;  // requests/s; 0 with closed = true
  bool closed = false;
  int connections = 32;
  double duration_s = 10;
  double warmup_s = 1;
  int timeout_ms = 10'000;
  std::string check_body;
  double wait_ready_s = 0;
  std::string label;
};

double ParseNumber(const std::string& option, const std::string& text) {
  char* end = nullptr;
  errno = 0;
  const double v = std::strtod(text.c_str(), &end);
  if (text.empty() || *end != '\0' || errno != 0 || !std::isfinite(v)) Die(option + ": \"" + text + "\" is not a number");
  return v;
}

Args ParseArgs(int argc, char** argv) {
  Args a;
  std::string target;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) Die("option " + arg + " needs a value");
      return argv[++i];
    };
    if (arg == "--target") target = value();
    else if (arg == "--path") a.path = value();
    else if (arg == "--body") a.body_file = value();
    else if (arg == "--csv") a.csv_file = value();
    else if (arg == "--rows-per-request") a.rows_per_request = static_cast<int>(ParseNumber(arg, value()));
    else if (arg == "--rate") a.rate = ParseNumber(arg, value());
    else if (arg == "--max-throughput") a.closed = true;
    else if (arg == "--connections") a.connections = static_cast<int>(ParseNumber(arg, value()));
    else if (arg == "--duration") a.duration_s = ParseNumber(arg, value());
    else if (arg == "--warmup") a.warmup_s = ParseNumber(arg, value());
    else if (arg == "--timeout-ms") a.timeout_ms = static_cast<int>(ParseNumber(arg, value()));
    else if (arg == "--check-body") a.check_body = value();
    else if (arg == "--wait-ready") a.wait_ready_s = ParseNumber(arg, value());
    else if (arg == "--label") a.label = value();
    else Die("unknown option " + arg + " (see the comment at the top of serving_loadgen.cc)");
  }
  const size_t colon = target.rfind(':');
  if (colon == std::string::npos) Die("--target HOST:PORT is required");
  a.host = target.substr(0, colon);
  const double port = ParseNumber("--target", target.substr(colon + 1));
  if (port < 1 || port > 65535) Die("--target: port out of range");
  a.port = static_cast<uint16_t>(port);
  in_addr addr{};
  if (inet_pton(AF_INET, a.host.c_str(), &addr) != 1 || (ntohl(addr.s_addr) >> 24) != 127)
    Die("--target: the host must be an IPv4 loopback address (127.x.x.x), got \"" + a.host + "\"");
  if (a.path.empty() || a.path[0] != '/') Die("--path /v2/models/NAME/infer is required");
  if (a.body_file.empty() == a.csv_file.empty()) Die("give exactly one of --body FILE and --csv FILE");
  if (a.closed == (a.rate > 0)) Die("give exactly one of --rate R (R > 0) and --max-throughput");
  if (a.rows_per_request < 1) Die("--rows-per-request must be at least 1");
  if (a.connections < 1 || a.connections > 4096) Die("--connections must be within 1..4096");
  if (a.duration_s <= 0 || a.warmup_s < 0) Die("--duration must be positive and --warmup not negative");
  if (a.timeout_ms < 1) Die("--timeout-ms must be positive");
  return a;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) Die("cannot read " + path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// ---------------------------------------------------------------------------------------
// Request bodies from CSV rows

std::string JsonString(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20) {
      char esc[8];
      std::snprintf(esc, sizeof esc, "\\u%04x", c);
      out += esc;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

std::vector<std::string> SplitCsvLine(std::string line) {
  if (!line.empty() && line.back() == '\r') line.pop_back();
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    const size_t comma = line.find(',', start);
    out.push_back(line.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

std::string JsonValue(const std::string& text) {
  if (text.empty()) return "null";
  if (text == "true" || text == "false") return text;
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (*end == '\0' && std::isfinite(v)) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.17g", v);
    return buf;
  }
  return JsonString(text);
}

/// One {"instances": [...]} body per CSV row: body j holds rows j, j+1, ..., j+K-1
/// (wrapping around), so every row starts some body.
std::vector<std::string> BodiesFromCsv(const std::string& path, int rows_per_request) {
  std::istringstream in(ReadFile(path));
  std::string line;
  if (!std::getline(in, line)) Die(path + " is empty");
  const std::vector<std::string> header = SplitCsvLine(line);
  std::vector<std::string> objects;  // one JSON object per row
  while (std::getline(in, line)) {
    if (line.empty() || line == "\r") continue;
    const std::vector<std::string> cells = SplitCsvLine(line);
    if (cells.size() != header.size())
      Die(path + ": a row has " + std::to_string(cells.size()) + " fields, the header " + std::to_string(header.size()));
    std::string o = "{";
    for (size_t c = 0; c < cells.size(); ++c) o += (c ? "," : "") + JsonString(header[c]) + ":" + JsonValue(cells[c]);
    objects.push_back(o + "}");
  }
  if (objects.empty()) Die(path + " has no rows");
  std::vector<std::string> bodies;
  for (size_t j = 0; j < objects.size(); ++j) {
    std::string b = "{\"instances\":[";
    for (int r = 0; r < rows_per_request; ++r)
      b += (r ? "," : "") + objects[(j + static_cast<size_t>(r)) % objects.size()];
    bodies.push_back(b + "]}");
  }
  return bodies;
}

// ---------------------------------------------------------------------------------------
// One keep-alive HTTP/1.1 connection, blocking, one request at a time

class Connection {
 public:
  explicit Connection(const Args& args) : args_(args) {}
  ~Connection() { Close(); }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  struct Answer {
    int status = 0;      // HTTP status; 0 when there was none
    std::string error;   // "connect", "timeout", "closed", "io", "malformed" when status == 0
    std::string body;
  };

  /// Sends `request` (a complete HTTP request) and reads the whole response.
  Answer Exchange(const std::string& request) {
    Answer a;
    if (fd_ < 0 && !Open()) {
      a.error = "connect";
      return a;
    }
    size_t sent = 0;
    while (sent < request.size()) {
      const ssize_t n = ::send(fd_, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        a.error = errno == EAGAIN || errno == EWOULDBLOCK ? "timeout" : "io";
        Close();
        return a;
      }
      sent += static_cast<size_t>(n);
    }
    return Read();
  }

 private:
  bool Open() {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) return false;
    const int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    timeval tv{};
    tv.tv_sec = args_.timeout_ms / 1000;
    tv.tv_usec = (args_.timeout_ms % 1000) * 1000;
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(args_.port);
    inet_pton(AF_INET, args_.host.c_str(), &addr.sin_addr);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      Close();
      return false;
    }
    buffer_.clear();
    return true;
  }

  void Close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

  /// Reads more bytes into buffer_; false (and `error` set) when none came.
  bool Fill(std::string* error) {
    char chunk[65536];
    while (true) {
      const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
      if (n > 0) {
        buffer_.append(chunk, static_cast<size_t>(n));
        return true;
      }
      if (n < 0 && errno == EINTR) continue;
      *error = n == 0 ? "closed" : errno == EAGAIN || errno == EWOULDBLOCK ? "timeout" : "io";
      return false;
    }
  }

  static std::string Lower(std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
  }

  Answer Read() {
    Answer a;
    size_t head_end;
    while ((head_end = buffer_.find("\r\n\r\n")) == std::string::npos) {
      if (!Fill(&a.error)) {
        Close();
        return a;
      }
    }
    // "HTTP/1.1 200 OK"
    const std::string head = buffer_.substr(0, head_end);
    if (head.size() < 12 || head.compare(0, 5, "HTTP/") != 0) {
      a.error = "malformed";
      Close();
      return a;
    }
    const int status = std::atoi(head.c_str() + head.find(' ') + 1);
    long long length = -1;
    bool close = head.compare(0, 8, "HTTP/1.0") == 0;
    size_t pos = head.find("\r\n");
    while (pos != std::string::npos && pos < head.size()) {
      const size_t next = head.find("\r\n", pos + 2);
      const std::string line = Lower(head.substr(pos + 2, next == std::string::npos ? std::string::npos : next - pos - 2));
      if (line.rfind("content-length:", 0) == 0) length = std::atoll(line.c_str() + 15);
      else if (line.rfind("connection:", 0) == 0) close = line.find("close") != std::string::npos;
      else if (line.rfind("transfer-encoding:", 0) == 0) length = -2;
      pos = next;
    }
    if (length < 0) {  // every server measured here sends Content-Length
      a.error = "malformed";
      Close();
      return a;
    }
    const size_t total = head_end + 4 + static_cast<size_t>(length);
    while (buffer_.size() < total) {
      if (!Fill(&a.error)) {
        Close();
        return a;
      }
    }
    a.status = status;
    a.body = buffer_.substr(head_end + 4, static_cast<size_t>(length));
    buffer_.erase(0, total);
    if (close) Close();
    return a;
  }

  const Args& args_;
  int fd_ = -1;
  std::string buffer_;
};

// ---------------------------------------------------------------------------------------
// The run

struct Tally {
  std::vector<double> latencies_us;  // answered 200 (and the body check passed)
  std::map<std::string, int64_t> errors;  // by status ("429") or failure ("timeout")
  int64_t sent = 0;
};

std::string BuildRequest(const Args& a, const std::string& body) {
  return "POST " + a.path + " HTTP/1.1\r\nHost: " + a.host + ":" + std::to_string(a.port) +
         "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

void Record(const Args& args, const Connection::Answer& answer, double latency_us, Tally* t) {
  ++t->sent;
  if (answer.status == 200 && (args.check_body.empty() || answer.body.find(args.check_body) != std::string::npos)) {
    t->latencies_us.push_back(latency_us);
  } else if (answer.status == 200) {
    ++t->errors["bad_body"];
  } else if (answer.status != 0) {
    ++t->errors[std::to_string(answer.status)];
  } else {
    ++t->errors[answer.error];
  }
}

void WaitReady(const Args& args) {
  const std::string probe = "GET /v2/health/ready HTTP/1.1\r\nHost: " + args.host + "\r\n\r\n";
  const auto until = Clock::now() + std::chrono::duration<double>(args.wait_ready_s);
  while (true) {
    Connection c(args);
    if (c.Exchange(probe).status == 200) return;
    if (Clock::now() >= until) Die("the server was not ready within " + std::to_string(args.wait_ready_s) + " s");
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

double Percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  const auto rank = static_cast<size_t>(std::ceil(p * static_cast<double>(sorted.size())));
  return sorted[std::min(sorted.size(), std::max<size_t>(rank, 1)) - 1];
}

}  // namespace

int main(int argc, char** argv) {
  const Args args = ParseArgs(argc, argv);
  std::vector<std::string> bodies = args.csv_file.empty() ? std::vector<std::string>{ReadFile(args.body_file)}
                                                          : BodiesFromCsv(args.csv_file, args.rows_per_request);
  std::vector<std::string> requests;
  for (const std::string& b : bodies) requests.push_back(BuildRequest(args, b));
  if (args.wait_ready_s > 0) WaitReady(args);

  // Sleeps end within ~1 µs of the asked time instead of the default 50 µs slack: the
  // open-loop schedule is the reference every latency is measured from.
  prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);

  using Ns = std::chrono::nanoseconds;
  const auto start = Clock::now() + std::chrono::milliseconds(20);  // the threads are up by then
  const auto measure_from = start + std::chrono::duration_cast<Ns>(std::chrono::duration<double>(args.warmup_s));
  const auto end = measure_from + std::chrono::duration_cast<Ns>(std::chrono::duration<double>(args.duration_s));
  const double period_ns = args.closed ? 0 : 1e9 / args.rate;
  auto scheduled = [&](int64_t i) { return start + Ns(static_cast<int64_t>(std::llround(static_cast<double>(i) * period_ns))); };

  std::atomic<int64_t> next{0};
  std::vector<Tally> tallies(static_cast<size_t>(args.connections));
  std::vector<std::thread> threads;
  for (int c = 0; c < args.connections; ++c) {
    threads.emplace_back([&, c] {
      prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
      Connection conn(args);
      Tally& tally = tallies[static_cast<size_t>(c)];
      if (args.closed) {
        std::this_thread::sleep_until(start);
        for (size_t k = static_cast<size_t>(c); Clock::now() < end; k += static_cast<size_t>(args.connections)) {
          const auto sent = Clock::now();
          const Connection::Answer answer = conn.Exchange(requests[k % requests.size()]);
          const auto done = Clock::now();
          if (sent >= measure_from && sent < end)
            Record(args, answer, std::chrono::duration<double, std::micro>(done - sent).count(), &tally);
        }
        return;
      }
      // Open loop: take the next scheduled request when free. Stop taking requests at
      // the end of the window even if some scheduled in it were never sent (the backlog
      // is reported as unsent).
      while (Clock::now() < end) {
        const int64_t i = next.fetch_add(1);
        const auto at = scheduled(i);
        if (at >= end) break;
        std::this_thread::sleep_until(at);
        const Connection::Answer answer = conn.Exchange(requests[static_cast<size_t>(i) % requests.size()]);
        const auto done = Clock::now();
        if (at >= measure_from) Record(args, answer, std::chrono::duration<double, std::micro>(done - at).count(), &tally);
      }
    });
  }
  for (auto& t : threads) t.join();
  const auto finished = Clock::now();

  Tally all;
  for (Tally& t : tallies) {
    all.latencies_us.insert(all.latencies_us.end(), t.latencies_us.begin(), t.latencies_us.end());
    for (const auto& [k, v] : t.errors) all.errors[k] += v;
    all.sent += t.sent;
  }
  std::sort(all.latencies_us.begin(), all.latencies_us.end());
  const auto ok = static_cast<int64_t>(all.latencies_us.size());
  int64_t error_count = 0;
  for (const auto& [k, v] : all.errors) error_count += v;

  // Scheduled in the measured window: requests with measure_from <= at < end.
  int64_t unsent = 0;
  if (!args.closed) {
    const double window_ns = std::chrono::duration<double, std::nano>(end - start).count();
    const double warm_ns = std::chrono::duration<double, std::nano>(measure_from - start).count();
    const auto first = static_cast<int64_t>(std::ceil(warm_ns / period_ns - 1e-9));
    const auto last = static_cast<int64_t>(std::ceil(window_ns / period_ns - 1e-9));  // one past
    unsent = std::max<int64_t>(0, (last - first) - all.sent);
  }
  // The window ends at `end`, or when the last answer of a request sent in it came.
  const double elapsed_s = std::chrono::duration<double>(std::max(end, finished) - measure_from).count();
  double mean = 0;
  for (double v : all.latencies_us) mean += v;
  mean = ok ? mean / static_cast<double>(ok) : 0;

  auto ms = [](double us) {
    char b[32];
    std::snprintf(b, sizeof b, "%.3f", us / 1000.0);
    return std::string(b);
  };
  std::string errors = "{";
  for (const auto& [k, v] : all.errors) errors += (errors.size() > 1 ? "," : "") + JsonString(k) + ":" + std::to_string(v);
  errors += "}";
  char rates[160];
  std::snprintf(rates, sizeof rates, "\"target_rps\":%.1f,\"achieved_rps\":%.1f,\"rows_per_s\":%.1f,\"elapsed_s\":%.3f",
                args.closed ? 0.0 : args.rate, static_cast<double>(ok) / elapsed_s,
                static_cast<double>(ok) * args.rows_per_request / elapsed_s, elapsed_s);
  std::printf(
      "{\"label\":%s,\"mode\":\"%s\",%s,\"connections\":%d,\"rows_per_request\":%d,\"sent\":%lld,\"ok\":%lld,"
      "\"error_count\":%lld,\"errors\":%s,\"unsent\":%lld,\"latency_ms\":{\"p50\":%s,\"p90\":%s,\"p99\":%s,\"p999\":%s,"
      "\"max\":%s,\"mean\":%s}}\n",
      JsonString(args.label).c_str(), args.closed ? "closed" : "open", rates, args.connections, args.rows_per_request,
      static_cast<long long>(all.sent), static_cast<long long>(ok), static_cast<long long>(error_count), errors.c_str(),
      static_cast<long long>(unsent), ms(Percentile(all.latencies_us, 0.50)).c_str(),
      ms(Percentile(all.latencies_us, 0.90)).c_str(), ms(Percentile(all.latencies_us, 0.99)).c_str(),
      ms(Percentile(all.latencies_us, 0.999)).c_str(), ms(all.latencies_us.empty() ? 0 : all.latencies_us.back()).c_str(),
      ms(mean).c_str());
  return 0;
}
