// `trestle serve` end to end: the real executable answers KServe v2 REST requests on a
// port it picks itself (--listen 127.0.0.1:0, read back from its log), and the tests
// talk to it over loopback with a small client of their own (kept-alive connections, one
// per client thread). Covered: every route and its method and 404 errors, every refusal
// of a request (400 naming the field, 413, 431, 429, 504, 503, 500), the churn and
// model-swap examples scored bit for bit as their batch runs score them, many concurrent
// clients whose requests share engine batches, refused rows, hot swap under load, the
// drain on SIGTERM, the warm-up, and the pipelines serving refuses.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>
#include <regex>
#include <set>
#include <thread>

#include "../observe/exposition_parser.h"
#include "cli_fixture.h"

namespace trestle::clitest {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::seconds;

#ifndef TRESTLE_PYTHON3
#define TRESTLE_PYTHON3 "/usr/bin/python3"
#endif

// ---------------------------------------------------------------------------------------
// HTTP client

struct Reply {
  int status = 0;         ///< 0: no response; `error` says why
  std::string error;
  bool refused = false;   ///< connect() was refused (nobody listens)
  std::map<std::string, std::string> headers;  ///< lower-case names
  std::string body;

  json Json() const { return json::parse(body, nullptr, false); }
  std::string Header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? "" : it->second;
  }
  /// The error message of a {"error": ...} body ("" when there is none).
  std::string Error() const {
    json j = Json();
    return j.is_object() && j.contains("error") && j["error"].is_string() ? j["error"].get<std::string>() : "";
  }
  std::string Describe() const {
    return status == 0 ? "no response: " + error : std::to_string(status) + " " + body.substr(0, 800);
  }
};

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

/// One client connection to 127.0.0.1:port, kept alive across requests (it connects when
/// it has none). A request is sent once and never retried. Every socket call is bounded
/// by `timeout_ms`.
class Connection {
 public:
  explicit Connection(uint16_t port, int timeout_ms = 60'000) : port_(port), timeout_ms_(timeout_ms) {}
  ~Connection() { Close(); }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  /// `headers`: extra header lines, each ending in "\r\n".
  Reply Request(const std::string& method, const std::string& path, const std::string& body = "",
                const std::string& headers = "", bool close = false) {
    Reply r;
    if (fd_ < 0 && !Connect(&r)) return r;
    std::string req = method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port_) + "\r\n";
    if (close) req += "Connection: close\r\n";
    if (!body.empty() || method == "POST")
      req += "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
    req += headers + "\r\n" + body;
    if (!SendAll(req)) {
      r.error = std::string("send: ") + std::strerror(errno);
      Close();
      return r;
    }
    return Read(method == "HEAD");
  }

  bool open() const { return fd_ >= 0; }

  void Close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    pending_.clear();
  }

 private:
  bool Connect(Reply* r) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd_ < 0) {
      r->error = std::string("socket: ") + std::strerror(errno);
      return false;
    }
    timeval tv{timeout_ms_ / 1000, (timeout_ms_ % 1000) * 1000};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port_);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      r->refused = errno == ECONNREFUSED;
      r->error = "connect to 127.0.0.1:" + std::to_string(port_) + ": " + std::strerror(errno);
      Close();
      return false;
    }
    return true;
  }

  bool SendAll(const std::string& data) {
    size_t sent = 0;
    while (sent < data.size()) {
      const ssize_t n = ::send(fd_, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) return false;
      sent += static_cast<size_t>(n);
    }
    return true;
  }

  bool Receive(Reply* r) {
    char buf[16384];
    const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n > 0) {
      pending_.append(buf, static_cast<size_t>(n));
      return true;
    }
    r->error = n == 0 ? "the server closed the connection" : std::string("recv: ") + std::strerror(errno);
    Close();
    return false;
  }

  Reply Read(bool head) {
    Reply r;
    size_t end;
    while ((end = pending_.find("\r\n\r\n")) == std::string::npos)
      if (!Receive(&r)) return r;
    if (pending_.rfind("HTTP/1.", 0) != 0 || pending_.size() < 12) {
      r.error = "not an HTTP response: " + pending_.substr(0, 200);
      Close();
      return r;
    }
    const int status = std::atoi(pending_.c_str() + 9);
    std::map<std::string, std::string> headers;
    for (size_t pos = pending_.find("\r\n") + 2; pos < end;) {
      const size_t eol = pending_.find("\r\n", pos);
      const std::string line = pending_.substr(pos, eol - pos);
      const size_t colon = line.find(':');
      if (colon != std::string::npos) {
        const size_t v = line.find_first_not_of(' ', colon + 1);
        headers[Lower(line.substr(0, colon))] = v == std::string::npos ? "" : line.substr(v);
      }
      pos = eol + 2;
    }
    size_t length = 0;
    if (auto it = headers.find("content-length"); it != headers.end()) length = std::stoul(it->second);
    if (head || status == 204 || status == 304) length = 0;
    while (pending_.size() < end + 4 + length)
      if (!Receive(&r)) {
        r.error = "the body was cut short: " + r.error;
        return r;
      }
    r.status = status;
    r.headers = std::move(headers);
    r.body = pending_.substr(end + 4, length);
    pending_.erase(0, end + 4 + length);
    if (Lower(r.Header("connection")) == "close") Close();
    return r;
  }

  const uint16_t port_;
  const int timeout_ms_;
  int fd_ = -1;
  std::string pending_;
};

/// One request on a connection of its own (Connection: close).
Reply Call(uint16_t port, const std::string& method, const std::string& path, const std::string& body = "",
           const std::string& headers = "") {
  Connection c(port);
  return c.Request(method, path, body, headers, true);
}

// ---------------------------------------------------------------------------------------
// Requests and responses of the testkit's sequence schema (id int64, x float64 nullable)

struct SeqRow {
  int64_t id;
  std::optional<double> x;
};

/// x of row `id`: distinct from every other row's, exact in binary, so are x + 10 and x + 20.
double XOf(int64_t id) { return static_cast<double>(id) * 0.5 + 0.25; }

std::vector<SeqRow> Rows(int64_t first, int64_t n) {
  std::vector<SeqRow> rows;
  for (int64_t i = 0; i < n; ++i) rows.push_back({first + i, XOf(first + i)});
  return rows;
}

/// {"id"?, "instances": [{"id", "x"}...]} plus `extra` top-level keys.
std::string Instances(const std::vector<SeqRow>& rows, const std::string& id = "", json extra = json::object()) {
  json body = std::move(extra);
  if (!id.empty()) body["id"] = id;
  body["instances"] = json::array();
  for (const SeqRow& r : rows) {
    json row = {{"id", r.id}};
    if (r.x) row["x"] = *r.x;
    body["instances"].push_back(row);
  }
  return body.dump();
}

/// The KServe v2 form: one INT64 tensor id, one FP64 tensor x (null where x is missing).
std::string V2(const std::vector<SeqRow>& rows, const std::string& id = "", json extra = json::object()) {
  json body = std::move(extra);
  if (!id.empty()) body["id"] = id;
  json ids = json::array(), xs = json::array();
  for (const SeqRow& r : rows) {
    ids.push_back(r.id);
    xs.push_back(r.x ? json(*r.x) : json(nullptr));
  }
  const auto n = static_cast<int64_t>(rows.size());
  body["inputs"] = {{{"name", "id"}, {"shape", {n}}, {"datatype", "INT64"}, {"data", ids}},
                    {{"name", "x"}, {"shape", {n}}, {"datatype", "FP64"}, {"data", xs}}};
  return body.dump();
}

/// The rows of a 200 body, in either form, as {column: value} objects, or {"error": {node,
/// code, reason}} for a row that was not answered. Malformed bodies fail the test.
std::vector<json> ResponseRows(const json& body) {
  std::vector<json> rows;
  if (body.contains("predictions")) {
    for (const auto& p : body["predictions"]) rows.push_back(p);
    return rows;
  }
  if (!body.contains("outputs") || !body["outputs"].is_array() || body["outputs"].empty()) {
    ADD_FAILURE() << "neither predictions nor outputs: " << body.dump();
    return rows;
  }
  const size_t n = body["outputs"][0]["data"].size();
  rows.assign(n, json::object());
  for (const auto& out : body["outputs"]) {
    EXPECT_EQ(out["shape"], json::array({n})) << out.dump();
    EXPECT_EQ(out["data"].size(), n) << out.dump();
    for (size_t i = 0; i < n && i < out["data"].size(); ++i) rows[i][out["name"].get<std::string>()] = out["data"][i];
  }
  if (body.contains("parameters") && body["parameters"].contains("row_errors")) {
    for (const auto& e : body["parameters"]["row_errors"]) {
      const auto i = e["row"].get<size_t>();
      if (i >= n) {
        ADD_FAILURE() << "row_errors names row " << i << " of " << n;
        continue;
      }
      for (const auto& [name, value] : rows[i].items())
        EXPECT_TRUE(value.is_null()) << "row " << i << " is an error, yet its " << name << " is " << value;
      rows[i] = {{"error", {{"node", e["node"]}, {"code", e["code"]}, {"reason", e["reason"]}}}};
    }
  }
  return rows;
}

