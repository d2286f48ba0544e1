// webhook_sink against a real HTTP server on 127.0.0.1 (http_test_server.hpp): bodies,
// batching, retries and their waits, the errors and their codes, idempotency keys, and
// that secrets never show.
#include "webhook_sink.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <trestle/testing.hpp>

#include "http_test_server.hpp"

namespace trestle_webhook {
namespace {

using std::chrono::milliseconds;
using trestle::Batch;
using trestle::Options;
using trestle::testing::BatchBuilder;
using trestle::testing::Harness;
using webhook_test::Reply;
using webhook_test::Request;
using webhook_test::TestServer;
using Clock = std::chrono::steady_clock;

// Short waits so that the tests are quick; each test sets what it checks.
Options Opts(const std::string& url) {
  return Options()
      .set("url", url)
      .set("backoff_ms", int64_t{10})
      .set("max_backoff_ms", int64_t{2000})
      .set("timeout_ms", int64_t{3000});
}

Batch Ids(int64_t from, int64_t n) {
  std::vector<std::optional<int64_t>> ids;
  for (int64_t i = 0; i < n; ++i) ids.push_back(from + i);
  return BatchBuilder().i64("id", ids).build();
}

nlohmann::ordered_json Body(const Request& r) { return nlohmann::ordered_json::parse(r.body); }

std::vector<int64_t> IdsOf(const Request& r) {
  std::vector<int64_t> ids;
  const nlohmann::ordered_json body = Body(r);
  for (const auto& row : body.at("rows")) ids.push_back(row.at("id").get<int64_t>());
  return ids;
}

std::vector<int64_t> Range(int64_t from, int64_t to) {
  std::vector<int64_t> v;
  for (int64_t i = from; i < to; ++i) v.push_back(i);
  return v;
}

double Ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

// Writes `batch` and returns the error it fails with (nullopt when it succeeds).
std::optional<trestle::Error> WriteError(Harness<WebhookSink>& h, const Batch& batch) {
  try {
    h.write(batch);
  } catch (const trestle::Error& e) {
    return e;
  }
  return std::nullopt;
}

// The INVALID_ARGUMENT message creating the sink with `o` fails with.
std::string Invalid(const Options& o) {
  std::optional<trestle::Error> e = trestle::testing::open_error<WebhookSink>(o, Ids(0, 1).schema());
  EXPECT_TRUE(e && e->code() == TRESTLE_INVALID_ARGUMENT) << (e ? e->what() : "no error");
  return e ? e->what() : "";
}

bool Has(const std::string& haystack, const std::string& needle) { return haystack.find(needle) != std::string::npos; }

TEST(WebhookSink, PostsRowsAsJsonWithEveryType) {
  TestServer server;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  Batch in = BatchBuilder()
                 .i64("id", {1, 2, std::nullopt})
                 .i32("small", {-7, std::nullopt, 2147483647})
                 .f64("x", {0.1, nan, 1e300})
                 .f32("y", {INFINITY, 0.5f, std::nullopt})
                 .boolean("ok", {true, std::nullopt, false})
                 .str("s", {"tab\there \"q\" \\ \x01 line\nbreak", "\xc3\xa9t\xc3\xa9 \xf0\x9f\x8c\x8d", "bad \xff byte"})
                 .ts("t", {1700000000123456, -1, std::nullopt})
                 .f64("whole", {2.0, -0.0, std::nullopt})
                 .build();
  Harness<WebhookSink> h(Opts(server.url("/alerts?team=ml")));
  h.open(in.schema());
  h.write(in);
  h.commit(true);
  h.close();

  std::vector<Request> reqs = server.requests();
  ASSERT_EQ(reqs.size(), 1u);
  const Request& r = reqs[0];
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.target, "/alerts?team=ml");
  EXPECT_EQ(r.header("content-type"), "application/json");
  EXPECT_EQ(r.header("user-agent"), "trestle-webhook/1.0");
  EXPECT_EQ(r.header("host"), "127.0.0.1:" + std::to_string(server.port()));
  EXPECT_EQ(r.header("idempotency-key").size(), 64u);
  EXPECT_EQ(std::stoul(r.header("content-length")), r.body.size());

