#include "observe/http_session.h"

#include <algorithm>
#include <cctype>
#include <exception>
#include <utility>

#include <boost/asio/write.hpp>
#include <glog/logging.h>

namespace trestle::core {

namespace {

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

HttpMethod MethodOf(http::verb v) {
  switch (v) {
    case http::verb::get: return HttpMethod::kGet;
    case http::verb::head: return HttpMethod::kHead;
    case http::verb::post: return HttpMethod::kPost;
    case http::verb::put: return HttpMethod::kPut;
    case http::verb::delete_: return HttpMethod::kDelete;
    default: return HttpMethod::kOther;
  }
}

// Header fields a response may not set itself: the server frames the message.
bool ServerOwned(const std::string& name) {
  const std::string n = Lower(name);
  return n == "content-length" || n == "transfer-encoding" || n == "connection";
}

bool HasLineBreak(const std::string& s) { return s.find_first_of("\r\n") != std::string::npos; }

}  // namespace

HttpResponse ServerError(int status, std::string body) {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  r.headers.emplace_back("Cache-Control", "no-store");
  r.close = true;
  return r;
}

HttpSession::HttpSession(tcp::socket socket, HttpServer::Impl* server)
    : stream_(std::move(socket)), buffer_(server->buffer_bytes), server_(server) {
  open_it_ = server_->open.insert(server_->open.end(), this);
  header_deadline_ = Clock::now() + server_->options.header_timeout;
}

HttpSession::~HttpSession() { Unregister(); }

void HttpSession::Start() {
  SetIdle(true);
  server_->open_count.store(static_cast<int>(server_->open.size()));
  stream_.expires_at(header_deadline_);
  WaitForRequest();
}

void HttpSession::Close() {
  Unregister();
  beast::error_code ignored;
  stream_.socket().close(ignored);
  std::shared_ptr<HttpSession> last = EndWait();  // `this` may go with it: nothing after this line
}

void HttpSession::Respond(uint64_t seq, HttpResponse response, bool abandoned) {
  if (closed_ || seq != seq_ || !awaiting_self_) return;
  if (abandoned)
    LOG(WARNING) << server_->options.name << ": " << method_ << " " << target_
                 << ": the request was dropped without a response; answered 500";
  std::shared_ptr<HttpSession> hold = EndWait();
  Write(std::move(response), version_, keep_alive_, head_);
}

void HttpSession::SetIdle(bool idle) {
  if (closed_ || idle == idle_it_.has_value()) return;
  if (idle) {
    idle_it_ = server_->idle.insert(server_->idle.end(), this);
  } else {
    server_->idle.erase(*idle_it_);
    idle_it_.reset();
  }
  server_->idle_count.store(static_cast<int>(server_->idle.size()));
}

void HttpSession::Unregister() {
  if (closed_) return;
  SetIdle(false);
  closed_ = true;
  server_->open.erase(open_it_);
  server_->open_count.store(static_cast<int>(server_->open.size()));
}

std::shared_ptr<HttpSession> HttpSession::EndWait() {
  if (awaiting_self_) server_->waiting_count.fetch_sub(1);
  return std::move(awaiting_self_);
}

void HttpSession::WaitForRequest() {
  if (buffer_.size() > 0) return BeginRequest();  // pipelined
  const size_t room = std::min<size_t>(kFirstRead, buffer_.max_size() - buffer_.size());
  stream_.async_read_some(buffer_.prepare(room), [self = shared_from_this()](beast::error_code ec, std::size_t n) {
    if (self->closed_) return;
    if (ec) return self->OnReadError(ec);
    self->buffer_.commit(n);
    self->BeginRequest();
  });
}

void HttpSession::BeginRequest() {
  const auto now = Clock::now();
  if (!first_request_) header_deadline_ = now + server_->options.header_timeout;
  request_deadline_ = now + server_->options.io_timeout;
  parser_.emplace();
  parser_->header_limit(static_cast<std::uint32_t>(std::min<size_t>(server_->options.max_header_bytes, UINT32_MAX)));
  parser_->body_limit(server_->options.max_body_bytes);
  stream_.expires_at(std::min(header_deadline_, request_deadline_));
  http::async_read_header(stream_, buffer_, *parser_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
    if (self->closed_) return;
    if (ec) return self->OnReadError(ec);
    self->SetIdle(false);
    self->first_request_ = false;
    if (self->parser_->is_done()) return self->Dispatch();
    self->stream_.expires_at(self->request_deadline_);
    if (!ExpectsContinue(self->parser_->get())) return self->ReadBody();
    // The client holds the body back until told to go on (curl does so for bodies
    // over 1 KiB, and waits a second when it is not).
    net::async_write(self->stream_, net::buffer(kContinue), [self](beast::error_code wec, std::size_t) {
      if (self->closed_) return;
      if (wec) {
        if (wec == beast::error::timeout) self->server_->timed_out.fetch_add(1);
        return self->Close();
      }
      self->ReadBody();
    });
  });
}

bool HttpSession::ExpectsContinue(const http::request<http::string_body>& req) {
  return req.version() >= 11 && beast::iequals(req[http::field::expect], "100-continue");
}

