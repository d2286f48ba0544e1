#include "webhook_sink.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <thread>

#include "sha256.hpp"

namespace trestle_webhook {
namespace {

constexpr const char* kUserAgent = "trestle-webhook/1.0";
constexpr size_t kQuoteBytes = 200;  // of a response body, in error messages
// Timestamps in bodies end in "Z": 2024-05-01T12:00:00.000000Z.
constexpr auto kTimestamps = trestle_support::TimestampSuffix::kZ;

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// RFC 9110 token characters.
bool header_name_ok(const std::string& n) {
  static const std::string kExtra = "!#$%&'*+-.^_`|~";
  return !n.empty() && std::all_of(n.begin(), n.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || kExtra.find(c) != std::string::npos;
  });
}

// No line breaks or other control characters (tab is allowed) in a header value.
bool header_value_ok(const std::string& v) {
  return std::none_of(v.begin(), v.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return (u < 0x20 && u != '\t') || u == 0x7f;
  });
}

bool reserved_header(const std::string& lname) {
  static const char* kReserved[] = {"host", "content-length", "content-type", "transfer-encoding", "connection",
                                    "te", "upgrade", "idempotency-key"};
  return std::any_of(std::begin(kReserved), std::end(kReserved), [&](const char* r) { return lname == r; });
}

// The first kQuoteBytes bytes of `text` on one line: control characters become spaces,
// bytes of invalid UTF-8 '?', and the cut never splits a character.
std::string quote_start(const std::string& text) {
  std::string out;
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  size_t i = 0;
  while (i < text.size()) {
    const unsigned char c = p[i];
    size_t len = c < 0x80 ? 1 : trestle_support::utf8_sequence_length(p + i, text.size() - i);
    if (i + std::max<size_t>(len, 1) > kQuoteBytes) break;
    if (len == 0) out += '?', len = 1;
    else if (c < 0x20 || c == 0x7f) out += ' ';
    else out.append(text, i, len);
    i += len;
  }
  if (i < text.size()) out += "...";
  return out;
}

}  // namespace

RetryPolicy::RetryPolicy(const std::vector<std::string>& retry_on) {
  for (const auto& e : retry_on) {
    const std::string s = lower(e);
    const bool digits = s.size() == 3 && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
    const bool klass = s.size() == 3 && s[0] >= '1' && s[0] <= '5' && s[1] == 'x' && s[2] == 'x';
    if (klass && s[0] != '2') {
      classes_.push_back(s[0] - '0');
    } else if (digits && s >= "100" && s <= "599" && s[0] != '2') {
      codes_.push_back(std::stoi(s));
    } else {
      throw trestle::InvalidArgument("option \"retry_on\": \"" + e +
                                     "\" is not a status code 100-599 or a class such as 5xx (2xx is success, "
                                     "never retried)");
    }
  }
}

bool RetryPolicy::retries(int status) const {
  return std::find(codes_.begin(), codes_.end(), status) != codes_.end() ||
         std::find(classes_.begin(), classes_.end(), status / 100) != classes_.end();
}

int64_t retry_wait_ms(int attempt, int64_t backoff_ms, int64_t max_backoff_ms, const std::string& retry_after,
                      double jitter_unit) {
  // Retry-After: delay-seconds only (an HTTP-date falls back to the backoff).
  size_t a = retry_after.find_first_not_of(" \t");
  size_t b = retry_after.find_last_not_of(" \t");
  if (a != std::string::npos) {
    std::string s = retry_after.substr(a, b - a + 1);
    if (s.size() <= 9 && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; }))
      return std::min<int64_t>(std::stoll(s) * 1000, max_backoff_ms);
  }
  const double grown = static_cast<double>(backoff_ms) * std::pow(2.0, std::min(attempt - 1, 40));
  const double jittered = grown * (0.8 + 0.4 * std::clamp(jitter_unit, 0.0, 1.0));
  return std::min<int64_t>(static_cast<int64_t>(std::min(jittered, 9.0e15)), max_backoff_ms);
}