/// Checks a 200 answer to `sent` (named `id`) of a linear model score = x + intercept:
/// one row per request row, in order, each with the request row's id and x.
void ExpectScored(const Reply& r, const std::vector<SeqRow>& sent, const std::string& id, double intercept,
                  const std::string& where = "") {
  ASSERT_EQ(r.status, 200) << where << " " << r.Describe();
  EXPECT_EQ(r.Header("x-request-id"), id) << where;
  const json body = r.Json();
  ASSERT_TRUE(body.is_object()) << where << " " << r.body;
  EXPECT_EQ(body["id"], id) << where;
  const std::vector<json> rows = ResponseRows(body);
  ASSERT_EQ(rows.size(), sent.size()) << where << " " << r.body;
  for (size_t i = 0; i < rows.size(); ++i) {
    const json& row = rows[i];
    ASSERT_FALSE(row.contains("error")) << where << " row " << i << ": " << row.dump();
    ASSERT_TRUE(row["id"].is_number_integer() && row["x"].is_number() && row["score"].is_number()) << row.dump();
    EXPECT_EQ(row["id"].get<int64_t>(), sent[i].id) << where << " row " << i << " belongs to another request";
    EXPECT_EQ(row["x"].get<double>(), *sent[i].x) << where << " row " << i;
    EXPECT_EQ(row["score"].get<double>(), *sent[i].x + intercept) << where << " row " << i;
  }
}

std::string LinearModel(double intercept, const std::string& file_version = "") {
  std::string j = R"({"type": "linear", "features": ["x"], "coefficients": [1], "intercept": )" +
                  std::to_string(intercept);
  if (!file_version.empty()) j += R"(, "version": ")" + file_version + "\"";
  return j + "}";
}

// ---------------------------------------------------------------------------------------
// CSV files of the examples (no quoting in them)

struct Csv {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
};

