#include "observe/admin_server.h"

#include <poll.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <exception>
#include <list>
#include <optional>
#include <thread>
#include <utility>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <glog/logging.h>

#include "observe/prometheus.h"

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

class AdminSession;

struct AdminServer::Impl {
  explicit Impl(const Options& o) : options(o), max_connections(static_cast<size_t>(std::max(1, o.max_connections))) {}

  void Accept();
  void Admit(tcp::socket socket);
  bool ConnectionWaiting();  ///< a client waits to be accepted
  bool EvictLongestIdle();   ///< false: no connection is idle
  void ReportLimit();
  void Shutdown();  ///< on the server thread

  const Options& options;
  const size_t max_connections;
  // The registries are declared before ioc: sessions whose handlers are still queued when
  // the loop ends are destroyed with ioc and take themselves off these lists then.
  std::list<AdminSession*> open;  ///< every open connection; server thread only
  std::list<AdminSession*> idle;  ///< the evictable ones, longest idle first; server thread only
  std::atomic<int> open_count{0}, idle_count{0};  ///< mirrors of the list sizes for stats()
  std::atomic<uint64_t> evicted{0}, refused{0}, timed_out{0};
  std::chrono::steady_clock::time_point next_limit_report{};  ///< server thread only
  net::io_context ioc{1};
  tcp::acceptor acceptor{ioc};
  net::steady_timer retry{ioc};  ///< backs off after a failed accept (e.g. out of descriptors)
  bool stopping = false;         ///< server thread only
  std::thread thread;
};

/// One client connection: wait for a request, read it, answer it, repeat while it keeps
/// alive. Lives as long as one of its operations is pending; on the server thread only.
class AdminSession : public std::enable_shared_from_this<AdminSession> {
  using Clock = std::chrono::steady_clock;

 public:
  AdminSession(tcp::socket socket, AdminServer::Impl* server)
      : stream_(std::move(socket)), buffer_(2 * server->options.max_request_bytes), server_(server) {
    open_it_ = server_->open.insert(server_->open.end(), this);
    server_->open_count.store(static_cast<int>(server_->open.size()));
    header_deadline_ = Clock::now() + server_->options.header_timeout;
  }
  ~AdminSession() { Unregister(); }

  void Start() {
    SetIdle(true);
    stream_.expires_at(header_deadline_);
    WaitForRequest();
  }

  /// Closes the connection now and frees its place; pending operations end with
  /// operation_aborted. Idempotent.
  void Close() {
    Unregister();
    beast::error_code ignored;
    stream_.socket().close(ignored);
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
    parser_->header_limit(static_cast<std::uint32_t>(server_->options.max_request_bytes));
    parser_->body_limit(server_->options.max_request_bytes);
    stream_.expires_at(std::min(header_deadline_, request_deadline_));
    http::async_read_header(stream_, buffer_, *parser_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (self->closed_) return;
      if (ec) return self->OnReadError(ec);
      self->SetIdle(false);
      self->first_request_ = false;
      if (self->parser_->is_done()) return self->Handle(self->parser_->get());
      self->stream_.expires_at(self->request_deadline_);
      http::async_read(self->stream_, self->buffer_, *self->parser_,
                       [self](beast::error_code body_ec, std::size_t) {
                         if (self->closed_) return;
                         if (body_ec) return self->OnReadError(body_ec);
                         self->Handle(self->parser_->get());
                       });
    });
  }

  void OnReadError(beast::error_code ec) {
    if (ec == http::error::header_limit || ec == http::error::buffer_overflow)
      return Reply(http::status::request_header_fields_too_large, "request too large\n", 11, false);
    if (ec == http::error::body_limit) return Reply(http::status::payload_too_large, "request body too large\n", 11, false);
    if (ec == beast::error::timeout) {
      server_->timed_out.fetch_add(1);
      VLOG(1) << "admin endpoint: a connection timed out " << (idle_it_ ? "before a complete request header" : "in a request body");
      return Close();
    }
    if (ec == http::error::end_of_stream || ec == net::error::operation_aborted || ec == net::error::connection_reset ||
        ec == net::error::eof || server_->stopping)
      return Close();
    Reply(http::status::bad_request, "bad request\n", 11, false);
  }

  void Handle(const http::request<http::string_body>& req) {
    std::string path(req.target());
    if (const size_t q = path.find('?'); q != std::string::npos) path.resize(q);
    const unsigned version = req.version();
    const bool keep_alive = req.keep_alive();
    if (req.method() != http::verb::get) return Reply(http::status::method_not_allowed, "only GET\n", version, keep_alive);
    try {
      if (path == "/metrics") {
        std::string body = server_->options.metrics ? server_->options.metrics() : std::string();
        return Reply(http::status::ok, std::move(body), version, keep_alive, kPrometheusContentType);
      }
      if (path == "/healthz") return Reply(http::status::ok, "ok\n", version, keep_alive);
      if (path == "/readyz") {
        Readiness r = server_->options.readiness ? server_->options.readiness() : Readiness{true, ""};
        if (r.ready) return Reply(http::status::ok, "ready\n", version, keep_alive);
        return Reply(http::status::service_unavailable, (r.reason.empty() ? "not ready" : r.reason) + "\n", version,
                     keep_alive);
      }
    } catch (const std::exception& e) {
      LOG(ERROR) << "admin endpoint: " << path << ": " << e.what();
      return Reply(http::status::internal_server_error, "internal error\n", version, false);
    }
    Reply(http::status::not_found, "not found; try /metrics, /healthz or /readyz\n", version, keep_alive);
  }

  void Reply(http::status status, std::string body, unsigned version, bool keep_alive,
             const char* content_type = "text/plain; charset=utf-8") {
    SetIdle(false);  // an error reply may answer a header that never completed
    response_ = {};
    response_.result(status);
    response_.version(version);
    response_.set(http::field::server, "trestle");
    response_.set(http::field::content_type, content_type);
    response_.set(http::field::cache_control, "no-store");
    if (status == http::status::method_not_allowed) response_.set(http::field::allow, "GET");
    response_.keep_alive(keep_alive && !server_->stopping);
    response_.body() = std::move(body);
    response_.prepare_payload();
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

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  AdminServer::Impl* server_;
  std::list<AdminSession*>::iterator open_it_;
  std::optional<std::list<AdminSession*>::iterator> idle_it_;  ///< set while idle
  bool closed_ = false;
  bool first_request_ = true;
  Clock::time_point header_deadline_;   ///< the request header must be complete by then
  Clock::time_point request_deadline_;  ///< the request must be complete by then
  std::optional<http::request_parser<http::string_body>> parser_;
  http::response<http::string_body> response_;
  std::array<char, 4096> discard_;
  size_t drained_ = 0;
};

