#include "observe/http_server.h"

#include <poll.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cctype>
#include <exception>
#include <list>
#include <optional>
#include <string_view>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <glog/logging.h>

namespace trestle::core {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

namespace {

bool AllDigits(const std::string& s) {
  if (s.empty()) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

std::string FormatEndpoint(const tcp::endpoint& ep) {
  const std::string addr = ep.address().to_string();
  return (ep.address().is_v6() ? "[" + addr + "]" : addr) + ":" + std::to_string(ep.port());
}

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

HttpResponse ServerError(int status, std::string body) {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  r.headers.emplace_back("Cache-Control", "no-store");
  r.close = true;
  return r;
}

}  // namespace

Result<AdminAddress> ParseAdminAddress(const std::string& text) {
  if (text.empty()) return InvalidArgument("is empty; expected HOST:PORT, e.g. 127.0.0.1:9464");
  AdminAddress a;
  std::string host, port;
  if (text.front() == '[') {
    const size_t close = text.find(']');
    if (close == std::string::npos) return InvalidArgument("\"[\" without \"]\"; expected [IPv6]:PORT, e.g. [::1]:9464");
    host = text.substr(1, close - 1);
    if (host.empty()) return InvalidArgument("the address in brackets is empty");
    if (close + 1 >= text.size() || text[close + 1] != ':')
      return InvalidArgument("no port after \"]\"; expected [IPv6]:PORT, e.g. [::1]:9464");
    port = text.substr(close + 2);
  } else {
    const size_t colon = text.rfind(':');
    if (colon == std::string::npos) return InvalidArgument("no port; expected HOST:PORT, e.g. 127.0.0.1:9464");
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    if (host.find(':') != std::string::npos)
      return InvalidArgument("host \"" + host + "\" has a \":\"; an IPv6 address goes in brackets, e.g. [::1]:9464");
  }
  if (port.empty()) return InvalidArgument("port is missing; expected HOST:PORT, e.g. 127.0.0.1:9464");
  if (!AllDigits(port)) return InvalidArgument("port \"" + port + "\" is not a number");
  if (port.size() > 5 || std::stoi(port) > 65535)
    return InvalidArgument("port " + port + " is out of range (0 to 65535)");
  a.port = static_cast<uint16_t>(std::stoi(port));
  if (!host.empty()) a.host = host;
  return a;
}

/// The way from responders on any thread to the server's thread. It outlives the server
/// (responders share it); `ioc` is cleared, under `mu`, before the io_context goes, so a
/// Send() either reaches a live io_context or does nothing.
struct HttpGate {
  std::mutex mu;
  net::io_context* ioc = nullptr;  ///< guarded by mu
};

struct HttpResponder::Pending {
  Pending(std::shared_ptr<HttpGate> g, std::weak_ptr<HttpSession> s, uint64_t n)
      : gate(std::move(g)), session(std::move(s)), seq(n) {}
  /// Posts `response` to the server's thread, which writes it if the connection still
  /// waits for the answer to request `seq`.
  void Deliver(HttpResponse response, bool abandoned);

  const std::shared_ptr<HttpGate> gate;
  // Weak: a responder must not keep a connection (whose socket belongs to the server's
  // thread) alive, nor destroy one on another thread.
  const std::weak_ptr<HttpSession> session;
  const uint64_t seq;
  std::atomic<bool> sent{false};
};

struct HttpServer::Impl {
  explicit Impl(const Options& o)
      : options(o),
        max_connections(static_cast<size_t>(std::max(1, o.max_connections))),
        buffer_bytes(o.max_header_bytes + std::max(o.max_header_bytes, std::min<size_t>(o.max_body_bytes, 64 << 10))) {
    gate->ioc = &ioc;
  }

  void Accept();
  void Admit(tcp::socket socket);
  bool ConnectionWaiting();  ///< a client waits to be accepted
  bool EvictLongestIdle();   ///< false: no connection is idle
  void ReportLimit();
  void CloseListener();  ///< on the server thread
  void Shutdown();       ///< on the server thread (or after it ended)