std::vector<std::string> SplitCommas(const std::string& line) {
  std::vector<std::string> fields;
  size_t start = 0;
  for (;;) {
    const size_t comma = line.find(',', start);
    fields.push_back(line.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (comma == std::string::npos) return fields;
    start = comma + 1;
  }
}

Csv ParseCsv(const std::string& text) {
  Csv csv;
  for (const std::string& line : SplitLines(text)) {
    if (csv.header.empty()) csv.header = SplitCommas(line);
    else csv.rows.push_back(SplitCommas(line));
  }
  return csv;
}

/// A CSV field as the JSON value of a column of v2 datatype `datatype`; nullopt when the
/// field does not parse as that type (csv_source dead-letters such lines).
std::optional<json> FieldValue(const std::string& text, const std::string& datatype) {
  if (text.empty()) return json(nullptr);
  if (datatype == "INT64" || datatype == "INT32") {
    int64_t v = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
    return json(v);
  }
  if (datatype == "FP64" || datatype == "FP32") {
    char* end = nullptr;
    const double v = std::strtod(text.c_str(), &end);
    if (end != text.c_str() + text.size()) return std::nullopt;
    return json(v);
  }
  if (datatype == "BOOL") {
    if (text == "true") return json(true);
    if (text == "false") return json(false);
    return std::nullopt;
  }
  return json(text);
}

/// Exactly the bits of the double the text reads as.
uint64_t Bits(double d) {
  uint64_t b;
  std::memcpy(&b, &d, sizeof b);
  return b;
}

// ---------------------------------------------------------------------------------------
// The fixture

class ServeTest : public CliTest {
 protected:
  /// The served pipeline "srv": the sequence source's rows (id, x) go through `gate`, a
  /// scripted transform (`gate_options`), to a linear model score = x + 10 (version "7"),
  /// to the jsonl sink `out`, the response node.
  void WritePipeline(const std::string& gate_options = "{}", const std::string& execution = "",
                     const std::string& gate_extra = "", const std::string& tail = "") {
    Write("m.json", LinearModel(10, "7"));
    Write("p.yaml", "pipeline: srv\nnodes:\n"
                    "  - {name: seq, type: sequence, options: {rows: 0}}\n"
                    "  - {name: gate, type: scripted, inputs: [seq], options: " + gate_options + gate_extra + "}\n"
                    "  - {name: score, type: linear, inputs: [gate], options: {model: m.json}}\n"
                    "  - {name: out, type: jsonl_sink, inputs: [score], options: {path: out.jsonl}}\n"
                    "execution: {max_dead_letter_share: 1" + (execution.empty() ? "" : ", " + execution) + "}\n" +
                        tail);
  }

  /// Publishes version `v` of models/m (written beside, then renamed into place).
  void Publish(int v, const std::string& model_json) {
    const std::string tmp = "models/m/.tmp-" + std::to_string(v);
    Write(tmp + "/linear.json", model_json);
    fs::rename(Path(tmp), Path("models/m/" + std::to_string(v)));
  }

  /// Starts `trestle serve FILE` on a free port (no admin endpoint; run directory "run",
  /// report "report.json") and waits for the port in its log. Null (and a test failure)
  /// when it does not come.
  std::unique_ptr<Process> Serve(std::vector<std::string> args, const std::string& file = "p.yaml",
                                 ProcessOptions options = {}) {
    std::vector<std::string> all = {"serve",  file,  "--listen", "127.0.0.1:0", "--no-admin", "--run-dir",
                                    "run",    "--report", "report.json"};
    all.insert(all.end(), args.begin(), args.end());
    auto p = StartTrestle(all, options);
    if (!p) return nullptr;
    static const std::regex re("serving endpoint listening on 127\\.0\\.0\\.1:([0-9]+)");
    int port = 0;
    WaitUntil(
        [&] {
          const std::string err = p->Stderr();
          std::smatch m;
          if (std::regex_search(err, m, re)) port = std::stoi(m[1]);
          return port > 0 || !p->Running();
        },
        seconds(60));
    if (port <= 0 || port > 65535) {
      ADD_FAILURE() << "no \"serving endpoint listening on\" line: " << p->Stderr();
      return nullptr;
    }
    port_ = static_cast<uint16_t>(port);
    return p;
  }

  /// Polls GET /v2/health/ready until it is 200.
  bool WaitReady(Process& p) {
    Reply last;
    const bool ready = WaitUntil(
        [&] { return (last = Call(port_, "GET", "/v2/health/ready")).status == 200 || !p.Running(); }, seconds(60));
    if (!ready || last.status != 200) {
      ADD_FAILURE() << "not ready: " << last.Describe() << "\n" << p.Stderr();
      return false;
    }
    return true;
  }

  std::string InferPath() const { return "/v2/models/" + model_ + "/infer"; }
  Reply Infer(const std::string& body, const std::string& headers = "") {
    return Call(port_, "POST", InferPath(), body, headers);
  }

  prom_test::Exposition Scrape() {
    Reply r = Call(port_, "GET", "/metrics");
    EXPECT_EQ(r.status, 200) << r.Describe();
    prom_test::Exposition x = prom_test::ParseExposition(r.body);
    EXPECT_TRUE(x.errors.empty()) << x.ErrorText() << r.body;
    return x;
  }
  double Gauge(const prom_test::Exposition& x, const std::string& name) {
    return x.Get(name, {{"model", model_}}).value_or(-1);
  }
  double Requests(const prom_test::Exposition& x, const std::string& version, int status) {
    return x.Get("trestle_serving_requests_total", {{"model", model_}, {"version", version}, {"status", std::to_string(status)}})
        .value_or(0);
  }
  /// Engine batches the batcher formed with more than `rows` rows (`rows` a bucket bound).
  double BatchesAbove(const prom_test::Exposition& x, double rows) {
    const double count = x.Get("trestle_serving_batch_rows_count", {{"model", model_}}).value_or(0);
    for (const auto& s : x.All("trestle_serving_batch_rows_bucket"))
      if (s.labels.count("le") && s.labels.at("le") != "+Inf" && std::stod(s.labels.at("le")) == rows)
        return count - s.value;
    ADD_FAILURE() << "no bucket le=" << rows;
    return -1;
  }

  /// Sends every row of `csv` that parses as the request schema (the others are the lines
  /// a batch run dead-letters) to the served pipeline, in requests of varying sizes from
  /// 4 client threads, alternating the instances and the v2 form, and checks each
  /// response row carries its request row's `key`. Returns the answered rows by key
  /// (the CSV text of the key field).
  std::map<std::string, json> ServeRows(const Csv& csv, const std::string& key) {
    Reply metadata = Call(port_, "GET", "/v2/models/" + model_);
    EXPECT_EQ(metadata.status, 200) << metadata.Describe();
    const json inputs = metadata.Json()["inputs"];
    EXPECT_EQ(inputs.size(), csv.header.size()) << inputs.dump();
    std::vector<std::string> datatypes;
    for (size_t c = 0; c < csv.header.size() && c < inputs.size(); ++c) {
      EXPECT_EQ(inputs[c]["name"], csv.header[c]) << "the request's columns are the CSV's, in order";
      datatypes.push_back(inputs[c]["datatype"].get<std::string>());
    }
    size_t key_column = 0;
    while (key_column < csv.header.size() && csv.header[key_column] != key) ++key_column;

    struct Sent {
      std::vector<std::string> keys;
      std::vector<std::vector<json>> values;  // row -> column
    };
    std::vector<Sent> requests;
    const std::vector<size_t> sizes = {1, 7, 2, 30, 5, 64, 3, 17, 11};
    Sent next;
    for (const auto& fields : csv.rows) {
      if (fields.size() != csv.header.size() || datatypes.size() != csv.header.size()) continue;
      std::vector<json> values;
      for (size_t c = 0; c < fields.size(); ++c) {
        std::optional<json> v = FieldValue(fields[c], datatypes[c]);
        if (!v) break;
        values.push_back(std::move(*v));
      }
      if (values.size() != fields.size()) continue;
      next.keys.push_back(fields[key_column]);
      next.values.push_back(std::move(values));
      if (next.keys.size() == sizes[requests.size() % sizes.size()]) requests.push_back(std::move(next)), next = {};
    }
    if (!next.keys.empty()) requests.push_back(std::move(next));

    auto body_of = [&](size_t q) {
      const Sent& s = requests[q];
      json body = {{"id", "r" + std::to_string(q)}};
      if (q % 2 == 0) {
        body["instances"] = json::array();
        for (const auto& row : s.values) {
          json instance = json::object();
          for (size_t c = 0; c < row.size(); ++c) instance[csv.header[c]] = row[c];
          body["instances"].push_back(instance);
        }
      } else {
        body["inputs"] = json::array();
        for (size_t c = 0; c < csv.header.size(); ++c) {
          json data = json::array();
          for (const auto& row : s.values) data.push_back(row[c]);
          body["inputs"].push_back(
              {{"name", csv.header[c]}, {"shape", {s.values.size()}}, {"datatype", datatypes[c]}, {"data", data}});
        }
      }
      return body.dump();
    };

    std::map<std::string, json> answered;
    std::mutex mu;
    std::atomic<size_t> next_request{0};
    std::vector<std::thread> clients;
    for (int t = 0; t < 4; ++t) {
      clients.emplace_back([&] {
        Connection conn(port_);
        for (size_t q; (q = next_request.fetch_add(1)) < requests.size();) {
          Reply r = conn.Request("POST", InferPath(), body_of(q));
          std::lock_guard<std::mutex> l(mu);
          if (r.status != 200) {
            ADD_FAILURE() << "request " << q << ": " << r.Describe();
            continue;
          }
          std::vector<json> rows = ResponseRows(r.Json());
          if (rows.size() != requests[q].keys.size()) {
            ADD_FAILURE() << "request " << q << ": " << rows.size() << " rows for " << requests[q].keys.size();
            continue;
          }
          for (size_t i = 0; i < rows.size(); ++i) {
            EXPECT_FALSE(rows[i].contains("error")) << rows[i].dump();
            EXPECT_EQ(rows[i][key], requests[q].values[i][key_column]) << "request " << q << " row " << i;
            EXPECT_TRUE(answered.emplace(requests[q].keys[i], rows[i]).second) << "key " << requests[q].keys[i] << " twice";
          }
        }
      });
    }
    for (auto& t : clients) t.join();
    return answered;
  }

  /// Every row of the batch output `batch` (keyed by `key`) was answered, and every
  /// answered row is in it, with `columns` equal as doubles, bit for bit.
  void ExpectSameScores(const Csv& batch, const std::map<std::string, json>& served, const std::string& key,
                        const std::vector<std::string>& columns) {
    ASSERT_FALSE(batch.rows.empty());
    std::map<std::string, size_t> index;
    for (size_t c = 0; c < batch.header.size(); ++c) index[batch.header[c]] = c;
    ASSERT_TRUE(index.count(key)) << "no column " << key;
    for (const auto& c : columns) ASSERT_TRUE(index.count(c)) << "no column " << c;
    EXPECT_EQ(served.size(), batch.rows.size()) << "the batch run scored other rows than the server";
    size_t compared = 0;
    for (const auto& fields : batch.rows) {
      ASSERT_EQ(fields.size(), batch.header.size());
      auto it = served.find(fields[index[key]]);
      if (it == served.end()) {
        ADD_FAILURE() << "row " << fields[index[key]] << " of the batch output was not answered";
        continue;
      }
      for (const auto& c : columns) {
        const std::string& text = fields[index[c]];
        char* end = nullptr;
        const double want = std::strtod(text.c_str(), &end);
        ASSERT_EQ(end, text.c_str() + text.size()) << "not a number: " << text;
        const json& got = it->second[c];
        ASSERT_TRUE(got.is_number()) << it->second.dump();
        EXPECT_EQ(Bits(got.get<double>()), Bits(want))
            << "row " << fields[index[key]] << " column " << c << ": served " << got.dump() << ", batch " << text;
      }
      ++compared;
    }
    EXPECT_EQ(compared, batch.rows.size());
  }

  static ProcessResult Terminate(Process& p) {
    p.Signal(SIGTERM);
    return p.Wait();
  }

  uint16_t port_ = 0;
  std::string model_ = "srv";
};

// ---------------------------------------------------------------------------------------
// 1. Conformance: routes, methods, metadata, readiness, request ids

TEST_F(ServeTest, EveryRouteAnswersAsKServeV2Says) {
  WritePipeline();
  auto p = Serve({});
  ASSERT_TRUE(p);
  ASSERT_TRUE(WaitReady(*p));

  Reply live = Call(port_, "GET", "/v2/health/live");
  EXPECT_EQ(live.status, 200) << live.Describe();
  EXPECT_EQ(live.Header("content-type"), "application/json");
  EXPECT_EQ(live.Json(), json({{"live", true}}));
  Reply ready = Call(port_, "GET", "/v2/health/ready");
  EXPECT_EQ(ready.Json(), json({{"ready", true}}));

  Reply server = Call(port_, "GET", "/v2");
  ASSERT_EQ(server.status, 200) << server.Describe();
  EXPECT_EQ(server.Json()["name"], "trestle");
  EXPECT_TRUE(server.Json()["version"].is_string()) << server.body;
  EXPECT_TRUE(server.Json()["extensions"].is_array()) << server.body;

  // Model metadata: the request is the source's columns, the response the response
  // node's input, with v2 datatypes; the version is the model file's.
  const json expected_metadata = {
      {"name", "srv"},
      {"versions", {"7"}},
      {"platform", "trestle"},
      {"inputs", {{{"name", "id"}, {"datatype", "INT64"}, {"shape", {-1}}}, {{"name", "x"}, {"datatype", "FP64"}, {"shape", {-1}}}}},
      {"outputs",
       {{{"name", "id"}, {"datatype", "INT64"}, {"shape", {-1}}},
        {{"name", "x"}, {"datatype", "FP64"}, {"shape", {-1}}},
        {{"name", "score"}, {"datatype", "FP64"}, {"shape", {-1}}}}}};
  for (const char* path : {"/v2/models/srv", "/v2/models/srv/versions/7"}) {
    Reply m = Call(port_, "GET", path);
    ASSERT_EQ(m.status, 200) << path << " " << m.Describe();
    EXPECT_EQ(m.Json(), expected_metadata) << path;
  }
  for (const char* path : {"/v2/models/srv/ready", "/v2/models/srv/versions/7/ready"}) {
    Reply m = Call(port_, "GET", path);
    EXPECT_EQ(m.status, 200) << path << " " << m.Describe();
    EXPECT_EQ(m.Json(), json({{"name", "srv"}, {"ready", true}})) << path;
  }

  // HEAD is GET without the body.
  Reply head = Call(port_, "HEAD", "/v2/health/live");
  EXPECT_EQ(head.status, 200) << head.Describe();
  EXPECT_EQ(head.body, "");
  EXPECT_EQ(head.Header("content-length"), std::to_string(live.body.size()));

  // Inference on both routes, both forms; the request id from the body, the header, or made up.
  ExpectScored(Infer(Instances(Rows(1, 3), "abc")), Rows(1, 3), "abc", 10, "instances");
  ExpectScored(Call(port_, "POST", "/v2/models/srv/versions/7/infer", V2(Rows(10, 2), "v2-id")), Rows(10, 2), "v2-id", 10,
               "versioned v2");
  Reply by_header = Infer(Instances(Rows(20, 1)), "X-Request-Id: from-header\r\n");
  ExpectScored(by_header, Rows(20, 1), "from-header", 10, "header id");
  Reply made_up = Infer(Instances(Rows(30, 1)));
  ASSERT_EQ(made_up.status, 200) << made_up.Describe();
  EXPECT_FALSE(made_up.Header("x-request-id").empty());
  EXPECT_EQ(made_up.Json()["model_name"], "srv");
  EXPECT_EQ(made_up.Json()["model_version"], "7");
  // v2: the outputs asked for, in that order, with their datatypes; [n, 1] and nested data.
  const std::string nested = R"({"id": "n", "inputs": [
      {"name": "x", "shape": [2, 1], "datatype": "FP64", "data": [[1.5], [2.5]]},
      {"name": "id", "shape": [2], "datatype": "INT32", "data": [5, 6]}],
      "outputs": [{"name": "score"}, {"name": "id"}]})";
  Reply picked = Infer(nested);
  ASSERT_EQ(picked.status, 200) << picked.Describe();
  const json outputs = picked.Json()["outputs"];
  ASSERT_EQ(outputs.size(), 2u) << picked.body;
  EXPECT_EQ(outputs[0], json({{"name", "score"}, {"datatype", "FP64"}, {"shape", {2}}, {"data", {11.5, 12.5}}}));
  EXPECT_EQ(outputs[1], json({{"name", "id"}, {"datatype", "INT64"}, {"shape", {2}}, {"data", {5, 6}}}));
  EXPECT_FALSE(picked.Json().contains("parameters")) << picked.body;

  // 404: unknown models, versions and routes, each naming what is unknown.
  struct NotFound {
    std::string method, path, names;
  };
  for (const NotFound& c : std::vector<NotFound>{{"GET", "/v2/models/nope", "\"nope\""},
                                                {"GET", "/v2/models/nope/ready", "\"nope\""},
                                                {"POST", "/v2/models/nope/infer", "\"nope\""},
                                                {"GET", "/v2/models/srv/versions/8", "\"8\""},
                                                {"GET", "/v2/models/srv/versions/8/ready", "\"8\""},
                                                {"POST", "/v2/models/srv/versions/8/infer", "\"8\""},
                                                {"GET", "/v2/models/srv/explain", "/v2/models/srv/explain"},
                                                {"GET", "/v2/models/srv/versions/7/ready/now", "/v2/models/srv/versions/7/ready/now"},
                                                {"GET", "/v2/models", "/v2/models"},
                                                {"GET", "/v2/health/dead", "/v2/health/dead"},
                                                {"GET", "/v3/models/srv", "/v3/models/srv"},
                                                {"GET", "/", "/"}}) {
    Reply r = Call(port_, c.method, c.path, c.method == "POST" ? Instances(Rows(1, 1)) : "");
    EXPECT_EQ(r.status, 404) << c.method << " " << c.path << ": " << r.Describe();
    EXPECT_TRUE(Contains(r.Error(), c.names)) << c.method << " " << c.path << ": " << r.body;
  }

  // 405, with the methods the route takes in Allow.
  struct WrongMethod {
    std::string method, path, allow;
  };
  for (const WrongMethod& c : std::vector<WrongMethod>{{"POST", "/v2/health/live", "GET"},
                                                      {"POST", "/v2/health/ready", "GET"},
                                                      {"POST", "/v2", "GET"},
                                                      {"POST", "/v2/models/srv", "GET"},
                                                      {"POST", "/v2/models/srv/ready", "GET"},
                                                      {"POST", "/v2/models/srv/versions/7", "GET"},
                                                      {"POST", "/metrics", "GET"},
                                                      {"GET", "/v2/models/srv/infer", "POST"},
                                                      {"HEAD", "/v2/models/srv/infer", "POST"},
                                                      {"PUT", "/v2/models/srv/infer", "POST"},
                                                      {"GET", "/v2/models/srv/versions/7/infer", "POST"},
                                                      {"PUT", "/v2/health/live", "GET"},
                                                      {"DELETE", "/v2/models/srv", "GET"},
                                                      {"DELETE", "/metrics", "GET"}}) {
    Reply r = Call(port_, c.method, c.path);
    EXPECT_EQ(r.status, 405) << c.method << " " << c.path << ": " << r.Describe();
    const std::string allow = r.Header("allow");
    EXPECT_TRUE(Contains(allow, c.allow) && !Contains(allow, c.allow == "GET" ? "POST" : "GET"))
        << c.method << " " << c.path << ": Allow: \"" << allow << "\", the route takes " << c.allow;
  }

  // /metrics: one valid exposition of the run's families and the serving ones.
  prom_test::Exposition x = Scrape();
  EXPECT_EQ(x.Get("trestle_up", {}), 1);
  EXPECT_EQ(Requests(x, "7", 200), 5);
  EXPECT_EQ(x.Get("trestle_serving_request_rows_count", {{"model", "srv"}}), 5);
  EXPECT_EQ(x.Get("trestle_serving_request_rows_sum", {{"model", "srv"}}), 3 + 2 + 1 + 1 + 2);
  EXPECT_EQ(Gauge(x, "trestle_serving_queued_rows"), 0);
  EXPECT_EQ(Gauge(x, "trestle_serving_outstanding_requests"), 0);
  EXPECT_EQ(x.Get("trestle_node_rows_in_total", {{"pipeline", "srv"}, {"node", "score"}}), 9);
  Reply metrics = Call(port_, "GET", "/metrics");
  EXPECT_TRUE(Contains(metrics.Header("content-type"), "text/plain")) << metrics.Header("content-type");

  ProcessResult r = Terminate(*p);
  ASSERT_EXIT_CODE(r, 0);
  nlohmann::json report = ReadJson("report.json");
  EXPECT_EQ(report["status"], "succeeded") << report.dump();
  EXPECT_EQ(ReportNode(report, "score")["rows_in"], 9);
  EXPECT_EQ(report["accounting"]["balanced"], true) << report["accounting"].dump();
}

