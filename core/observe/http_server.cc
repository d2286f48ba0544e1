#include "observe/http_server.h"

#include <poll.h>

#include <algorithm>
#include <exception>
#include <thread>

#include <boost/asio/post.hpp>
#include <glog/logging.h>

#include "observe/http_server_impl.h"
#include "observe/http_session.h"

namespace trestle::core {

namespace {

std::string FormatEndpoint(const tcp::endpoint& ep) {
  const std::string addr = ep.address().to_string();
  return (ep.address().is_v6() ? "[" + addr + "]" : addr) + ":" + std::to_string(ep.port());
}

}  // namespace

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