  nlohmann::ordered_json body = Body(r);
  ASSERT_EQ(body.size(), 1u) << "the body is {\"rows\": [...]}";
  const auto& rows = body["rows"];
  ASSERT_EQ(rows.size(), 3u);
  std::vector<std::string> keys;
  for (const auto& [k, v] : rows[0].items()) keys.push_back(k);
  EXPECT_EQ(keys, (std::vector<std::string>{"id", "small", "x", "y", "ok", "s", "t", "whole"}));

  EXPECT_EQ(rows[0]["id"], 1);
  EXPECT_TRUE(rows[0]["id"].is_number_integer());
  EXPECT_TRUE(rows[2]["id"].is_null());
  EXPECT_EQ(rows[0]["small"], -7);
  EXPECT_TRUE(rows[1]["small"].is_null());
  EXPECT_EQ(rows[2]["small"], 2147483647);
  EXPECT_EQ(rows[0]["x"].get<double>(), 0.1);  // shortest text that reads back exactly
  EXPECT_TRUE(rows[1]["x"].is_null()) << "NaN is null";
  EXPECT_EQ(rows[2]["x"].get<double>(), 1e300);
  EXPECT_TRUE(rows[0]["y"].is_null()) << "Inf is null";
  EXPECT_EQ(rows[1]["y"].get<double>(), 0.5);
  EXPECT_TRUE(rows[2]["y"].is_null());
  EXPECT_EQ(rows[0]["ok"], true);
  EXPECT_TRUE(rows[1]["ok"].is_null());
  EXPECT_EQ(rows[2]["ok"], false);
  EXPECT_EQ(rows[0]["s"], "tab\there \"q\" \\ \x01 line\nbreak");
  EXPECT_EQ(rows[1]["s"], "\xc3\xa9t\xc3\xa9 \xf0\x9f\x8c\x8d");
  EXPECT_EQ(rows[2]["s"], "bad \xef\xbf\xbd byte") << "invalid UTF-8 becomes U+FFFD";
  EXPECT_EQ(rows[0]["t"], "2023-11-14T22:13:20.123456Z");
  EXPECT_EQ(rows[1]["t"], "1969-12-31T23:59:59.999999Z");
  EXPECT_TRUE(rows[2]["t"].is_null());
  EXPECT_TRUE(rows[0]["whole"].is_number_float()) << "a float column stays a float: " << r.body;
  EXPECT_NE(r.body.find("\"whole\":2.0"), std::string::npos) << r.body;