trestle::OperatorSpec WebhookSink::spec() {
  return trestle::OperatorSpec(
             "webhook_sink",
             "POSTs rows as JSON to an http:// URL, e.g. findings to an alerting service. Each request's body is "
             "{\"rows\": [...]} with at most batch_rows rows, one object per row keyed by column name, in "
             "column order: nulls and NaN/Inf as null, timestamps as ISO-8601 UTC strings "
             "(2024-05-01T12:00:00.000000Z), invalid UTF-8 replaced by U+FFFD. A 2xx answer delivers the "
             "rows; connection errors, time-outs and the statuses in retry_on are retried with exponential "
             "backoff and jitter (on 429 and 503 a Retry-After in seconds replaces the backoff, up to "
             "max_backoff_ms); when the attempts run out the call fails with UNAVAILABLE, so the node's retry "
             "settings apply, and a retried batch does not resend requests already answered 2xx. Any other "
             "status fails the batch with DATA_ERROR (the node's on_error decides) naming the status and the "
             "start of the response body; rows of the batch delivered before it stay delivered and the "
             "others are rejected. Rows are delivered when the write returns; commit has nothing to flush. "
             "Delivery is at least once: every request carries an Idempotency-Key header, the same for every "
             "attempt of one request and different across requests, for the receiver to drop duplicates. "
             "https is not supported (no TLS).")
      .param<std::string>("url",
                          "http://host[:port]/path[?query] to POST to; https:// is refused. It shows in reports and "
                          "errors: put credentials in bearer_token or headers, not in the URL")
      .required()
      .param<trestle::StringMap>("headers",
                                 "extra request headers, name -> value (e.g. Authorization, X-Api-Key). Secret: "
                                 "the values never appear in reports, logs or error messages. Host, "
                                 "Content-Length, Content-Type, Transfer-Encoding, Connection, TE, Upgrade and "
                                 "Idempotency-Key are set by the sink")
      .secret()
      .param<std::string>("bearer_token",
                          "sends Authorization: Bearer <token>; secret (write it as ${ENV_VAR} to keep it out of "
                          "the pipeline file)")
      .secret()
      .param<int64_t>("batch_rows", "the most rows in one request", 100)
      .range(1, 100000)
      .param<int64_t>("timeout_ms", "deadline of one attempt: connecting, sending and reading the answer", 5000)
      .range(1, 600000)
      .param<int64_t>("max_attempts", "attempts per request in all, the first included; 1 means no retry", 5)
      .range(1, 100)
      .param<int64_t>("backoff_ms",
                      "wait before the second attempt; it doubles with each further attempt and is multiplied "
                      "by a random factor in [0.8, 1.2]",
                      200)
      .range(0, 600000)
      .param<int64_t>("max_backoff_ms", "cap on any wait between attempts, also on one a Retry-After asks for",
                      30000)
      .range(0, 600000)
      .param<trestle::StringList>("retry_on",
                                  "answers retried besides connection errors and time-outs: status codes "
                                  "(\"503\") or classes (\"5xx\"); every other non-2xx answer is final",
                                  trestle::StringList{"408", "429", "5xx"})
      .input_doc("any columns")
      .ordered_input()
      .serial();
}