// ---------------------------------------------------------------------------------------
// 2. Refusals of single requests

TEST_F(ServeTest, BadRequestsAre400AndTheMessageNamesTheField) {
  WritePipeline();
  auto p = Serve({});
  ASSERT_TRUE(p);
  ASSERT_TRUE(WaitReady(*p));
  struct Bad {
    std::string body, headers, names;
  };
  const std::string deep = std::string(100, '[') + std::string(100, ']');
  const std::vector<Bad> cases = {
      {R"({"inputs": [)", "", "malformed JSON at byte"},
      {"[1, 2]", "", "a JSON object with \"inputs\""},
      {"{}", "", "neither \"inputs\""},
      {R"({"inputs": [], "instances": []})", "", "both \"inputs\""},
      {R"({"instances": [{"id": 1}], "typo": 1})", "", "typo: unknown top-level key"},
      {R"({"instances": [{"id": 1}], "inputs_": 1, "timeout_ms": 5})", "", "inputs_"},
      {R"({"inputs": [{"name": "id", "shape": [1], "datatype": "FP64", "data": [1]},
                      {"name": "x", "shape": [1], "datatype": "FP64", "data": [1]}]})",
       "", "inputs[0].datatype: FP64 does not fit column \"id\""},
      {R"({"inputs": [{"name": "id", "shape": [1], "datatype": "INT64", "data": [1]},
                      {"name": "x", "shape": [1], "datatype": "FLOAT", "data": [1]}]})",
       "", "inputs[1].datatype: \"FLOAT\" is not a KServe v2 datatype"},
      {R"({"inputs": [{"name": "id", "shape": [2], "datatype": "INT64", "data": [1, "abc"]},
                      {"name": "x", "shape": [2], "datatype": "FP64", "data": [1, 2]}]})",
       "", "inputs[0].data[1]"},
      {R"({"inputs": [{"name": "id", "shape": [1], "datatype": "INT8", "data": [300]},
                      {"name": "x", "shape": [1], "datatype": "FP64", "data": [1]}]})",
       "", "inputs[0].data[0]"},
      {R"({"inputs": [{"name": "id", "shape": [2, 2], "datatype": "INT64", "data": [1, 2, 3, 4]},
                      {"name": "x", "shape": [2], "datatype": "FP64", "data": [1, 2]}]})",
       "", "inputs[0].shape: expected [n] or [n, 1]"},
      {R"({"inputs": [{"name": "id", "shape": [3], "datatype": "INT64", "data": [1, 2]},
                      {"name": "x", "shape": [3], "datatype": "FP64", "data": [1, 2, 3]}]})",
       "", "inputs[0].data: 2 values, but shape [3] holds 3"},
      {R"({"inputs": [{"name": "id", "shape": [1], "datatype": "INT64", "data": [1]}]})", "",
       "inputs: input \"x\" is missing"},
      {R"({"inputs": [{"name": "id", "shape": [1], "datatype": "INT64", "data": [1]},
                      {"name": "x", "shape": [1], "datatype": "FP64", "data": [1]},
                      {"name": "y", "shape": [1], "datatype": "FP64", "data": [1]}]})",
       "", "inputs[2].name: unknown input \"y\""},
      {R"({"inputs": [{"name": "id", "shape": [2], "datatype": "INT64", "data": [1, 2]},
                      {"name": "x", "shape": [3], "datatype": "FP64", "data": [1, 2, 3]}]})",
       "", "inputs[1].shape: 3 rows, but inputs[0] has 2"},
      {R"({"inputs": [{"name": "id", "shape": [1], "datatype": "INT64", "data": [1]},
                      {"name": "x", "shape": [1], "datatype": "FP64", "data": [1]}],
           "outputs": [{"name": "nope"}]})",
       "", "outputs[0].name: unknown output \"nope\""},
      {R"({"inputs": [{"name": "id", "shape": [1], "datatype": "INT64", "data": [1], "parameters": {"binary_data_size": 8}},
                      {"name": "x", "shape": [1], "datatype": "FP64", "data": [1]}]})",
       "", "inputs[0].parameters.binary_data_size: not supported"},
      {R"({"instances": [{"id": 1, "x": 1}, {"id": 2, "y": 1}]})", "", "instances[1]: unknown column \"y\""},
      {R"({"instances": [{"id": "seven", "x": 1}]})", "", "instances[0].id"},
      {R"({"instances": [{"x": 1}]})", "", "instances[0]: \"id\" is missing"},
      {R"({"instances": []})", "", "instances: expected a non-empty array"},
      {R"({"instances": [{"id": 1}], "timeout_ms": 0})", "", "timeout_ms: expected a positive integer"},
      {Instances(Rows(1, 1)), "X-Request-Timeout-Ms: soon\r\n", "x-request-timeout-ms: \"soon\""},
      {"{\"instances\": " + deep + "}", "", "nested deeper than 64 levels"},
  };
  for (const Bad& c : cases) {
    Reply r = Infer(c.body, c.headers);
    EXPECT_EQ(r.status, 400) << c.body << "\n" << r.Describe();
    EXPECT_TRUE(Contains(r.Error(), c.names)) << "the message should name " << c.names << ": " << r.body;
  }
  // Nothing of them reached the graph; the server still answers.
  prom_test::Exposition x = Scrape();
  EXPECT_EQ(Requests(x, "", 400), static_cast<double>(cases.size()));
  EXPECT_EQ(x.Get("trestle_node_rows_in_total", {{"pipeline", "srv"}, {"node", "gate"}}), 0);
  ExpectScored(Infer(Instances(Rows(1, 2), "after")), Rows(1, 2), "after", 10);
  ASSERT_EXIT_CODE(Terminate(*p), 0);
}