  EXPECT_EQ(h.recorded().counters["rows_delivered"], 3);
  EXPECT_EQ(h.recorded().counters["requests"], 1);
  EXPECT_EQ(h.recorded().counters["non_finite_as_null"], 2);
  EXPECT_EQ(h.recorded().counters["invalid_utf8_replaced"], 1);
}

TEST(WebhookSink, SplitsABatchIntoRequestsOfBatchRowsOnOneConnection) {
  TestServer server;
  Harness<WebhookSink> h(Opts(server.url()).set("batch_rows", int64_t{100}));
  h.open(Ids(0, 1).schema());
  h.write(Ids(0, 250));
  h.write(Ids(250, 30));
  std::vector<Request> reqs = server.requests();
  ASSERT_EQ(reqs.size(), 4u);
  EXPECT_EQ(IdsOf(reqs[0]), Range(0, 100));
  EXPECT_EQ(IdsOf(reqs[1]), Range(100, 200));
  EXPECT_EQ(IdsOf(reqs[2]), Range(200, 250));
  EXPECT_EQ(IdsOf(reqs[3]), Range(250, 280));
  std::set<std::string> keys;
  for (const auto& r : reqs) keys.insert(r.header("idempotency-key"));
  EXPECT_EQ(keys.size(), 4u) << "every request has its own key";
  EXPECT_EQ(server.connections(), 1) << "the connection is kept alive";
  EXPECT_EQ(h.recorded().counters["rows_delivered"], 280);
  EXPECT_EQ(h.recorded().counters["requests"], 4);
  EXPECT_EQ(h.recorded().counters["retries"], 0);
}

TEST(WebhookSink, EmptyBatchSendsNothing) {
  TestServer server;
  Harness<WebhookSink> h(Opts(server.url()));
  h.open(Ids(0, 1).schema());
  h.write(Ids(0, 0));
  h.commit(true);
  EXPECT_EQ(server.count(), 0u);
}

TEST(WebhookSink, A500IsRetriedWithTheSameBodyAndKey) {
  TestServer server({Reply::Status(500, "oops")});
  Harness<WebhookSink> h(Opts(server.url()));
  h.open(Ids(0, 1).schema());
  h.write(Ids(0, 3));
  std::vector<Request> reqs = server.requests();
  ASSERT_EQ(reqs.size(), 2u);
  EXPECT_EQ(reqs[0].status, 500);
  EXPECT_EQ(reqs[1].status, 200);
  EXPECT_EQ(reqs[0].body, reqs[1].body);
  EXPECT_EQ(reqs[0].header("idempotency-key"), reqs[1].header("idempotency-key"));
  EXPECT_EQ(h.recorded().counters["retries"], 1);
  EXPECT_EQ(h.recorded().counters["rows_delivered"], 3);
  ASSERT_EQ(h.recorded().logs.size(), 1u);
  EXPECT_EQ(h.recorded().logs[0].first, TRESTLE_LOG_WARNING);
  EXPECT_TRUE(Has(h.recorded().logs[0].second, "attempt 1 of 5 answered 500 Internal Server Error: oops; retrying in"))
      << h.recorded().logs[0].second;
}

TEST(WebhookSink, RetryableStatusesAndFailuresAreRetried) {
  // The dropped connection is the first: a kept-alive one that fails before any answer
  // is replaced without counting an attempt (see AClosedKeptAliveConnection...).
  TestServer server({Reply::Drop(), Reply::Status(408), Reply::Status(429), Reply::Status(502),
                     Reply::Status(503), Reply::Status(200)});
  Harness<WebhookSink> h(Opts(server.url()).set("max_attempts", int64_t{6}));
  h.open(Ids(0, 1).schema());
  h.write(Ids(0, 1));
  EXPECT_EQ(server.count(), 6u);
  EXPECT_EQ(h.recorded().counters["retries"], 5);
}

TEST(WebhookSink, BackoffDoublesBetweenAttempts) {
  TestServer server({Reply::Status(503), Reply::Status(503), Reply::Status(503)});
  Harness<WebhookSink> h(Opts(server.url()).set("backoff_ms", int64_t{100}));
  h.open(Ids(0, 1).schema());
  h.write(Ids(0, 1));
  std::vector<Request> r = server.requests();
  ASSERT_EQ(r.size(), 4u);
  // 100, 200, 400 ms, each times a factor in [0.8, 1.2].
  EXPECT_GE(Ms(r[1].at - r[0].at), 80);
  EXPECT_GE(Ms(r[2].at - r[1].at), 160);
  EXPECT_GE(Ms(r[3].at - r[2].at), 320);
  EXPECT_LT(Ms(r[3].at - r[0].at), 3000);
}

TEST(WebhookSink, BackoffIsCapped) {
  TestServer server({Reply::Status(500), Reply::Status(500), Reply::Status(500)});
  Harness<WebhookSink> h(Opts(server.url()).set("backoff_ms", int64_t{100}).set("max_backoff_ms", int64_t{120}));
  h.open(Ids(0, 1).schema());
  auto t0 = Clock::now();
  h.write(Ids(0, 1));
  EXPECT_EQ(server.count(), 4u);
  // Uncapped the waits would be at least 80 + 160 + 320 ms.
  EXPECT_LT(Ms(Clock::now() - t0), 100 + 120 * 3 + 400);
}

TEST(WebhookSink, RetryAfterSecondsIsHonoured) {
  TestServer server({Reply::Status(429, "slow down").Header("Retry-After", "1")});
  Harness<WebhookSink> h(Opts(server.url()));
  h.open(Ids(0, 1).schema());
  h.write(Ids(0, 2));
  std::vector<Request> r = server.requests();
  ASSERT_EQ(r.size(), 2u);
  EXPECT_GE(Ms(r[1].at - r[0].at), 1000) << "backoff_ms is 10, Retry-After asks for 1 s";
  EXPECT_LT(Ms(r[1].at - r[0].at), 2000);
  EXPECT_EQ(r[0].header("idempotency-key"), r[1].header("idempotency-key"));
  EXPECT_TRUE(Has(h.recorded().logs.at(0).second, "retrying in 1000 ms")) << h.recorded().logs[0].second;
}

TEST(WebhookSink, RetryAfterIsCappedByMaxBackoff) {
  TestServer server({Reply::Status(503).Header("Retry-After", "3600")});
  Harness<WebhookSink> h(Opts(server.url()).set("max_backoff_ms", int64_t{300}));
  h.open(Ids(0, 1).schema());
  h.write(Ids(0, 1));
  std::vector<Request> r = server.requests();
  ASSERT_EQ(r.size(), 2u);
  EXPECT_GE(Ms(r[1].at - r[0].at), 300);
  EXPECT_LT(Ms(r[1].at - r[0].at), 2000);
}

TEST(WebhookSink, NonRetryable4xxFailsTheBatchWithDataErrorNamingTheStatus) {
  const std::string why = "{\"error\":\"field 'severity' is required\"}";
  TestServer server({Reply::Status(400, why + std::string(500, 'y'))});
  Harness<WebhookSink> h(Opts(server.url()));
  h.open(Ids(0, 1).schema());
  std::optional<trestle::Error> e = WriteError(h, Ids(0, 5));
  ASSERT_TRUE(e);
  EXPECT_EQ(e->code(), TRESTLE_DATA_ERROR);
  const std::string m = e->what();
  EXPECT_TRUE(Has(m, "POST " + server.url() + " answered 400 Bad Request: " + why)) << m;
  EXPECT_TRUE(Has(m, std::string(150, 'y') + "...")) << m;
  EXPECT_FALSE(Has(m, std::string(200, 'y'))) << "only the first 200 bytes of the body: " << m;
  EXPECT_EQ(server.count(), 1u) << "a 400 is not retried";
  EXPECT_EQ(h.recorded().counters["retries"], 0);
}

TEST(WebhookSink, OtherFinalAnswers) {
  for (int status : {401, 403, 404, 413}) {
    TestServer server({Reply::Status(status)});
    Harness<WebhookSink> h(Opts(server.url()));
    h.open(Ids(0, 1).schema());
    std::optional<trestle::Error> e = WriteError(h, Ids(0, 1));
    ASSERT_TRUE(e);
    EXPECT_EQ(e->code(), TRESTLE_DATA_ERROR);
    EXPECT_TRUE(Has(e->what(), "answered " + std::to_string(status) + " ")) << e->what();
    EXPECT_TRUE(Has(e->what(), "(empty body)")) << e->what();
    EXPECT_EQ(server.count(), 1u) << status;
  }
  TestServer redirect({Reply::Status(301).Header("Location", "http://elsewhere/")});
  Harness<WebhookSink> h(Opts(redirect.url()));
  h.open(Ids(0, 1).schema());
  std::optional<trestle::Error> e = WriteError(h, Ids(0, 1));
  ASSERT_TRUE(e);
  EXPECT_EQ(e->code(), TRESTLE_DATA_ERROR);
  EXPECT_TRUE(Has(e->what(), "answered 301 Moved Permanently (redirects are not followed)")) << e->what();
}

TEST(WebhookSink, ARefusalAfterDeliveredRequestsRejectsOnlyTheRestOfTheBatch) {
  TestServer server({Reply::Status(200), Reply::Status(422, "bad row")});
  Harness<WebhookSink> h(Opts(server.url()).set("batch_rows", int64_t{2}));
  h.open(Ids(0, 1).schema());
  h.write(Ids(0, 5));  // rows 0-1 delivered, 2-3 refused, 4 never sent
  EXPECT_EQ(server.count(), 2u);
  const auto& rej = h.recorded().rejections;
  ASSERT_EQ(rej.size(), 3u);
  for (size_t i = 0; i < rej.size(); ++i) {
    EXPECT_EQ(rej[i].row, static_cast<int64_t>(2 + i));
    EXPECT_EQ(rej[i].code, TRESTLE_DATA_ERROR);
    EXPECT_TRUE(Has(rej[i].reason, "answered 422 Unprocessable Content: bad row")) << rej[i].reason;
  }
  EXPECT_EQ(h.recorded().counters["rows_delivered"], 2);
}

TEST(WebhookSink, ExhaustedRetriesFailWithUnavailable) {
  TestServer server({Reply::Status(500, "down"), Reply::Status(502, "down"), Reply::Status(503, "still down")});
  Harness<WebhookSink> h(Opts(server.url()).set("max_attempts", int64_t{3}));
  h.open(Ids(0, 1).schema());
  std::optional<trestle::Error> e = WriteError(h, Ids(0, 2));
  ASSERT_TRUE(e);
  EXPECT_EQ(e->code(), TRESTLE_UNAVAILABLE);
  EXPECT_TRUE(Has(e->what(), "POST " + server.url() + " failed after 3 attempts (last attempt: answered 503 "
                             "Service Unavailable: still down)"))
      << e->what();
  std::vector<Request> r = server.requests();
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r[0].header("idempotency-key"), r[2].header("idempotency-key"));
  EXPECT_EQ(h.recorded().counters["retries"], 2);
}