WebhookSink::WebhookSink(const trestle::Options& o)
    : url_text_(o.get<std::string>("url")),
      batch_rows_(o.get<int64_t>("batch_rows")),
      timeout_ms_(o.get<int64_t>("timeout_ms")),
      max_attempts_(o.get<int64_t>("max_attempts")),
      backoff_ms_(o.get<int64_t>("backoff_ms")),
      max_backoff_ms_(o.get<int64_t>("max_backoff_ms")),
      retry_(o.get<trestle::StringList>("retry_on")),
      rng_(std::random_device{}()) {
  std::string why;
  if (!parse_http_url(url_text_, &url_, &why)) {
    const bool quote = url_text_.find('@') == std::string::npos;  // never repeat a password
    throw trestle::InvalidArgument("option \"url\"" + (quote ? " = \"" + url_text_ + "\"" : std::string()) + ": " +
                                   why);
  }
  url_text_ = url_.text();

  bool has_authorization = false;
  for (const auto& [name, values] : o.get_or<trestle::StringMap>("headers", {})) {
    const std::string at = "option \"headers\": header \"" + name + "\"";
    if (!header_name_ok(name)) throw trestle::InvalidArgument(at + " is not a valid header name");
    const std::string lname = lower(name);
    if (reserved_header(lname)) throw trestle::InvalidArgument(at + " is set by webhook_sink itself");
    if (values.size() != 1)
      throw trestle::InvalidArgument(at + " must have exactly one value, got " + std::to_string(values.size()));
    if (!header_value_ok(values[0]))  // the value is secret: never quoted
      throw trestle::InvalidArgument(at + " has a line break or control character in its value");
    has_authorization = has_authorization || lname == "authorization";
    headers_.emplace_back(name, values[0]);
    secrets_.push_back(values[0]);
  }
  if (o.has("bearer_token")) {
    const std::string token = o.get<std::string>("bearer_token");
    if (token.empty()) throw trestle::InvalidArgument("option \"bearer_token\" is empty (is its ${VAR} set?)");
    if (!header_value_ok(token))
      throw trestle::InvalidArgument("option \"bearer_token\" has a line break or control character");
    if (has_authorization)
      throw trestle::InvalidArgument(
          "options \"bearer_token\" and \"headers\" both set the Authorization header; keep one");
    headers_.emplace_back("Authorization", "Bearer " + token);
    secrets_.push_back(token);
  }
  secrets_.erase(std::remove(secrets_.begin(), secrets_.end(), std::string()), secrets_.end());
  std::sort(secrets_.begin(), secrets_.end(), [](const auto& a, const auto& b) { return a.size() > b.size(); });

  static const char kHex[] = "0123456789abcdef";
  std::random_device rd;
  for (int i = 0; i < 16; ++i) nonce_ += kHex[rd() & 15];
  client_ = std::make_unique<HttpClient>(url_, std::chrono::milliseconds(timeout_ms_), kUserAgent);
}

WebhookSink::~WebhookSink() = default;

void WebhookSink::open(const trestle::Schema& input) { writer_.emplace(input, kTimestamps); }

void WebhookSink::write(const trestle::Batch& batch, trestle::Context& ctx) {
  const int64_t rows = batch.num_rows();
  if (rows == 0) return;
  if (!writer_) writer_.emplace(batch.schema(), kTimestamps);

  std::vector<Chunk> chunks;
  trestle_support::JsonStats stats;
  Sha256 fingerprint;
  for (int64_t begin = 0; begin < rows; begin += batch_rows_) {
    Chunk c;
    c.begin = begin;
    c.end = std::min(rows, begin + batch_rows_);
    c.body = "{\"rows\":[";
    for (int64_t r = c.begin; r < c.end; ++r) {
      if (r > c.begin) c.body += ',';
      writer_->append_row(c.body, batch, r, &stats);
    }
    c.body += "]}";
    c.digest = sha256_hex(c.body);
    fingerprint.update(c.digest);
    chunks.push_back(std::move(c));
  }
  const std::string fp = fingerprint.hex();

  size_t first = 0;
  int64_t base = 0;
  if (pending_ && pending_->fingerprint == fp) {  // the engine retries a batch that failed part-way
    first = pending_->next_chunk;
    base = pending_->base_seq;
  } else {
    base = next_seq_;
    next_seq_ += static_cast<int64_t>(chunks.size());
    if (stats.non_finite > 0) ctx.count("non_finite_as_null", static_cast<double>(stats.non_finite));
    if (stats.invalid_utf8 > 0) ctx.count("invalid_utf8_replaced", static_cast<double>(stats.invalid_utf8));
  }
  pending_.reset();

  for (size_t i = first; i < chunks.size(); ++i) {
    const Chunk& c = chunks[i];
    const std::string key = sha256_hex(nonce_ + ":" + std::to_string(base + static_cast<int64_t>(i)) + ":" + c.digest);
    std::string refusal;
    Outcome outcome;
    try {
      outcome = deliver(c, key, ctx, &refusal);
    } catch (const trestle::Unavailable&) {
      pending_ = Pending{fp, base, i};
      throw;
    }
    if (outcome == Outcome::kRefused) {
      if (i == 0) throw trestle::DataError(refusal);
      // Earlier requests of this batch were delivered: only the rest fails.
      for (int64_t r = c.begin; r < rows; ++r) ctx.reject(r, refusal);
      return;
    }
    ctx.count("rows_delivered", static_cast<double>(c.end - c.begin));
  }
}