TEST_F(ServeTest, TooLargeBodiesAndRequestsAre413AndTooLargeHeaders431) {
  WritePipeline("{}", "", "", "serve: {max_body_bytes: 4096, max_batch_rows: 8}\n");
  auto p = Serve({});
  ASSERT_TRUE(p);
  ASSERT_TRUE(WaitReady(*p));

  // A body over serve.max_body_bytes.
  std::string big = Instances(Rows(0, 8));
  big.insert(big.size() - 1, ", \"pad\": \"" + std::string(5000, 'p') + "\"");
  Reply body = Infer(big);
  EXPECT_EQ(body.status, 413) << body.Describe();
  // A small body with more rows than a batch holds: the message names the limit.
  Reply rows = Infer(Instances(Rows(0, 9), "nine"));
  EXPECT_EQ(rows.status, 413) << rows.Describe();
  EXPECT_TRUE(Contains(rows.Error(), "9 rows") && Contains(rows.Error(), "max_batch_rows")) << rows.body;
  EXPECT_EQ(rows.Header("x-request-id"), "nine");
  // Request headers over 16 KiB.
  Reply headers = Infer(Instances(Rows(0, 1)), "X-Padding: " + std::string(20 << 10, 'h') + "\r\n");
  EXPECT_EQ(headers.status, 431) << headers.Describe();
  Reply fine = Call(port_, "GET", "/v2/health/live", "", "X-Padding: " + std::string(10 << 10, 'h') + "\r\n");
  EXPECT_EQ(fine.status, 200) << "10 KiB of headers are within the limit: " << fine.Describe();

  // The server goes on; a request of max_batch_rows rows is fine.
  ExpectScored(Infer(Instances(Rows(0, 8), "eight")), Rows(0, 8), "eight", 10);
  prom_test::Exposition x = Scrape();
  EXPECT_EQ(Requests(x, "", 413), 1) << "the rows' 413 is counted (the body's is the HTTP server's)";
  EXPECT_EQ(x.Get("trestle_node_rows_in_total", {{"pipeline", "srv"}, {"node", "gate"}}), 8);
  ASSERT_EXIT_CODE(Terminate(*p), 0);
}

TEST_F(ServeTest, AFullQueueIs429WithRetryAfterAndItsRowsNeverRun) {
  // One batch at a time, 300 ms each; 2 rows per batch and 2 rows may wait: of 16
  // simultaneous 2-row requests one runs, one waits, the others find the queue full.
  WritePipeline("{sleep_ms: 300}", "max_inflight_batches: 1");
  auto p = Serve({"--max-batch-rows", "2", "--max-queue-rows", "2", "--max-queue-delay-us", "0"});
  ASSERT_TRUE(p);
  ASSERT_TRUE(WaitReady(*p));
  constexpr int kClients = 16;
  std::vector<Reply> replies(kClients);
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c)
    clients.emplace_back([&, c] { replies[c] = Infer(Instances(Rows(c * 10, 2), "q" + std::to_string(c))); });
  for (auto& t : clients) t.join();
  int ok = 0, full = 0;
  for (int c = 0; c < kClients; ++c) {
    const Reply& r = replies[c];
    if (r.status == 200) {
      ++ok;
      ExpectScored(r, Rows(c * 10, 2), "q" + std::to_string(c), 10);
    } else {
      ASSERT_EQ(r.status, 429) << r.Describe();
      ++full;
      const std::string retry = r.Header("retry-after");
      EXPECT_FALSE(retry.empty()) << "a 429 without Retry-After";
      EXPECT_TRUE(!retry.empty() && retry.find_first_not_of("0123456789") == std::string::npos) << retry;
      EXPECT_TRUE(Contains(r.Error(), "queue is full")) << r.body;
      EXPECT_EQ(r.Header("x-request-id"), "q" + std::to_string(c));
    }
  }
  EXPECT_GE(ok, 2);
  EXPECT_GE(full, 1);
  prom_test::Exposition x = Scrape();
  EXPECT_EQ(Requests(x, "", 429), full);
  ASSERT_EXIT_CODE(Terminate(*p), 0);
  EXPECT_EQ(ReportNode(ReadJson("report.json"), "gate")["rows_in"], 2 * ok) << "a refused request's rows ran";
}

TEST_F(ServeTest, ADeadlineThatPassesInTheQueueIs504AndTheRequestNeverRuns) {
  // One batch at a time, a second each; requests without a deadline of their own get 50 ms.
  WritePipeline("{sleep_ms: 1000}", "max_inflight_batches: 1");
  auto p = Serve({"--request-timeout-ms", "50", "--max-queue-delay-us", "0"});
  ASSERT_TRUE(p);
  ASSERT_TRUE(WaitReady(*p));

  Reply slow;
  std::thread slow_client([&] { slow = Infer(Instances(Rows(1, 3), "slow", {{"timeout_ms", 60000}})); });
  // Once the slow request is in the graph, the next ones wait behind it.
  ASSERT_TRUE(WaitUntil(
      [&] {
        prom_test::Exposition x = Scrape();
        return Gauge(x, "trestle_serving_outstanding_requests") == 1 && Gauge(x, "trestle_serving_queued_rows") == 0;
      },
      seconds(30)));
  Reply by_body, by_parameter, by_default;
  std::thread a([&] { by_body = Infer(Instances(Rows(100, 3), "h", {{"timeout_ms", 50}})); });
  std::thread b([&] { by_parameter = Infer(V2(Rows(200, 3), "v", {{"parameters", {{"timeout_ms", 50}}}})); });
  std::thread c([&] { by_default = Infer(Instances(Rows(300, 3), "d")); });
  a.join();
  b.join();
  c.join();
  Reply by_http_header = Infer(Instances(Rows(400, 3), "x"), "X-Request-Timeout-Ms: 50\r\n");
  // The slow one may be done by now: then this one ran at once. Either way it is answered.
  for (const Reply* r : {&by_body, &by_parameter, &by_default}) {
    EXPECT_EQ(r->status, 504) << r->Describe();
    EXPECT_TRUE(Contains(r->Error(), "deadline of 50 ms") && Contains(r->Error(), "not run")) << r->body;
  }
  slow_client.join();
  ExpectScored(slow, Rows(1, 3), "slow", 10);
  EXPECT_TRUE(by_http_header.status == 504 || by_http_header.status == 200) << by_http_header.Describe();
  const int64_t ran_http_header = by_http_header.status == 200 ? 3 : 0;

  // A request with a generous deadline behind nothing runs.
  ExpectScored(Infer(Instances(Rows(500, 2), "late"), "X-Request-Timeout-Ms: 60000\r\n"), Rows(500, 2), "late", 10);
  prom_test::Exposition x = Scrape();
  EXPECT_EQ(Requests(x, "", 504), by_http_header.status == 504 ? 4 : 3);
  EXPECT_EQ(Requests(x, "7", 200), by_http_header.status == 200 ? 3 : 2);
  EXPECT_EQ(x.Get("trestle_model_predictions_total", {{"pipeline", "srv"}, {"node", "score"}, {"version", "7"}}).value_or(-1),
            5 + ran_http_header);
  ASSERT_EXIT_CODE(Terminate(*p), 0);
  nlohmann::json report = ReadJson("report.json");
  EXPECT_EQ(ReportNode(report, "gate")["rows_in"], 5 + ran_http_header) << "an expired request's rows ran";
  ASSERT_EQ(report["models"].size(), 1u);
  EXPECT_EQ(report["models"][0]["versions"][0]["rows"], 5 + ran_http_header);
}

TEST_F(ServeTest, APipelineFailureAnswers500AndEndsTheRun) {
  // The gate's DATA_ERROR fails the run (on_error: fail).
  WritePipeline("{data_error_id: 5}", "", ", on_error: fail");
  auto p = Serve({});
  ASSERT_TRUE(p);
  ASSERT_TRUE(WaitReady(*p));
  ExpectScored(Infer(Instances(Rows(0, 2), "fine")), Rows(0, 2), "fine", 10);
  Reply failed = Infer(Instances(Rows(3, 4), "fails"));
  EXPECT_EQ(failed.status, 500) << failed.Describe();
  EXPECT_TRUE(Contains(failed.Error(), "scripted bad batch at id 5")) << failed.body;
  EXPECT_EQ(failed.Header("x-request-id"), "fails");
  ProcessResult r = p->Wait();
  EXPECT_EXIT_CODE(r, 1);
  EXPECT_EQ(ReadJson("report.json")["status"], "failed");
}

// ---------------------------------------------------------------------------------------
// 3. Correctness: the examples served score as their batch runs do, bit for bit

