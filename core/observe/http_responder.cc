#include <utility>

#include <boost/asio/post.hpp>

#include "observe/http_server.h"
#include "observe/http_server_impl.h"
#include "observe/http_session.h"

namespace trestle::core {

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

}  // namespace trestle::core
