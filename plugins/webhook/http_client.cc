#include "http_client.hpp"

#include <algorithm>
#include <cctype>
#include <functional>
#include <optional>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace trestle_webhook {

namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using boost::system::error_code;

namespace {

bool host_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '.' || c == '_';
}

bool ipv6_char(char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0 || c == ':' || c == '.'; }

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

bool parse_http_url(const std::string& text, Url* url, std::string* error) {
  auto fail = [&](const std::string& why) {
    *error = why;
    return false;
  };
  if (text.empty()) return fail("it is empty");
  for (char c : text) {
    auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f) return fail("spaces, control characters and non-ASCII bytes must be percent-encoded");
  }
  const size_t colon_slashes = text.find("://");
  if (colon_slashes == std::string::npos) return fail("expected an http:// URL such as http://host:8080/path");
  const std::string scheme = lower(text.substr(0, colon_slashes));
  if (scheme == "https")
    return fail("https is not supported: webhook_sink speaks plain HTTP only (TLS would need OpenSSL's "
                "libssl, which the plugin does not link); send to an http:// endpoint, for example a local relay "
                "or proxy that forwards over TLS");
  if (scheme != "http") return fail("scheme \"" + scheme + "\" is not supported; only http:// is");
  const size_t auth_begin = colon_slashes + 3;
  const size_t auth_end = text.find_first_of("/?#", auth_begin);
  const std::string authority =
      text.substr(auth_begin, auth_end == std::string::npos ? std::string::npos : auth_end - auth_begin);
  std::string rest = auth_end == std::string::npos ? "" : text.substr(auth_end);
  if (authority.find('@') != std::string::npos)
    return fail("credentials (user:password@) are not allowed in the URL; use the option bearer_token or "
                "headers, whose values are kept secret");
  if (rest.find('#') != std::string::npos) return fail("a fragment (#...) is never sent over HTTP; remove it");

  Url u;
  std::string port_text;
  bool has_port = false;
  if (!authority.empty() && authority[0] == '[') {
    const size_t close = authority.find(']');
    if (close == std::string::npos) return fail("the IPv6 address lacks its closing ']'");
    u.host = authority.substr(1, close - 1);
    if (u.host.empty() || !std::all_of(u.host.begin(), u.host.end(), ipv6_char))
      return fail("malformed IPv6 address \"" + u.host + "\"");
    if (close + 1 < authority.size()) {
      if (authority[close + 1] != ':') return fail("unexpected characters after the IPv6 address");
      has_port = true;
      port_text = authority.substr(close + 2);
    }
  } else {
    const size_t colon = authority.find(':');
    u.host = authority.substr(0, colon);
    if (colon != std::string::npos) has_port = true, port_text = authority.substr(colon + 1);
    if (u.host.empty()) return fail("the host is missing");
    if (!std::all_of(u.host.begin(), u.host.end(), host_char))
      return fail("malformed host \"" + u.host + "\"");
  }
  if (has_port) {
    if (port_text.empty() || port_text.size() > 5 ||
        !std::all_of(port_text.begin(), port_text.end(), [](char c) { return c >= '0' && c <= '9'; }))
      return fail("malformed port \"" + port_text + "\" (expected a number 1-65535)");
    const long port = std::stol(port_text);
    if (port < 1 || port > 65535) return fail("port " + port_text + " is outside 1-65535");
    u.port = static_cast<uint16_t>(port);
  }
  const bool v6 = u.host.find(':') != std::string::npos;
  u.host_header = (v6 ? "[" + u.host + "]" : u.host) + (u.port != 80 ? ":" + std::to_string(u.port) : "");
  if (rest.empty() || rest[0] == '?') rest = "/" + rest;
  u.target = rest;
  *url = std::move(u);
  return true;
}

class HttpClient::Impl {
 public:
  Impl(Url url, std::chrono::milliseconds timeout, std::string user_agent)
      : url_(std::move(url)), timeout_(timeout), user_agent_(std::move(user_agent)) {}

  HttpResult post(const std::string& body, const Headers& headers) {
    http::request<http::string_body> req{http::verb::post, url_.target, 11};
    req.set(http::field::host, url_.host_header);
    req.set(http::field::user_agent, user_agent_);
    req.set(http::field::content_type, "application/json");
    for (const auto& [name, value] : headers) req.set(name, value);
    req.body() = body;
    req.keep_alive(true);
    req.prepare_payload();

    HttpResult r = exchange(req);
    // A kept-alive connection the server closed while idle fails before any byte of a
    // response arrives; that is not the server's answer to this request, so try once
    // more on a new connection.
    if (!r.responded && !r.timed_out && r.reused_connection && !got_response_bytes_) r = exchange(req);
    return r;
  }