TEST_F(ServeTest, TheChurnExampleServedScoresAsItsBatchRunBitForBit) {
  const fs::path example = fs::path(SourceDir()) / "examples" / "churn";
  fs::copy_file(example / "churn.yaml", Path("churn.yaml"));
  fs::copy(example / "models", Path("models"), fs::copy_options::recursive);
  // The first 300 customers of the example's data (generated when it has none yet).
  std::vector<std::string> lines;
  if (fs::exists(example / "data" / "customers.csv")) {
    std::ifstream in(example / "data" / "customers.csv");
    for (std::string line; lines.size() < 301 && std::getline(in, line);) lines.push_back(line);
  } else {
    ProcessOptions gen;
    gen.cwd = dir();
    ASSERT_EXIT_CODE(RunProcess({TRESTLE_PYTHON3, (example / "generate.py").string(), "--rows", "300", "--train-rows", "10",
                                 "--out", "gen"},
                                gen),
                     0);
    lines = Lines("gen/customers.csv");
  }
  ASSERT_EQ(lines.size(), 301u);
  std::string data;
  for (const auto& l : lines) data += l + "\n";
  Write("data/customers.csv", data);

  ProcessOptions options;
  options.unset_env.push_back("CHURN_DATA");
  ASSERT_EXIT_CODE(Trestle({"run", "churn.yaml", "--run-dir", "batch"}, options), 0);
  fs::rename(Path("out"), Path("batch_out"));
  const Csv batch = ParseCsv(Read("batch_out/churn_scores.csv"));
  ASSERT_EQ(batch.header, (std::vector<std::string>{"customer_id", "churn_probability", "will_churn"}));
  ASSERT_GT(batch.rows.size(), 280u);

  model_ = "churn-scoring";
  auto p = Serve({"--response", "scores", "--max-queue-delay-us", "5000"}, "churn.yaml", options);
  ASSERT_TRUE(p);
  ASSERT_TRUE(WaitReady(*p));
  Reply metadata = Call(port_, "GET", "/v2/models/churn-scoring");
  const json expected_inputs = json::parse(R"([
      {"name": "customer_id", "datatype": "BYTES", "shape": [-1]},
      {"name": "signup_date", "datatype": "BYTES", "shape": [-1]},
      {"name": "tenure_months", "datatype": "INT64", "shape": [-1]},
      {"name": "monthly_charges", "datatype": "FP64", "shape": [-1]},
      {"name": "total_charges", "datatype": "FP64", "shape": [-1]},
      {"name": "contract", "datatype": "BYTES", "shape": [-1]},
      {"name": "payment_method", "datatype": "BYTES", "shape": [-1]},
      {"name": "internet_service", "datatype": "BYTES", "shape": [-1]},
      {"name": "support_calls", "datatype": "INT64", "shape": [-1]},
      {"name": "senior", "datatype": "BOOL", "shape": [-1]}])");
  const json expected_outputs = json::parse(R"([
      {"name": "customer_id", "datatype": "BYTES", "shape": [-1]},
      {"name": "churn_probability", "datatype": "FP64", "shape": [-1]},
      {"name": "will_churn", "datatype": "INT64", "shape": [-1]}])");
  EXPECT_EQ(metadata.Json()["inputs"], expected_inputs) << metadata.body;
  EXPECT_EQ(metadata.Json()["outputs"], expected_outputs) << metadata.body;

  const std::map<std::string, json> served = ServeRows(ParseCsv(data), "customer_id");
  ExpectSameScores(batch, served, "customer_id", {"churn_probability", "will_churn"});
  for (const auto& [id, row] : served) EXPECT_TRUE(row["will_churn"].is_number_integer()) << row.dump();

  ProcessResult r = Terminate(*p);
  ASSERT_EXIT_CODE(r, 0);
  EXPECT_FALSE(Exists("out/churn_scores.csv")) << "the response node wrote its file";
  // The other sink ran as in a batch run: the customers most at risk, as the batch run listed them.
  std::set<std::string> at_risk, batch_at_risk;
  for (const auto& row : ReadJsonLines("out/at_risk.jsonl")) at_risk.insert(row["customer_id"].get<std::string>());
  for (const auto& row : ReadJsonLines("batch_out/at_risk.jsonl")) batch_at_risk.insert(row["customer_id"].get<std::string>());
  EXPECT_FALSE(batch_at_risk.empty());
  EXPECT_EQ(at_risk, batch_at_risk);
}

TEST_F(ServeTest, TheModelSwapExampleWithXgboostServedScoresAsItsBatchRunBitForBit) {
  // Builds without the xgboost plugin (the ThreadSanitizer one) have nothing to serve.
  if (!fs::exists(fs::path(PluginDir()) / "libtrestle_xgboost.so"))
    GTEST_SKIP() << "the xgboost plugin is not part of this build";
  const fs::path example = fs::path(SourceDir()) / "examples" / "model-swap";
  for (const char* what : {"pipeline.yaml", "data", "features", "models"})
    fs::copy(example / what, Path(what), fs::copy_options::recursive);
  ProcessOptions options;
  options.env["MODEL"] = "xgboost";
  options.unset_env = {"HOLDOUT", "SCORES"};
  ASSERT_EXIT_CODE(Trestle({"run", "pipeline.yaml", "--run-dir", "batch"}, options), 0);
  const Csv batch = ParseCsv(Read("out/scores.csv"));
  ASSERT_EQ(batch.header, (std::vector<std::string>{"id", "score", "label"}));
  ASSERT_GT(batch.rows.size(), 100u);
  fs::remove(Path("out/scores.csv"));

  model_ = "model-swap";
  auto p = Serve({"--max-queue-delay-us", "5000"}, "pipeline.yaml", options);
  ASSERT_TRUE(p);
  ASSERT_TRUE(WaitReady(*p));
  const std::map<std::string, json> served = ServeRows(ParseCsv(Read("data/holdout.csv")), "id");
  ExpectSameScores(batch, served, "id", {"score", "label"});
  ASSERT_EXIT_CODE(Terminate(*p), 0);
}

// ---------------------------------------------------------------------------------------
// 4. Correlation: concurrent clients whose requests share engine batches