TEST(WebhookSink, ConnectionRefusedIsRetriedThenUnavailable) {
  const std::string url = "http://127.0.0.1:" + std::to_string(webhook_test::UnusedPort()) + "/hook";
  Harness<WebhookSink> h(Opts(url).set("max_attempts", int64_t{2}));
  h.open(Ids(0, 1).schema());
  std::optional<trestle::Error> e = WriteError(h, Ids(0, 1));
  ASSERT_TRUE(e);
  EXPECT_EQ(e->code(), TRESTLE_UNAVAILABLE);
  EXPECT_TRUE(Has(e->what(), "POST " + url + " failed after 2 attempts (last attempt: connecting to 127.0.0.1:"))
      << e->what();
  EXPECT_TRUE(Has(e->what(), "Connection refused")) << e->what();
  EXPECT_EQ(h.recorded().counters["retries"], 1);
}

TEST(WebhookSink, AnAnswerLaterThanTheTimeoutIsRetried) {
  TestServer server({Reply::Hang(5000)});
  Harness<WebhookSink> h(Opts(server.url()).set("timeout_ms", int64_t{300}));
  h.open(Ids(0, 1).schema());
  auto t0 = Clock::now();
  h.write(Ids(0, 1));
  EXPECT_GE(Ms(Clock::now() - t0), 300);
  EXPECT_LT(Ms(Clock::now() - t0), 3000);
  std::vector<Request> r = server.requests();
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[1].status, 200);
  EXPECT_EQ(r[0].header("idempotency-key"), r[1].header("idempotency-key"));
  EXPECT_NE(r[0].connection, r[1].connection) << "a timed-out connection is not reused";
  ASSERT_FALSE(h.recorded().logs.empty());
  EXPECT_TRUE(Has(h.recorded().logs[0].second, "timed out after 300 ms")) << h.recorded().logs[0].second;
}