  const Options& options;
  const size_t max_connections;
  // The read buffer's limit: a whole request header must fit, with room to spare for
  // body bytes (which the parser moves on into the request) and pipelined requests.
  const size_t buffer_bytes;
  const std::shared_ptr<HttpGate> gate = std::make_shared<HttpGate>();
  // The registries are declared before ioc: sessions whose handlers are still queued when
  // the loop ends are destroyed with ioc and take themselves off these lists then.
  std::list<HttpSession*> open;  ///< every open connection; server thread only
  std::list<HttpSession*> idle;  ///< the evictable ones, longest idle first; server thread only
  std::atomic<int> open_count{0}, idle_count{0}, waiting_count{0};  ///< for stats()
  std::atomic<uint64_t> evicted{0}, refused{0}, timed_out{0};
  std::chrono::steady_clock::time_point next_limit_report{};  ///< server thread only
  net::io_context ioc{1};
  tcp::acceptor acceptor{ioc};
  net::steady_timer retry{ioc};  ///< backs off after a failed accept (e.g. out of descriptors)
  /// Keeps run() going while nothing is pending on the loop, e.g. after StopAccepting()
  /// with every connection waiting for its answer; released by Shutdown().
  net::executor_work_guard<net::io_context::executor_type> work{ioc.get_executor()};
  bool accepting = true;         ///< until StopAccepting(); server thread only
  bool stopping = false;         ///< server thread only
  std::thread thread;
};

/// One client connection: wait for a request, read it, hand it to the handler, write
/// the answer, repeat while it keeps alive. Lives as long as one of its operations is
/// pending or, while its request waits for the answer, by holding itself; touched on the
/// server thread only.
class HttpSession : public std::enable_shared_from_this<HttpSession> {
  using Clock = std::chrono::steady_clock;

 public:
  HttpSession(tcp::socket socket, HttpServer::Impl* server)
      : stream_(std::move(socket)), buffer_(server->buffer_bytes), server_(server) {
    open_it_ = server_->open.insert(server_->open.end(), this);
    header_deadline_ = Clock::now() + server_->options.header_timeout;
  }
  ~HttpSession() { Unregister(); }

  // The open count is published after the idle one, so that stats() never shows a
  // just-accepted connection as open and busy.
  void Start() {
    SetIdle(true);
    server_->open_count.store(static_cast<int>(server_->open.size()));
    stream_.expires_at(header_deadline_);
    WaitForRequest();
  }

  /// Closes the connection now and frees its place; pending operations end with
  /// operation_aborted, an answer still awaited will find nobody. Idempotent. May
  /// destroy the session (when only its wait for an answer kept it).
  void Close() {
    Unregister();
    beast::error_code ignored;
    stream_.socket().close(ignored);
    std::shared_ptr<HttpSession> last = EndWait();  // `this` may go with it: nothing after this line
  }

  /// The handler's answer to request `seq`, on the server thread.
  void Respond(uint64_t seq, HttpResponse response, bool abandoned) {
    if (closed_ || seq != seq_ || !awaiting_self_) return;
    if (abandoned)
      LOG(WARNING) << server_->options.name << ": " << method_ << " " << target_
                   << ": the request was dropped without a response; answered 500";
    std::shared_ptr<HttpSession> hold = EndWait();
    Write(std::move(response), version_, keep_alive_, head_);
  }

 private:
  // Idle (evictable) from accept or the end of a response until a complete request
  // header, and again while closing; busy in between.
  void SetIdle(bool idle) {
    if (closed_ || idle == idle_it_.has_value()) return;
    if (idle) {
      idle_it_ = server_->idle.insert(server_->idle.end(), this);
    } else {
      server_->idle.erase(*idle_it_);
      idle_it_.reset();
    }
    server_->idle_count.store(static_cast<int>(server_->idle.size()));
  }

  void Unregister() {
    if (closed_) return;
    SetIdle(false);
    closed_ = true;
    server_->open.erase(open_it_);
    server_->open_count.store(static_cast<int>(server_->open.size()));
  }

  // Stops waiting for an answer; returns the hold that kept the session meanwhile.
  std::shared_ptr<HttpSession> EndWait() {
    if (awaiting_self_) server_->waiting_count.fetch_sub(1);
    return std::move(awaiting_self_);
  }

  // The wait for the first byte of a request runs under the header deadline (first
  // request) or the idle timeout (later ones), as the caller set it.
  void WaitForRequest() {
    if (buffer_.size() > 0) return BeginRequest();  // pipelined
    const size_t room = std::min<size_t>(kFirstRead, buffer_.max_size() - buffer_.size());
    stream_.async_read_some(buffer_.prepare(room), [self = shared_from_this()](beast::error_code ec, std::size_t n) {
      if (self->closed_) return;
      if (ec) return self->OnReadError(ec);
      self->buffer_.commit(n);
      self->BeginRequest();
    });
  }

  void BeginRequest() {
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

  static bool ExpectsContinue(const http::request<http::string_body>& req) {
    return req.version() >= 11 && beast::iequals(req[http::field::expect], "100-continue");
  }

  void ReadBody() {
    http::async_read(stream_, buffer_, *parser_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (self->closed_) return;
      if (ec) return self->OnReadError(ec);
      self->Dispatch();
    });
  }