TEST_F(ServeTest, ConcurrentClientsEachGetTheirOwnRowsBackInOrder) {
  WritePipeline();
  // Requests wait up to 20 ms for others to join their batch.
  auto p = Serve({"--max-queue-delay-us", "20000", "--max-batch-rows", "256"});
  ASSERT_TRUE(p);
  ASSERT_TRUE(WaitReady(*p));
  constexpr int kClients = 64, kRequests = 12;
  struct Result {
    std::string id;
    std::vector<SeqRow> rows;
    Reply reply;
  };
  std::vector<std::vector<Result>> results(kClients);
  std::vector<std::thread> clients;
  for (int t = 0; t < kClients; ++t) {
    clients.emplace_back([&, t] {
      Connection conn(port_);
      for (int k = 0; k < kRequests; ++k) {
        Result r;
        r.id = "c" + std::to_string(t) + "-" + std::to_string(k);
        r.rows = Rows(t * 100'000 + k * 100, 1 + (t * 7 + k * 3) % 8);  // 1..8 rows
        const std::string body = k % 2 == 0 ? Instances(r.rows, r.id) : V2(r.rows, r.id);
        r.reply = conn.Request("POST", InferPath(), body);
        results[static_cast<size_t>(t)].push_back(std::move(r));
      }
    });
  }
  for (auto& c : clients) c.join();
  int64_t rows = 0;
  for (const auto& per_client : results) {
    ASSERT_EQ(per_client.size(), static_cast<size_t>(kRequests));
    for (const Result& r : per_client) {
      ExpectScored(r.reply, r.rows, r.id, 10, r.id);
      rows += static_cast<int64_t>(r.rows.size());
    }
  }
  prom_test::Exposition x = Scrape();
  EXPECT_EQ(Requests(x, "7", 200), kClients * kRequests);
  EXPECT_EQ(x.Get("trestle_serving_request_rows_sum", {{"model", "srv"}}), rows);
  EXPECT_EQ(x.Get("trestle_serving_batch_rows_sum", {{"model", "srv"}}), rows);
  EXPECT_GT(BatchesAbove(x, 8), 0) << "no engine batch held more rows than one request has: no batch merged requests";
  EXPECT_LT(x.Get("trestle_serving_batch_rows_count", {{"model", "srv"}}).value_or(0), kClients * kRequests);
  ASSERT_EXIT_CODE(Terminate(*p), 0);
  nlohmann::json report = ReadJson("report.json");
  EXPECT_EQ(ReportNode(report, "score")["rows_in"], rows);
  EXPECT_EQ(report["accounting"]["balanced"], true) << report["accounting"].dump();
}

// ---------------------------------------------------------------------------------------
// 5. Refused rows

TEST_F(ServeTest, RefusedRowsAreErrorEntriesOfTheirOwnRequestAndDeadLetters) {
  WritePipeline("{reject_every: 3}");
  // 100 ms to gather: the three requests below share engine batches.
  auto p = Serve({"--max-queue-delay-us", "100000"});
  ASSERT_TRUE(p);
  ASSERT_TRUE(WaitReady(*p));

  std::vector<SeqRow> r1 = Rows(0, 10), r2 = Rows(10, 5), r3 = Rows(15, 6);
  r2[3].x.reset();  // id 13: a null feature, which the model refuses
  Reply a, b, c;
  std::thread ta([&] { a = Infer(Instances(r1, "r1")); });
  std::thread tb([&] { b = Infer(Instances(r2, "r2")); });
  std::thread tc([&] { c = Infer(V2(r3, "r3")); });
  ta.join();
  tb.join();
  tc.join();

  // request id -> refused id -> node
  std::map<std::string, std::map<int64_t, std::string>> refused = {
      {"r1", {{0, "gate"}, {3, "gate"}, {6, "gate"}, {9, "gate"}}},
      {"r2", {{12, "gate"}, {13, "score"}}},
      {"r3", {{15, "gate"}, {18, "gate"}}}};
  struct Answer {
    const Reply& reply;
    const std::vector<SeqRow>& sent;
    std::string id;
  };
  for (const Answer& answer : {Answer{a, r1, "r1"}, Answer{b, r2, "r2"}, Answer{c, r3, "r3"}}) {
    const Reply& reply = answer.reply;
    const std::vector<SeqRow>& sent = answer.sent;
    const std::string& id = answer.id;
    ASSERT_EQ(reply.status, 200) << id << ": " << reply.Describe();
    const std::vector<json> rows = ResponseRows(reply.Json());
    ASSERT_EQ(rows.size(), sent.size()) << reply.body;
    for (size_t i = 0; i < rows.size(); ++i) {
      auto it = refused[id].find(sent[i].id);
      if (it == refused[id].end()) {
        ASSERT_FALSE(rows[i].contains("error")) << id << " row " << i << ": " << rows[i].dump();
        EXPECT_EQ(rows[i]["id"], sent[i].id);
        EXPECT_EQ(rows[i]["score"].get<double>(), *sent[i].x + 10);
        continue;
      }
      ASSERT_TRUE(rows[i].contains("error")) << id << " row " << i << " should be refused: " << rows[i].dump();
      const json& e = rows[i]["error"];
      EXPECT_EQ(e["node"], it->second) << e.dump();
      EXPECT_EQ(e["code"], "DATA_ERROR") << e.dump();
      const std::string reason = e["reason"].get<std::string>();
      EXPECT_TRUE(it->second == "gate" ? Contains(reason, "id " + std::to_string(sent[i].id) + " is a multiple of 3")
                                       : Contains(reason, "feature \"x\" is null"))
          << reason;
    }
  }
  ASSERT_EXIT_CODE(Terminate(*p), 0);

  // One dead letter per refused row, in its request's name.
  std::map<std::string, std::map<int64_t, std::string>> lettered;
  for (const auto& line : ReadJsonLines("run/dead_letter.jsonl")) {
    ASSERT_TRUE(line.contains("request_id")) << line.dump();
    const std::string rid = line["request_id"].get<std::string>();
    const int64_t id = line["row"]["id"].get<int64_t>();
    EXPECT_TRUE(lettered[rid].emplace(id, line["node"].get<std::string>()).second) << "row " << id << " twice";
  }
  EXPECT_EQ(lettered, refused);
  EXPECT_EQ(ReadJson("report.json")["dead_letters"]["rows"], 8);
}

// ---------------------------------------------------------------------------------------
// 6. Hot swap under load

TEST_F(ServeTest, HotSwapUnderLoadAnswersEveryRequestOnceWithOneVersion) {
  Publish(1, LinearModel(10));
  Write("p.yaml", R"(pipeline: swap
nodes:
  - {name: seq, type: sequence, options: {rows: 0}}
  - name: score
    type: linear
    inputs: [seq]
    options: {model: models/m}
    serving: {version_column: model_version}
  - {name: out, type: jsonl_sink, inputs: [score], options: {path: out.jsonl}}
)");
  model_ = "swap";
  auto p = Serve({"--max-queue-delay-us", "2000"});
  ASSERT_TRUE(p);
  ASSERT_TRUE(WaitReady(*p));
  EXPECT_EQ(Call(port_, "GET", "/v2/models/swap/versions/1/ready").status, 200);

  struct Sent {
    std::vector<SeqRow> rows;
    bool after_swap;
    Reply reply;
  };
  constexpr int kClients = 8;
  std::atomic<bool> stop{false}, swapped{false};
  std::atomic<int> answered{0};
  std::vector<std::vector<Sent>> sent(kClients);
  std::vector<std::thread> clients;
  for (int t = 0; t < kClients; ++t) {
    clients.emplace_back([&, t] {
      Connection conn(port_);
      for (int k = 0; !stop.load() && k < 5000; ++k) {
        Sent s;
        s.rows = Rows(t * 1'000'000 + k * 10, 1 + (t + k) % 6);
        s.after_swap = swapped.load();
        s.reply = conn.Request("POST", InferPath(), k % 2 ? V2(s.rows) : Instances(s.rows));
        sent[static_cast<size_t>(t)].push_back(std::move(s));
        answered.fetch_add(1);
      }
    });
  }
  const bool warmed = WaitUntil([&] { return answered.load() >= 100; }, seconds(30));
  Publish(2, LinearModel(20));
  p->Signal(SIGHUP);
  const bool swap_logged =
      WaitUntil([&] { return Contains(p->Stderr(), "model version 2 now serves (was 1)"); }, seconds(30));
  swapped = true;
  const int at_swap = answered.load();
  const bool after = WaitUntil([&] { return answered.load() >= at_swap + 100; }, seconds(30));
  stop = true;
  for (auto& c : clients) c.join();
  ASSERT_TRUE(warmed);
  ASSERT_TRUE(swap_logged) << p->Stderr();
  ASSERT_TRUE(after);
  EXPECT_EQ(Call(port_, "GET", "/v2/models/swap/versions/2/ready").status, 200);
  EXPECT_EQ(Call(port_, "GET", "/v2/models/swap/versions/1/ready").status, 404);
  EXPECT_EQ(Call(port_, "GET", "/v2/models/swap").Json()["versions"], json::array({"2"}));

  std::map<std::string, int64_t> rows_by_version;
  int64_t requests = 0;
  for (const auto& per_client : sent) {
    for (const Sent& s : per_client) {
      ++requests;
      ASSERT_EQ(s.reply.status, 200) << s.reply.Describe();
      const json body = s.reply.Json();
      const std::string v = body["model_version"].get<std::string>();
      ASSERT_TRUE(v == "1" || v == "2") << body.dump();
      if (s.after_swap) {
        EXPECT_EQ(v, "2") << "a request sent after the swap was logged: " << body.dump();
      }
      const std::vector<json> rows = ResponseRows(body);
      ASSERT_EQ(rows.size(), s.rows.size()) << body.dump();
      for (size_t i = 0; i < rows.size(); ++i) {
        EXPECT_EQ(rows[i]["id"], s.rows[i].id) << body.dump();
        EXPECT_EQ(rows[i]["model_version"], v) << "a response mixes versions: " << body.dump();
        EXPECT_EQ(rows[i]["score"].get<double>(), *s.rows[i].x + (v == "1" ? 10 : 20)) << body.dump();
      }
      rows_by_version[v] += static_cast<int64_t>(rows.size());
    }
  }
  EXPECT_GT(rows_by_version["1"], 0);
  EXPECT_GT(rows_by_version["2"], 0);
  prom_test::Exposition x = Scrape();
  EXPECT_EQ(Requests(x, "1", 200) + Requests(x, "2", 200), requests);
  ASSERT_EXIT_CODE(Terminate(*p), 0);
  nlohmann::json report = ReadJson("report.json");
  ASSERT_EQ(report["models"].size(), 1u);
  EXPECT_EQ(report["models"][0]["swaps"], 1);
  std::map<std::string, int64_t> reported;
  for (const auto& v : report["models"][0]["versions"]) reported[v["version"].get<std::string>()] = v["rows"].get<int64_t>();
  EXPECT_EQ(reported, rows_by_version);
}

// ---------------------------------------------------------------------------------------
// 7. Drain

TEST_F(ServeTest, SigtermAnswersTheAdmittedRequestsRefusesNewOnesAndExits0) {
  // One batch (one request) at a time, half a second each.
  WritePipeline("{sleep_ms: 500}", "max_inflight_batches: 1");
  auto p = Serve({"--max-batch-rows", "4", "--max-queue-delay-us", "0"});
  ASSERT_TRUE(p);
  ASSERT_TRUE(WaitReady(*p));
  Connection kept(port_);
  ASSERT_EQ(kept.Request("GET", "/v2/health/live").status, 200);

  constexpr int kClients = 6;
  std::vector<Reply> replies(kClients);
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c)
    clients.emplace_back([&, c] { replies[c] = Infer(Instances(Rows(c * 10, 3), "d" + std::to_string(c))); });
  const bool admitted = WaitUntil(
      [&] { return Gauge(Scrape(), "trestle_serving_outstanding_requests") == kClients; }, seconds(30));
  p->Signal(SIGTERM);
  const bool draining = WaitUntil([&] { return Contains(p->Stderr(), "draining: no new requests"); }, seconds(30));

  // A connection that was open already is still answered, but not ready; a new one finds
  // no listener (or, had it been accepted just before the listener closed, a 503).
  Reply ready = kept.Request("GET", "/v2/health/ready");
  Reply late = kept.Request("POST", InferPath(), Instances(Rows(100, 1), "late"));
  std::this_thread::sleep_for(milliseconds(50));
  Reply fresh = Infer(Instances(Rows(200, 1), "fresh"));
  for (auto& t : clients) t.join();
  ProcessResult r = p->Wait();
  ASSERT_TRUE(admitted);
  ASSERT_TRUE(draining) << r.err;

  EXPECT_EQ(ready.status, 503) << ready.Describe();
  EXPECT_EQ(ready.Json()["reason"], "draining") << ready.body;
  EXPECT_TRUE(late.status == 503 || (late.status == 0 && !kept.open())) << late.Describe();
  EXPECT_TRUE(fresh.refused || fresh.status == 503) << fresh.Describe();
  for (int c = 0; c < kClients; ++c) ExpectScored(replies[c], Rows(c * 10, 3), "d" + std::to_string(c), 10);

  ASSERT_EXIT_CODE(r, 0);
  nlohmann::json report = ReadJson("report.json");
  const std::string status = report["status"].get<std::string>();
  EXPECT_TRUE(status == "succeeded" || status == "drained") << status;
  EXPECT_TRUE(Contains(r.out, "pipeline srv  " + status)) << r.out;
  EXPECT_EQ(ReportNode(report, "gate")["rows_in"], 3 * kClients);
  EXPECT_EQ(report["accounting"]["balanced"], true);
  // The run is in the run store, ended.
  ProcessResult runs = TrestleRaw({"runs", "--format", "json"});
  ASSERT_EXIT_CODE(runs, 0);
  json listed = json::parse(runs.out, nullptr, false);
  ASSERT_TRUE(listed.is_array() && listed.size() == 1) << runs.out;
  EXPECT_EQ(listed[0]["run_id"], report["run_id"]);
  EXPECT_EQ(listed[0]["pipeline"], "srv");
  EXPECT_EQ(listed[0]["status"], status);
  EXPECT_FALSE(listed[0]["ended"].is_null());
}