  void close() {
    if (stream_) {
      error_code ignored;
      stream_->socket().shutdown(tcp::socket::shutdown_both, ignored);
      stream_->close();
    }
    stream_.reset();
    buffer_.clear();
  }

  int64_t connections_opened() const { return connections_; }

 private:
  // One request on the kept-alive connection or a new one, within the timeout.
  HttpResult exchange(http::request<http::string_body>& req) {
    HttpResult r;
    got_response_bytes_ = false;
    r.reused_connection = stream_.has_value();
    ioc_.restart();
    if (!stream_) stream_.emplace(ioc_), buffer_.clear();
    stream_->expires_after(timeout_);  // one deadline for every operation below
    std::optional<http::response_parser<http::string_body>> parser;
    std::string failure;
    bool done = false;

    auto finish = [&](const error_code& ec, const std::string& what) {
      done = true;
      if (!ec) return;
      if (ec == beast::error::timeout || ec == net::error::timed_out) r.timed_out = true;
      failure = what + ": " + (r.timed_out ? "timed out after " + std::to_string(timeout_.count()) + " ms" : ec.message());
    };
    std::function<void()> read_response = [&] {
      parser.emplace();
      parser->body_limit(kBodyLimit);
      http::async_read(*stream_, buffer_, *parser, [&](const error_code& ec, size_t) {
        if (parser->got_some()) got_response_bytes_ = true;
        if (ec && !(ec == http::error::body_limit && parser->is_header_done()))
          return finish(ec, "reading the response from " + url_.host_header);
        if (!ec && parser->get().result_int() < 200 && parser->get().result_int() != 101)
          return read_response();  // an interim 1xx answer: the real one follows
        r.responded = true;
        if (ec) keep_ = false;  // the rest of an oversized body is still on the wire
        finish({}, "");
      });
    };
    auto send = [&] {
      http::async_write(*stream_, req, [&](const error_code& ec, size_t) {
        if (ec) return finish(ec, "sending the request to " + url_.host_header);
        read_response();
      });
    };
    keep_ = true;
    if (r.reused_connection) {
      send();
    } else {
      resolver_.emplace(ioc_);
      resolver_->async_resolve(url_.host, std::to_string(url_.port),
                               [&](const error_code& ec, tcp::resolver::results_type results) {
                                 if (ec) return finish(ec, "resolving " + url_.host);
                                 ++connections_;
                                 stream_->async_connect(results, [&](const error_code& ec2, const tcp::endpoint&) {
                                   if (ec2) return finish(ec2, "connecting to " + url_.host_header);
                                   send();
                                 });
                               });
    }
    // The stream's timer bounds connecting, sending and reading; this bound also covers
    // resolving a name, which the stream's timer does not.
    ioc_.run_for(timeout_ + std::chrono::milliseconds(100));
    if (!done) {
      if (resolver_) resolver_->cancel();
      if (stream_) stream_->close();
      ioc_.run();  // let the cancelled handlers finish; they touch locals of this frame
      r.timed_out = true;
      failure = "POST to " + url_.host_header + ": timed out after " + std::to_string(timeout_.count()) + " ms";
      r.responded = false;
    }
    resolver_.reset();
    if (!r.responded) {
      r.error = failure;
      close();
      return r;
    }
    const auto& res = parser->get();
    r.status = res.result_int();
    r.reason = std::string(res.reason());
    r.body = res.body();
    if (auto it = res.find(http::field::retry_after); it != res.end()) r.retry_after = std::string(it->value());
    if (!keep_ || !res.keep_alive()) close();
    else stream_->expires_never();
    return r;
  }

  Url url_;
  std::chrono::milliseconds timeout_;
  std::string user_agent_;
  net::io_context ioc_;
  std::optional<tcp::resolver> resolver_;
  std::optional<beast::tcp_stream> stream_;
  beast::flat_buffer buffer_;
  bool keep_ = true;
  bool got_response_bytes_ = false;
  int64_t connections_ = 0;
};

HttpClient::HttpClient(Url url, std::chrono::milliseconds timeout, std::string user_agent)
    : impl_(std::make_unique<Impl>(std::move(url), timeout, std::move(user_agent))) {}
HttpClient::~HttpClient() = default;

HttpResult HttpClient::post(const std::string& body, const Headers& headers) { return impl_->post(body, headers); }
void HttpClient::close() { impl_->close(); }
int64_t HttpClient::connections_opened() const { return impl_->connections_opened(); }

}  // namespace trestle_webhook