  void OnReadError(beast::error_code ec) {
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

  // Hands the complete request to the handler. From here until the answer the session
  // holds itself: no operation is pending on it.
  void Dispatch() {
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

  void Write(HttpResponse r, unsigned version, bool keep_alive, bool head) {
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

  // Sends FIN, then reads and drops what the client still sends (briefly, and at most
  // kDrainBytes): closing with unread data would send a reset that can destroy the
  // response before the client reads it. A closing connection is idle: a new one may
  // take its place.
  void CloseGracefully() {
    SetIdle(true);
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.expires_after(std::min<std::chrono::milliseconds>(server_->options.io_timeout, std::chrono::seconds(1)));
    Drain();
  }
  void Drain() {
    stream_.async_read_some(net::buffer(discard_), [self = shared_from_this()](beast::error_code ec, std::size_t n) {
      if (self->closed_) return;
      self->drained_ += n;
      if (!ec && self->drained_ < kDrainBytes) return self->Drain();
      self->Close();
    });
  }
  static constexpr size_t kDrainBytes = 1 << 20;
  static constexpr size_t kFirstRead = 1024;
  static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  HttpServer::Impl* server_;
  std::list<HttpSession*>::iterator open_it_;
  std::optional<std::list<HttpSession*>::iterator> idle_it_;  ///< set while idle
  bool closed_ = false;
  bool first_request_ = true;
  Clock::time_point header_deadline_;   ///< the request header must be complete by then
  Clock::time_point request_deadline_;  ///< the request must be complete by then
  std::optional<http::request_parser<http::string_body>> parser_;
  // The request being answered: what its response needs, and names for log lines.
  uint64_t seq_ = 0;  ///< numbers the requests; an answer for another one is stale
  std::shared_ptr<HttpSession> awaiting_self_;  ///< set while the answer to seq_ is awaited
  unsigned version_ = 11;
  bool keep_alive_ = false;
  bool head_ = false;
  std::string method_, target_;
  http::response<http::string_body> response_;
  std::array<char, 4096> discard_;
  size_t drained_ = 0;
};

void HttpResponder::Pending::Deliver(HttpResponse response, bool abandoned) {
  std::lock_guard<std::mutex> lock(gate->mu);
  if (!gate->ioc) return;  // the server has stopped
  net::post(*gate->ioc, [session = session, seq = seq, response = std::move(response), abandoned]() mutable {
    if (std::shared_ptr<HttpSession> s = session.lock()) s->Respond(seq, std::move(response), abandoned);
  });
}

HttpResponder::HttpResponder() = default;
HttpResponder::HttpResponder(std::unique_ptr<Pending> pending) : pending_(std::move(pending)) {}
HttpResponder::HttpResponder(HttpResponder&& other) noexcept = default;

HttpResponder& HttpResponder::operator=(HttpResponder&& other) noexcept {
  if (this != &other) {
    HttpResponder owed(std::move(*this));  // answers 500 as it goes, if it still owes
    pending_ = std::move(other.pending_);
  }
  return *this;
}

HttpResponder::~HttpResponder() {
  if (!pending_ || pending_->sent.exchange(true)) return;
  pending_->Deliver(ServerError(500, "internal error: no response\n"), true);
}

void HttpResponder::Send(HttpResponse response) {
  if (!pending_ || pending_->sent.exchange(true)) return;
  pending_->Deliver(std::move(response), false);
}

bool HttpServer::Impl::ConnectionWaiting() {
  pollfd p{acceptor.native_handle(), POLLIN, 0};
  return ::poll(&p, 1, 0) > 0 && (p.revents & POLLIN) != 0;
}

bool HttpServer::Impl::EvictLongestIdle() {
  if (idle.empty()) return false;
  evicted.fetch_add(1);
  idle.front()->Close();
  return true;
}

void HttpServer::Impl::ReportLimit() {
  const auto now = std::chrono::steady_clock::now();
  if (now < next_limit_report) return;
  next_limit_report = now + std::chrono::seconds(10);
  LOG(WARNING) << options.name << ": at its limit of " << max_connections << " connections; so far "
               << evicted.load() << " idle connection(s) closed to make room for new ones and " << refused.load()
               << " new connection(s) refused because every open one was busy";
}

void HttpServer::Impl::Admit(tcp::socket socket) {
  if (open.size() >= max_connections) {
    const bool made_room = EvictLongestIdle();
    if (!made_room) refused.fetch_add(1);
    ReportLimit();
    if (!made_room) {
      beast::error_code ignored;
      socket.close(ignored);
      return;
    }
  }
  std::make_shared<HttpSession>(std::move(socket), this)->Start();
}

void HttpServer::Impl::Accept() {
  acceptor.async_accept([this](beast::error_code ec, tcp::socket socket) {
    if (stopping || ec == net::error::operation_aborted) return;
    if (ec) {
      if (!accepting) return;
      // E.g. out of file descriptors: try again a little later rather than spin. If a
      // client is waiting, give a descriptor back for it first. (Accept fails for want of
      // a descriptor even when nobody is waiting, hence the look at the listener.)
      const bool out_of_descriptors =
          ec == net::error::no_descriptors || ec == boost::system::errc::too_many_files_open_in_system;
      const bool freed = out_of_descriptors && ConnectionWaiting() && EvictLongestIdle();
      LOG_EVERY_N(WARNING, 100) << options.name << ": accept failed: " << ec.message()
                                << (freed ? "; closed the longest-idle connection" : "");
      retry.expires_after(std::chrono::milliseconds(100));
      retry.async_wait([this](beast::error_code wec) {
        if (!wec && !stopping && accepting) Accept();
      });
      return;
    }
    Admit(std::move(socket));  // also when StopAccepting() came meanwhile: it was accepted before
    if (accepting) Accept();
  });
}

void HttpServer::Impl::CloseListener() {
  if (!accepting) return;
  accepting = false;
  beast::error_code ignored;
  acceptor.close(ignored);
  retry.cancel();
}

void HttpServer::Impl::Shutdown() {
  stopping = true;
  CloseListener();
  while (!open.empty()) open.front()->Close();
  work.reset();
}

HttpServer::HttpServer(Options options) : options_(std::move(options)) {}

HttpServer::~HttpServer() { Stop(); }

Status HttpServer::Start(const AdminAddress& address) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (impl_) return Internal(options_.name + " already started on " + bound_);
  }
  auto impl = std::make_unique<Impl>(options_);
  const std::string where = address.host + ":" + std::to_string(address.port);
  beast::error_code ec;
  tcp::endpoint endpoint;
  net::ip::address ip = net::ip::make_address(address.host, ec);
  if (!ec) {
    endpoint = tcp::endpoint(ip, address.port);
  } else {
    tcp::resolver resolver(impl->ioc);
    auto results = resolver.resolve(address.host, std::to_string(address.port), ec);
    if (ec || results.empty())
      return InvalidArgument(options_.name + ": host \"" + address.host + "\" is not an IP address and does not resolve" +
                             (ec ? ": " + ec.message() : std::string()));
    endpoint = results.begin()->endpoint();
  }
  auto fail = [&](const char* step) {
    return Unavailable(options_.name + ": cannot " + std::string(step) + " " + where + ": " + ec.message());
  };
  impl->acceptor.open(endpoint.protocol(), ec);
  if (ec) return fail("open a socket for");
  impl->acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (ec) return fail("set SO_REUSEADDR on");
  impl->acceptor.bind(endpoint, ec);
  if (ec) return fail("bind");
  impl->acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) return fail("listen on");
  tcp::endpoint bound = impl->acceptor.local_endpoint(ec);
  if (ec) return fail("read the bound address of");
  port_ = bound.port();
  bound_ = FormatEndpoint(bound);
  impl->Accept();
  Impl* raw = impl.get();
  impl->thread = std::thread([raw] {
    try {
      raw->ioc.run();
    } catch (const std::exception& e) {
      LOG(ERROR) << raw->options.name << " stopped: " << e.what();
    }
  });
  {
    std::lock_guard<std::mutex> lock(mu_);
    impl_ = std::move(impl);
  }
  LOG(INFO) << options_.name << " listening on " << bound_;
  return Status::Ok();
}

HttpServer::Stats HttpServer::stats() const {
  Stats s;
  std::lock_guard<std::mutex> lock(mu_);
  if (!impl_) return s;
  s.open = impl_->open_count.load();
  s.idle = impl_->idle_count.load();
  s.waiting = impl_->waiting_count.load();
  s.evicted = impl_->evicted.load();
  s.refused = impl_->refused.load();
  s.timed_out = impl_->timed_out.load();
  return s;
}

void HttpServer::StopAccepting() {
  std::lock_guard<std::mutex> lock(mu_);
  if (!impl_) return;
  Impl* raw = impl_.get();
  net::post(raw->ioc, [raw] { raw->CloseListener(); });
}

void HttpServer::Stop() {
  std::unique_ptr<Impl> impl;
  {
    // Taken out first, so that StopAccepting() and stats() meanwhile (the handler may call
    // them while this waits for the thread) find the server stopped instead of waiting.
    std::lock_guard<std::mutex> lock(mu_);
    impl = std::move(impl_);
  }
  if (!impl) return;
  Impl* raw = impl.get();
  net::post(raw->ioc, [raw] { raw->Shutdown(); });
  if (raw->thread.joinable()) raw->thread.join();
  // Had the loop ended early (an exception), the posted Shutdown never ran; without the
  // thread this one touches nothing that another thread does.
  raw->Shutdown();
  {
    std::lock_guard<std::mutex> lock(raw->gate->mu);
    raw->gate->ioc = nullptr;
  }
  impl.reset();
}

}  // namespace trestle::core