WebhookSink::Outcome WebhookSink::deliver(const Chunk& chunk, const std::string& key, trestle::Context& ctx,
                                          std::string* refusal) {
  Headers headers = headers_;
  headers.emplace_back("Idempotency-Key", key);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  const std::string of = " of " + std::to_string(max_attempts_);
  std::string last;
  for (int64_t attempt = 1;; ++attempt) {
    HttpResult r = client_->post(chunk.body, headers);
    ctx.count("requests");
    if (r.responded && r.status >= 200 && r.status < 300) return Outcome::kDelivered;
    last = describe(r);
    const std::string what = std::to_string(attempt) + of + (r.responded ? " " : " failed: ") + last;
    if (r.responded && !retry_.retries(r.status)) {
      *refusal = "POST " + url_text_ + " " + last;
      if (attempt > 1) *refusal += " (attempt " + std::to_string(attempt) + of + ")";
      return Outcome::kRefused;
    }
    if (attempt >= max_attempts_) break;
    const bool may_ask = r.responded && (r.status == 429 || r.status == 503);
    const int64_t ms = retry_wait_ms(static_cast<int>(attempt), backoff_ms_, max_backoff_ms_,
                                     may_ask ? r.retry_after : std::string(), unit(rng_));
    ctx.warning("POST " + url_text_ + " attempt " + what + "; retrying in " + std::to_string(ms) + " ms");
    ctx.count("retries");
    if (!wait(ms, ctx))
      throw trestle::Unavailable("POST " + url_text_ + " attempt " + what +
                                 "; not retried by the sink because the run is stopping");
  }
  throw trestle::Unavailable("POST " + url_text_ + " failed after " + std::to_string(max_attempts_) +
                             (max_attempts_ == 1 ? " attempt" : " attempts") + " (last attempt: " + last + ")");
}

std::string WebhookSink::describe(const HttpResult& r) const {
  if (!r.responded) return redact(r.error);
  const std::string reason = quote_start(r.reason);  // the server's words: one line, bounded
  std::string s = "answered " + std::to_string(r.status) + (reason.empty() ? "" : " " + reason);
  if (r.status >= 300 && r.status < 400) s += " (redirects are not followed)";
  // Redact before cutting, so that no part of a secret the server echoes survives.
  const std::string body = quote_start(redact(r.body));
  s += body.empty() ? " (empty body)" : ": " + body;
  return redact(s);
}

std::string WebhookSink::redact(std::string text) const {
  for (const auto& secret : secrets_) {
    for (size_t at = text.find(secret); at != std::string::npos; at = text.find(secret, at + 8))
      text.replace(at, secret.size(), "<secret>");
  }
  return text;
}

bool WebhookSink::wait(int64_t ms, trestle::Context& ctx) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
  for (;;) {
    if (ctx.cancelled()) return false;
    const auto now = std::chrono::steady_clock::now();
    if (now >= until) return true;
    std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(until - now, std::chrono::milliseconds(20)));
  }
}

void WebhookSink::close(trestle::Context&) { client_->close(); }

}  // namespace trestle_webhook