TEST(WebhookSink, AServerThatNeverAnswersEndsInUnavailable) {
  TestServer server({Reply::Hang(5000), Reply::Hang(5000)});
  Harness<WebhookSink> h(Opts(server.url()).set("timeout_ms", int64_t{200}).set("max_attempts", int64_t{2}));
  h.open(Ids(0, 1).schema());
  auto t0 = Clock::now();
  std::optional<trestle::Error> e = WriteError(h, Ids(0, 1));
  ASSERT_TRUE(e);
  EXPECT_EQ(e->code(), TRESTLE_UNAVAILABLE);
  EXPECT_TRUE(Has(e->what(), "timed out after 200 ms")) << e->what();
  EXPECT_LT(Ms(Clock::now() - t0), 2000);
}

TEST(WebhookSink, AClosedKeptAliveConnectionIsReplacedWithoutARetry) {
  Reply closing = Reply::Status(200);
  closing.close_after = true;  // as a server whose idle timeout ran out would
  TestServer server({closing});
  Harness<WebhookSink> h(Opts(server.url()));
  h.open(Ids(0, 1).schema());
  h.write(Ids(0, 1));
  std::this_thread::sleep_for(milliseconds(50));
  h.write(Ids(1, 1));
  EXPECT_EQ(server.count(), 2u);
  EXPECT_EQ(server.connections(), 2);
  EXPECT_EQ(h.recorded().counters["retries"], 0);
  EXPECT_TRUE(h.recorded().logs.empty());
}