bool AdminServer::Impl::ConnectionWaiting() {
  pollfd p{acceptor.native_handle(), POLLIN, 0};
  return ::poll(&p, 1, 0) > 0 && (p.revents & POLLIN) != 0;
}

bool AdminServer::Impl::EvictLongestIdle() {
  if (idle.empty()) return false;
  evicted.fetch_add(1);
  idle.front()->Close();
  return true;
}

void AdminServer::Impl::ReportLimit() {
  const auto now = std::chrono::steady_clock::now();
  if (now < next_limit_report) return;
  next_limit_report = now + std::chrono::seconds(10);
  LOG(WARNING) << "admin endpoint: at its limit of " << max_connections << " connections; so far " << evicted.load()
               << " idle connection(s) closed to make room for new ones and " << refused.load()
               << " new connection(s) refused because every open one was busy";
}

void AdminServer::Impl::Admit(tcp::socket socket) {
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
  std::make_shared<AdminSession>(std::move(socket), this)->Start();
}

void AdminServer::Impl::Accept() {
  acceptor.async_accept([this](beast::error_code ec, tcp::socket socket) {
    if (stopping || ec == net::error::operation_aborted) return;
    if (ec) {
      // E.g. out of file descriptors: try again a little later rather than spin. If a
      // client is waiting, give a descriptor back for it first. (Accept fails for want of
      // a descriptor even when nobody is waiting, hence the look at the listener.)
      const bool out_of_descriptors =
          ec == net::error::no_descriptors || ec == boost::system::errc::too_many_files_open_in_system;
      const bool freed = out_of_descriptors && ConnectionWaiting() && EvictLongestIdle();
      LOG_EVERY_N(WARNING, 100) << "admin endpoint: accept failed: " << ec.message()
                                << (freed ? "; closed the longest-idle connection" : "");
      retry.expires_after(std::chrono::milliseconds(100));
      retry.async_wait([this](beast::error_code wec) {
        if (!wec && !stopping) Accept();
      });
      return;
    }
    Admit(std::move(socket));
    Accept();
  });
}

void AdminServer::Impl::Shutdown() {
  stopping = true;
  beast::error_code ignored;
  acceptor.close(ignored);
  retry.cancel();
  while (!open.empty()) open.front()->Close();
}

AdminServer::AdminServer(Options options) : options_(std::move(options)) {}

AdminServer::~AdminServer() { Stop(); }

Status AdminServer::Start(const AdminAddress& address) {
  if (impl_) return Internal("admin endpoint already started on " + bound_);
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
      return InvalidArgument("admin endpoint: host \"" + address.host + "\" is not an IP address and does not resolve" +
                             (ec ? ": " + ec.message() : std::string()));
    endpoint = results.begin()->endpoint();
  }
  auto fail = [&](const char* step) {
    return Unavailable("admin endpoint: cannot " + std::string(step) + " " + where + ": " + ec.message());
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
      LOG(ERROR) << "admin endpoint stopped: " << e.what();
    }
  });
  impl_ = std::move(impl);
  LOG(INFO) << "admin endpoint listening on " << bound_;
  return Status::Ok();
}

AdminServer::Stats AdminServer::stats() const {
  Stats s;
  if (!impl_) return s;
  s.open = impl_->open_count.load();
  s.idle = impl_->idle_count.load();
  s.evicted = impl_->evicted.load();
  s.refused = impl_->refused.load();
  s.timed_out = impl_->timed_out.load();
  return s;
}

void AdminServer::Stop() {
  if (!impl_) return;
  Impl* raw = impl_.get();
  net::post(raw->ioc, [raw] { raw->Shutdown(); });
  if (raw->thread.joinable()) raw->thread.join();
  impl_.reset();
}

}  // namespace trestle::core
