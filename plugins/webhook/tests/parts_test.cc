// The parts of webhook_sink on their own: URL parsing, SHA-256, and the HTTP client
// against the test server. The JSON text of rows is tested in plugins/support/tests.
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "http_client.hpp"
#include "http_test_server.hpp"
#include "sha256.hpp"

namespace trestle_webhook {
namespace {

Url Parse(const std::string& text) {
  Url u;
  std::string why;
  EXPECT_TRUE(parse_http_url(text, &u, &why)) << text << ": " << why;
  return u;
}

TEST(ParseHttpUrl, SplitsHostPortAndTarget) {
  Url u = Parse("http://127.0.0.1:8080/a/b?x=1&y=%20");
  EXPECT_EQ(u.host, "127.0.0.1");
  EXPECT_EQ(u.port, 8080);
  EXPECT_EQ(u.host_header, "127.0.0.1:8080");
  EXPECT_EQ(u.target, "/a/b?x=1&y=%20");
  EXPECT_EQ(u.text(), "http://127.0.0.1:8080/a/b?x=1&y=%20");

  u = Parse("HTTP://Alerts.example.com");
  EXPECT_EQ(u.host, "Alerts.example.com");
  EXPECT_EQ(u.port, 80);
  EXPECT_EQ(u.host_header, "Alerts.example.com");
  EXPECT_EQ(u.target, "/");

  u = Parse("http://localhost?q=1");
  EXPECT_EQ(u.target, "/?q=1");

  u = Parse("http://[::1]:9000/hook");
  EXPECT_EQ(u.host, "::1");
  EXPECT_EQ(u.port, 9000);
  EXPECT_EQ(u.host_header, "[::1]:9000");

  u = Parse("http://[fe80::1]/");
  EXPECT_EQ(u.host_header, "[fe80::1]");
  EXPECT_EQ(u.port, 80);
}

TEST(ParseHttpUrl, RefusesHttps) {
  Url u;
  std::string why;
  EXPECT_FALSE(parse_http_url("https://example.com/", &u, &why));
  EXPECT_NE(why.find("https is not supported"), std::string::npos) << why;
  EXPECT_FALSE(parse_http_url("HTTPS://example.com/", &u, &why));
}

TEST(Sha256, KnownVectors) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(sha256_hex("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmno"
                       "ijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu"),
            "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
  Sha256 h;
  for (int i = 0; i < 1000; ++i) h.update(std::string(1000, 'a'));
  EXPECT_EQ(h.hex(), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  std::string s(200, 'x');
  for (size_t cut = 0; cut <= s.size(); cut += 37)  // split anywhere, same digest
    EXPECT_EQ(Sha256().update(s.substr(0, cut)).update(s.substr(cut)).hex(), sha256_hex(s));
}

TEST(HttpClient, PostsAndReadsTheAnswer) {
  webhook_test::TestServer server(
      {webhook_test::Reply::Status(503, "busy").Header("Retry-After", "7"), webhook_test::Reply::Status(201, "made")});
  Url u = Parse(server.url("/x?y=1"));
  HttpClient c(u, std::chrono::milliseconds(2000), "test-agent/2");
  HttpResult r = c.post("{\"a\":1}", {{"X-One", "1"}});
  ASSERT_TRUE(r.responded) << r.error;
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.reason, "Service Unavailable");
  EXPECT_EQ(r.body, "busy");
  EXPECT_EQ(r.retry_after, "7");
  EXPECT_FALSE(r.reused_connection);
  r = c.post("{}", {});
  ASSERT_TRUE(r.responded) << r.error;
  EXPECT_EQ(r.status, 201);
  EXPECT_TRUE(r.reused_connection);
  EXPECT_EQ(c.connections_opened(), 1);
  auto reqs = server.requests();
  ASSERT_EQ(reqs.size(), 2u);
  EXPECT_EQ(reqs[0].target, "/x?y=1");
  EXPECT_EQ(reqs[0].body, "{\"a\":1}");
  EXPECT_EQ(reqs[0].header("x-one"), "1");
  EXPECT_EQ(reqs[0].header("user-agent"), "test-agent/2");
  EXPECT_EQ(reqs[1].header("x-one"), "");
}

TEST(HttpClient, ReportsRefusedConnectionsAndTimeouts) {
  Url u = Parse("http://127.0.0.1:" + std::to_string(webhook_test::UnusedPort()) + "/");
  HttpClient refused(u, std::chrono::milliseconds(2000), "t");
  HttpResult r = refused.post("{}", {});
  EXPECT_FALSE(r.responded);
  EXPECT_FALSE(r.timed_out);
  EXPECT_NE(r.error.find("connecting to 127.0.0.1:"), std::string::npos) << r.error;

  webhook_test::TestServer server({webhook_test::Reply::Hang(3000)});
  HttpClient slow(Parse(server.url()), std::chrono::milliseconds(150), "t");
  auto t0 = std::chrono::steady_clock::now();
  r = slow.post("{}", {});
  auto took = std::chrono::steady_clock::now() - t0;
  EXPECT_FALSE(r.responded);
  EXPECT_TRUE(r.timed_out);
  EXPECT_NE(r.error.find("timed out after 150 ms"), std::string::npos) << r.error;
  EXPECT_GE(took, std::chrono::milliseconds(150));
  EXPECT_LT(took, std::chrono::milliseconds(1500));
}

}  // namespace
}  // namespace trestle_webhook