TEST(WebhookSink, ALargeErrorBodyIsCutNotFatal) {
  TestServer server({Reply::Status(500, std::string(200000, 'z'))});
  Harness<WebhookSink> h(Opts(server.url()));
  h.open(Ids(0, 1).schema());
  h.write(Ids(0, 1));
  EXPECT_EQ(server.count(), 2u);
  EXPECT_EQ(h.recorded().counters["rows_delivered"], 1);
}

TEST(WebhookSink, AnEngineRetryResumesWithoutResendingDeliveredRequests) {
  // batch_rows 2, 5 rows: requests A (0-1) B (2-3) C (4). A is delivered, B fails twice
  // (max_attempts 2), so the write fails with UNAVAILABLE; the engine then writes the
  // same batch again.
  TestServer server({Reply::Status(200), Reply::Status(500), Reply::Status(500)});
  Harness<WebhookSink> h(Opts(server.url()).set("batch_rows", int64_t{2}).set("max_attempts", int64_t{2}));
  h.open(Ids(0, 1).schema());
  std::optional<trestle::Error> e = WriteError(h, Ids(0, 5));
  ASSERT_TRUE(e);
  EXPECT_EQ(e->code(), TRESTLE_UNAVAILABLE);
  h.write(Ids(0, 5));
  std::vector<Request> r = server.requests();
  ASSERT_EQ(r.size(), 5u);
  EXPECT_EQ(IdsOf(r[0]), Range(0, 2));
  EXPECT_EQ(IdsOf(r[1]), Range(2, 4));
  EXPECT_EQ(IdsOf(r[2]), Range(2, 4));
  EXPECT_EQ(IdsOf(r[3]), Range(2, 4)) << "A is not sent again";
  EXPECT_EQ(IdsOf(r[4]), Range(4, 5));
  EXPECT_EQ(r[1].header("idempotency-key"), r[3].header("idempotency-key")) << "B keeps its key";
  std::set<std::string> keys;
  for (const auto& q : r) keys.insert(q.header("idempotency-key"));
  EXPECT_EQ(keys.size(), 3u);
  // Every row reached the server exactly once in a 2xx-answered request.
  std::vector<int64_t> delivered;
  for (const auto& q : r)
    if (q.status == 200)
      for (int64_t id : IdsOf(q)) delivered.push_back(id);
  EXPECT_EQ(delivered, Range(0, 5));
  // A different batch afterwards starts afresh.
  h.write(Ids(0, 5));
  EXPECT_EQ(server.count(), 8u);
  EXPECT_EQ(keys.count(server.requests()[5].header("idempotency-key")), 0u);
}

TEST(WebhookSink, IdenticalBatchesGetDifferentKeys) {
  TestServer server;
  Harness<WebhookSink> h(Opts(server.url()));
  h.open(Ids(0, 1).schema());
  h.write(Ids(0, 3));
  h.write(Ids(0, 3));
  std::vector<Request> r = server.requests();
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].body, r[1].body);
  EXPECT_NE(r[0].header("idempotency-key"), r[1].header("idempotency-key"));
}

TEST(WebhookSink, SecretsAreSentButNeverShown) {
  const std::string token = "tok-3f9a1c77e2", api_key = "key-5d0e8b41aa";
  const std::string echo = "got Authorization: Bearer " + token + " and X-Api-Key: " + api_key;
  TestServer server({Reply::Status(500, echo), Reply::Status(401, echo)});
  Options o = Opts(server.url())
                  .set("bearer_token", token)
                  .set("headers", trestle::StringMap{{"X-Api-Key", {api_key}}, {"X-Team", {"ml-platform"}}});
  Harness<WebhookSink> h(o);
  h.open(Ids(0, 1).schema());
  std::optional<trestle::Error> e = WriteError(h, Ids(0, 1));
  ASSERT_TRUE(e);
  EXPECT_EQ(e->code(), TRESTLE_DATA_ERROR);
  std::vector<Request> r = server.requests();
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].header("authorization"), "Bearer " + token);
  EXPECT_EQ(r[0].header("x-api-key"), api_key);
  EXPECT_EQ(r[0].header("x-team"), "ml-platform");
  const std::string m = e->what();
  EXPECT_TRUE(Has(m, "answered 401 Unauthorized: got Authorization: Bearer <secret> and X-Api-Key: <secret>")) << m;
  for (const auto& [sev, line] : h.recorded().logs) {
    EXPECT_FALSE(Has(line, token)) << line;
    EXPECT_FALSE(Has(line, api_key)) << line;
  }
  EXPECT_FALSE(Has(m, token));
  EXPECT_FALSE(Has(m, api_key));
  EXPECT_FALSE(h.recorded().logs.empty());
}