void HttpSession::ReadBody() {
  http::async_read(stream_, buffer_, *parser_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
    if (self->closed_) return;
    if (ec) return self->OnReadError(ec);
    self->Dispatch();
  });
}

void HttpSession::OnReadError(beast::error_code ec) {
  if (ec == http::error::header_limit || ec == http::error::buffer_overflow)
    return Write(ServerError(431, "request too large\n"), 11, false, false);
  if (ec == http::error::body_limit) return Write(ServerError(413, "request body too large\n"), 11, false, false);
  if (ec == beast::error::timeout) {
    server_->timed_out.fetch_add(1);
    VLOG(1) << server_->options.name << ": a connection timed out "
            << (idle_it_ ? "before a complete request header" : "in a request body");
    return Close();
  }
  if (ec == http::error::end_of_stream || ec == net::error::operation_aborted || ec == net::error::connection_reset ||
      ec == net::error::eof || server_->stopping)
    return Close();
  Write(ServerError(400, "bad request\n"), 11, false, false);
}

void HttpSession::Dispatch() {
  http::request<http::string_body> req = parser_->release();
  parser_.reset();
  HttpRequest r;
  r.method = MethodOf(req.method());
  r.method_string = std::string(req.method_string());
  r.target = std::string(req.target());
  const size_t q = r.target.find('?');
  r.path = r.target.substr(0, q);
  if (q != std::string::npos) r.query = r.target.substr(q + 1);
  for (const auto& field : req) {
    std::string& value = r.headers[Lower(std::string(field.name_string()))];
    if (!value.empty()) value += ", ";
    value += std::string(field.value());
  }
  r.version = req.version();
  r.keep_alive = req.keep_alive();
  r.body = std::move(req.body());
  r.received = Clock::now();

  version_ = r.version;
  keep_alive_ = r.keep_alive;
  head_ = r.method == HttpMethod::kHead;
  method_ = r.method_string;
  target_ = r.target;
  const uint64_t seq = ++seq_;
  awaiting_self_ = shared_from_this();
  server_->waiting_count.fetch_add(1);
  HttpResponder responder(std::make_unique<HttpResponder::Pending>(server_->gate, weak_from_this(), seq));
  if (!server_->options.handler) return;  // the responder goes unanswered: 500
  std::string failure;
  try {
    server_->options.handler(std::move(r), std::move(responder));
    return;
  } catch (const std::exception& e) {
    failure = e.what();
  } catch (...) {
    failure = "an exception that is not a std::exception";
  }
  LOG(ERROR) << server_->options.name << ": " << method_ << " " << target_ << ": " << failure;
  // Answered here, so whatever the handler's responder sends later finds nobody waiting.
  if (closed_ || seq != seq_ || !awaiting_self_) return;
  std::shared_ptr<HttpSession> hold = EndWait();
  Write(ServerError(500, "internal error\n"), version_, false, head_);
}

void HttpSession::Write(HttpResponse r, unsigned version, bool keep_alive, bool head) {
  SetIdle(false);  // an error reply may answer a header that never completed
  if (r.status < 200 || r.status > 999) {
    LOG(ERROR) << server_->options.name << ": " << method_ << " " << target_ << ": the answer has status "
               << r.status << "; answered 500";
    r = ServerError(500, "internal error\n");
  }
  response_ = {};
  response_.result(static_cast<unsigned>(r.status));
  response_.version(version);
  response_.set(http::field::server, "trestle");
  response_.set(http::field::content_type, r.content_type);
  for (const auto& [name, value] : r.headers) {
    if (name.empty() || ServerOwned(name) || HasLineBreak(name) || HasLineBreak(value)) continue;
    response_.insert(name, value);
  }
  response_.keep_alive(keep_alive && !r.close && server_->accepting && !server_->stopping);
  const size_t length = r.body.size();
  const bool bodiless = r.status == 204 || r.status == 304;
  if (!head && !bodiless) response_.body() = std::move(r.body);
  response_.prepare_payload();
  if (head && !bodiless) response_.content_length(length);  // what a GET would have had
  stream_.expires_after(server_->options.io_timeout);
  http::async_write(stream_, response_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
    if (self->closed_) return;
    if (ec) {
      if (ec == beast::error::timeout) self->server_->timed_out.fetch_add(1);
      return self->Close();
    }
    if (!self->response_.keep_alive()) return self->CloseGracefully();
    self->SetIdle(true);
    self->stream_.expires_after(self->server_->options.idle_timeout);
    self->WaitForRequest();
  });
}

void HttpSession::CloseGracefully() {
  SetIdle(true);
  beast::error_code ignored;
  stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
  stream_.expires_after(std::min<std::chrono::milliseconds>(server_->options.io_timeout, std::chrono::seconds(1)));
  Drain();
}

void HttpSession::Drain() {
  stream_.async_read_some(net::buffer(discard_), [self = shared_from_this()](beast::error_code ec, std::size_t n) {
    if (self->closed_) return;
    self->drained_ += n;
    if (!ec && self->drained_ < kDrainBytes) return self->Drain();
    self->Close();
  });
}

}  // namespace trestle::core