// ---------------------------------------------------------------------------------------
// 8. Warm-up

TEST_F(ServeTest, TheWarmupRequestIsAnsweredBeforeTheServerIsReady) {
  WritePipeline("{sleep_ms: 1000}");
  Write("warm.json", Instances(Rows(1, 2)));
  auto p = Serve({"--warmup", "warm.json"});
  ASSERT_TRUE(p);
  // The warm-up takes a second: at first the server is live, not ready, and refuses work.
  Reply live = Call(port_, "GET", "/v2/health/live");
  Reply early = Call(port_, "GET", "/v2/health/ready");
  Reply early_model = Call(port_, "GET", "/v2/models/srv/ready");
  Reply early_infer = Infer(Instances(Rows(5, 1)));
  EXPECT_EQ(live.status, 200) << live.Describe();
  EXPECT_EQ(early.status, 503) << early.Describe();
  const std::string reason = early.Json().value("reason", "");
  EXPECT_TRUE(reason == "warming up" || reason == "starting") << early.body;
  EXPECT_EQ(early_model.status, 503) << early_model.Describe();
  EXPECT_EQ(early_infer.status, 503) << early_infer.Describe();
  EXPECT_TRUE(Contains(early_infer.Error(), "not ready")) << early_infer.body;

  ASSERT_TRUE(WaitReady(*p));
  EXPECT_TRUE(Contains(p->Stderr(), "warm-up request answered")) << p->Stderr();
  ExpectScored(Infer(Instances(Rows(5, 2), "w")), Rows(5, 2), "w", 10);
  ASSERT_EXIT_CODE(Terminate(*p), 0);
}

TEST_F(ServeTest, AWarmupWhoseRowIsRefusedEndsTheServerWithExit1) {
  WritePipeline("{reject_every: 2}");
  Write("warm.json", Instances({{4, 1.0}}));
  ProcessResult r = Trestle({"serve", "p.yaml", "--listen", "127.0.0.1:0", "--no-admin", "--run-dir", "run", "--warmup",
                             "warm.json"});
  EXPECT_EXIT_CODE(r, 1);
  EXPECT_TRUE(Contains(r.err, "the warm-up request failed")) << r.err;
  EXPECT_TRUE(Contains(r.err, "\"gate\"") && Contains(r.err, "id 4 is a multiple of 2")) << r.err;
  EXPECT_FALSE(Contains(r.err, "ready: serving version")) << r.err;
}

TEST_F(ServeTest, AWarmupBodyThatCannotBeReadOrParsedIsRefusedBeforeServing) {
  WritePipeline();
  Write("warm.json", R"({"instances": [{"id": 1, "z": 2}]})");
  ProcessResult bad = Trestle({"serve", "p.yaml", "--listen", "127.0.0.1:0", "--no-admin", "--warmup", "warm.json"});
  EXPECT_EXIT_CODE(bad, 78);
  EXPECT_TRUE(Contains(bad.err, "the warm-up request warm.json: instances[0]: unknown column \"z\"")) << bad.err;
  ProcessResult missing = Trestle({"serve", "p.yaml", "--listen", "127.0.0.1:0", "--no-admin", "--warmup", "nope.json"});
  EXPECT_EXIT_CODE(missing, 78);
  EXPECT_TRUE(Contains(missing.err, "the warm-up request nope.json cannot be read")) << missing.err;
}

// ---------------------------------------------------------------------------------------
// 9. Pipelines serving refuses, and the one that names its response node

TEST_F(ServeTest, PipelinesThatCannotBeServedAreRefusedWithExit78) {
  Write("m.json", LinearModel(10));
  struct Refused {
    std::string name, yaml;
    std::vector<std::string> args;
    std::string message;
  };
  const std::string seq = "  - {name: seq, type: sequence, options: {rows: 5}}\n";
  const std::vector<Refused> cases = {
      {"two-sources",
       seq + "  - {name: seq2, type: sequence, options: {rows: 5}}\n"
             "  - {name: out, type: jsonl_sink, inputs: [seq], options: {path: a.jsonl}}\n"
             "  - {name: out2, type: jsonl_sink, inputs: [seq2], options: {path: b.jsonl}}\n",
       {},
       "a served pipeline has exactly one source (its rows become the requests); this one has 2: \"seq\", \"seq2\""},
      {"aggregating",
       seq + "  - {name: count, type: modulo_count, inputs: [seq]}\n"
             "  - {name: out, type: jsonl_sink, inputs: [count], options: {path: a.jsonl}}\n",
       {},
       "node \"count\" (modulo_count) aggregates"},
      {"two-sinks",
       seq + "  - {name: score, type: linear, inputs: [seq], options: {model: m.json}}\n"
             "  - {name: out1, type: jsonl_sink, inputs: [score], options: {path: a.jsonl}}\n"
             "  - {name: out2, type: jsonl_sink, inputs: [score], options: {path: b.jsonl}}\n",
       {},
       "several sinks receive the rows of source \"seq\" (\"out1\", \"out2\"); name the one"},
      {"response-not-a-sink",
       seq + "  - {name: score, type: linear, inputs: [seq], options: {model: m.json}}\n"
             "  - {name: out, type: jsonl_sink, inputs: [score], options: {path: a.jsonl}}\n",
       {"--response", "score"},
       "node \"score\" is a"},
      {"response-unknown",
       seq + "  - {name: out, type: jsonl_sink, inputs: [seq], options: {path: a.jsonl}}\n",
       {"--response", "nope"},
       "no node \"nope\""},
  };
  for (const Refused& c : cases) {
    Write(c.name + ".yaml", "pipeline: " + c.name + "\nnodes:\n" + c.yaml);
    std::vector<std::string> args = {"serve", c.name + ".yaml", "--listen", "127.0.0.1:0", "--no-admin"};
    args.insert(args.end(), c.args.begin(), c.args.end());
    ProcessResult r = Trestle(args);
    EXPECT_EXIT_CODE(r, 78) << c.name;
    EXPECT_TRUE(Contains(r.err, "cannot serve pipeline \"" + c.name + "\"")) << c.name << ": " << r.err;
    EXPECT_TRUE(Contains(r.err, c.message)) << c.name << ": " << r.err;
    if (c.name == "response-not-a-sink") {
      EXPECT_TRUE(Contains(r.err, "not a sink")) << r.err;
    }
    EXPECT_FALSE(Contains(r.err, "listening on")) << c.name;
  }
  ProcessResult backfill = Trestle({"serve", "two-sinks.yaml", "--from", "2026-01-01", "--to", "2026-01-02"});
  EXPECT_EXIT_CODE(backfill, 2);
}

TEST_F(ServeTest, TheServeSectionNamesTheResponseAndTheOtherSinksRunAsInABatchRun) {
  Write("m.json", LinearModel(10));
  Write("p.yaml", R"(pipeline: srv
nodes:
  - {name: seq, type: sequence, options: {rows: 5}}
  - {name: score, type: linear, inputs: [seq], options: {model: m.json}}
  - {name: answers, type: jsonl_sink, inputs: [score], options: {path: answers.jsonl}}
  - {name: archive, type: jsonl_sink, inputs: [score], options: {path: archive.jsonl}}
serve: {response: answers, max_queue_delay_us: 0}
)");
  auto p = Serve({});
  ASSERT_TRUE(p);
  ASSERT_TRUE(WaitReady(*p));
  ExpectScored(Infer(Instances(Rows(7, 3), "a")), Rows(7, 3), "a", 10);
  ExpectScored(Infer(V2(Rows(20, 2), "b")), Rows(20, 2), "b", 10);
  ASSERT_EXIT_CODE(Terminate(*p), 0);
  EXPECT_FALSE(Exists("answers.jsonl")) << "the response node's own file was written";
  std::vector<int64_t> archived;
  for (const auto& row : ReadJsonLines("archive.jsonl")) {
    archived.push_back(row["id"].get<int64_t>());
    EXPECT_EQ(row["score"].get<double>(), row["x"].get<double>() + 10) << row.dump();
  }
  std::sort(archived.begin(), archived.end());
  EXPECT_EQ(archived, (std::vector<int64_t>{7, 8, 9, 20, 21}));
}

}  // namespace
}  // namespace trestle::clitest