TEST(WebhookSink, SecretOptionsAreMarkedSecretInTheSpec) {
  std::set<std::string> secret;
  const trestle::OperatorSpec spec = WebhookSink::spec();
  for (const auto& p : spec.params())
    if (p.secret) secret.insert(p.name);
  EXPECT_EQ(secret, (std::set<std::string>{"bearer_token", "headers"}));
}

TEST(WebhookSink, CancellationStopsTheWaitBetweenAttempts) {
  TestServer server({Reply::Status(500)});
  Harness<WebhookSink> h(Opts(server.url()).set("backoff_ms", int64_t{60000}).set("max_backoff_ms", int64_t{60000}));
  h.open(Ids(0, 1).schema());
  h.recorded().cancel = true;  // the run is stopping
  auto t0 = Clock::now();
  std::optional<trestle::Error> e = WriteError(h, Ids(0, 1));
  ASSERT_TRUE(e);
  EXPECT_EQ(e->code(), TRESTLE_UNAVAILABLE) << "the engine's own retry policy decides";
  EXPECT_TRUE(Has(e->what(), "not retried by the sink because the run is stopping")) << e->what();
  EXPECT_LT(Ms(Clock::now() - t0), 2000);
  EXPECT_EQ(server.count(), 1u) << "the attempt in hand is still made";
}

TEST(WebhookSink, RetryOnChoosesWhatIsRetried) {
  {
    TestServer server({Reply::Status(429)});
    Harness<WebhookSink> h(Opts(server.url()).set("retry_on", trestle::StringList{"5xx"}));
    h.open(Ids(0, 1).schema());
    std::optional<trestle::Error> e = WriteError(h, Ids(0, 1));
    ASSERT_TRUE(e);
    EXPECT_EQ(e->code(), TRESTLE_DATA_ERROR);
    EXPECT_EQ(server.count(), 1u);
  }
  {
    TestServer server({Reply::Status(404)});
    Harness<WebhookSink> h(Opts(server.url()).set("retry_on", trestle::StringList{"404", "5XX"}));
    h.open(Ids(0, 1).schema());
    h.write(Ids(0, 1));
    EXPECT_EQ(server.count(), 2u);
  }
  for (const std::string bad : {"2xx", "200", "600", "abc", "50", "6xx"}) {
    std::string m = Invalid(Opts("http://127.0.0.1:9/").set("retry_on", trestle::StringList{"503", bad}));
    EXPECT_TRUE(Has(m, "option \"retry_on\": \"" + bad + "\"")) << m;
  }
}

TEST(WebhookSink, HttpsIsRefusedWithAClearMessage) {
  std::string m = Invalid(Opts("https://alerts.example.com/hook"));
  EXPECT_TRUE(Has(m, "option \"url\" = \"https://alerts.example.com/hook\": https is not supported")) << m;
  EXPECT_TRUE(Has(m, "OpenSSL")) << m;
  EXPECT_TRUE(Has(m, "http://")) << m;
}

TEST(WebhookSink, BadUrlsAreRefusedNamingTheOption) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", "it is empty"},
      {"alerts.example.com/hook", "expected an http:// URL"},
      {"ftp://host/x", "scheme \"ftp\" is not supported"},
      {"http://", "the host is missing"},
      {"http:///path", "the host is missing"},
      {"http://host:0/", "port 0 is outside 1-65535"},
      {"http://host:70000/", "port 70000 is outside 1-65535"},
      {"http://host:http/", "malformed port \"http\""},
      {"http://host:/", "malformed port \"\""},
      {"http://ho$t/", "malformed host \"ho$t\""},
      {"http://host/a b", "must be percent-encoded"},
      {"http://host/a#b", "fragment"},
      {"http://[::1/", "lacks its closing ']'"},
  };
  for (const auto& [url, why] : cases) {
    std::string m = Invalid(Opts(url));
    EXPECT_TRUE(Has(m, "option \"url\" = \"" + url + "\": ")) << url << " -> " << m;
    EXPECT_TRUE(Has(m, why)) << url << " -> " << m;
  }
  std::string m = Invalid(Opts("http://admin:hunter22@host/"));
  EXPECT_TRUE(Has(m, "option \"url\"")) << m;
  EXPECT_TRUE(Has(m, "credentials")) << m;
  EXPECT_FALSE(Has(m, "hunter22")) << "a password in the URL is not repeated: " << m;
  EXPECT_THROW({ Harness<WebhookSink> h{Options()}; }, trestle::InvalidArgument) << "url is required";
}

