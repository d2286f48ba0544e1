#include "observe/admin_server.h"

#include <exception>
#include <utility>

#include <glog/logging.h>

#include "observe/prometheus.h"

namespace trestle::core {

namespace {

HttpServer::Options ServerOptions(const AdminServer::Options& o) {
  HttpServer::Options h;
  h.header_timeout = o.header_timeout;
  h.idle_timeout = o.idle_timeout;
  h.io_timeout = o.io_timeout;
  h.max_header_bytes = o.max_request_bytes;
  h.max_body_bytes = o.max_request_bytes;
  h.max_connections = o.max_connections;
  h.name = "admin endpoint";
  return h;
}

}  // namespace

AdminServer::AdminServer(Options options) : options_(std::move(options)), http_([this] {
  HttpServer::Options h = ServerOptions(options_);
  // The server stops (in ~AdminServer) before options_ goes.
  h.handler = [this](HttpRequest request, HttpResponder responder) { Handle(request, std::move(responder)); };
  return h;
}()) {}

AdminServer::~AdminServer() { Stop(); }

// Answers at once, on the server's thread: the callbacks are quick.
void AdminServer::Handle(const HttpRequest& request, HttpResponder responder) const {
  HttpResponse r;
  r.headers.emplace_back("Cache-Control", "no-store");
  auto answer = [&](int status, std::string body) {
    r.status = status;
    r.body = std::move(body);
    responder.Send(std::move(r));
  };
  if (request.method != HttpMethod::kGet) {
    r.headers.emplace_back("Allow", "GET");
    return answer(405, "only GET\n");
  }
  const std::string& path = request.path;
  try {
    if (path == "/metrics") {
      std::string body = options_.metrics ? options_.metrics() : std::string();
      r.content_type = kPrometheusContentType;
      return answer(200, std::move(body));
    }
    if (path == "/healthz") return answer(200, "ok\n");
    if (path == "/readyz") {
      Readiness ready = options_.readiness ? options_.readiness() : Readiness{true, ""};
      if (ready.ready) return answer(200, "ready\n");
      return answer(503, (ready.reason.empty() ? "not ready" : ready.reason) + "\n");
    }
  } catch (const std::exception& e) {
    LOG(ERROR) << "admin endpoint: " << path << ": " << e.what();
    r.close = true;
    return answer(500, "internal error\n");
  }
  answer(404, "not found; try /metrics, /healthz or /readyz\n");
}

}  // namespace trestle::core