TEST(WebhookSink, BadHeadersAreRefusedWithoutShowingValues) {
  auto with = [](trestle::StringMap m) { return Opts("http://127.0.0.1:9/").set("headers", std::move(m)); };
  std::string m = Invalid(with({{"Bad Name", {"v"}}}));
  EXPECT_TRUE(Has(m, "option \"headers\": header \"Bad Name\" is not a valid header name")) << m;
  m = Invalid(with({{"content-length", {"1"}}}));
  EXPECT_TRUE(Has(m, "option \"headers\": header \"content-length\" is set by webhook_sink itself")) << m;
  m = Invalid(with({{"Idempotency-Key", {"k"}}}));
  EXPECT_TRUE(Has(m, "is set by webhook_sink itself")) << m;
  m = Invalid(with({{"X-Api-Key", {"secret-value\r\nX-Injected: 1"}}}));
  EXPECT_TRUE(Has(m, "option \"headers\": header \"X-Api-Key\" has a line break")) << m;
  EXPECT_FALSE(Has(m, "secret-value")) << m;
  m = Invalid(with({{"X-Two", {"a", "b"}}}));
  EXPECT_TRUE(Has(m, "header \"X-Two\" must have exactly one value, got 2")) << m;
  m = Invalid(with({{"authorization", {"Basic abc"}}}).set("bearer_token", std::string("t0ken")));
  EXPECT_TRUE(Has(m, "options \"bearer_token\" and \"headers\" both set the Authorization header")) << m;
  EXPECT_FALSE(Has(m, "t0ken")) << m;
  m = Invalid(Opts("http://127.0.0.1:9/").set("bearer_token", std::string()));
  EXPECT_TRUE(Has(m, "option \"bearer_token\" is empty")) << m;
}

TEST(RetryWait, DoublesWithJitterAndIsCapped) {
  EXPECT_EQ(retry_wait_ms(1, 100, 10000, "", 0.5), 100);
  EXPECT_EQ(retry_wait_ms(2, 100, 10000, "", 0.5), 200);
  EXPECT_EQ(retry_wait_ms(3, 100, 10000, "", 0.5), 400);
  EXPECT_EQ(retry_wait_ms(1, 100, 10000, "", 0.0), 80);
  EXPECT_EQ(retry_wait_ms(1, 100, 10000, "", 1.0), 120);
  EXPECT_EQ(retry_wait_ms(10, 100, 10000, "", 0.5), 10000);
  EXPECT_EQ(retry_wait_ms(99, 100, 10000, "", 1.0), 10000);
  EXPECT_EQ(retry_wait_ms(1, 0, 10000, "", 1.0), 0);
}

TEST(RetryWait, RetryAfterSecondsReplacesTheBackoffUpToTheCap) {
  EXPECT_EQ(retry_wait_ms(1, 100, 10000, "2", 0.5), 2000);
  EXPECT_EQ(retry_wait_ms(3, 100, 10000, " 0 ", 0.5), 0);
  EXPECT_EQ(retry_wait_ms(1, 100, 10000, "120", 0.5), 10000);
  EXPECT_EQ(retry_wait_ms(1, 100, 10000, "99999999999999", 0.5), 100) << "absurd: ignored";
  EXPECT_EQ(retry_wait_ms(1, 100, 10000, "Wed, 21 Oct 2015 07:28:00 GMT", 0.5), 100) << "dates: backoff";
  EXPECT_EQ(retry_wait_ms(1, 100, 10000, "-5", 0.5), 100);
}

}  // namespace
}  // namespace trestle_webhook
