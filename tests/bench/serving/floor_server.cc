// floor_server: the floor of the serving benchmark (docs/benchmarks.md, "Serving"). A
// minimal HTTP server, written directly on Boost.Beast, that answers the same
// {"instances": [...]} requests as `trestle serve` by calling the same model itself: no
// pipeline, no batching, no queue, no metrics. What `trestle serve` costs on top is
// measured against it.
//
//   POST <any path ending in /infer>  {"instances": [{feature: number, ...}, ...]}
//        -> 200 {"model_name": NAME, "predictions": [{"score": p, "label": 0|1}, ...]}
//   GET  /v2/health/ready             -> 200 (so the load generator can wait for it)
//
// Models:
//   --model linear  --model-file F.json  the linear plugin's model file (plugins/linear/
//       model_file.hpp): intercept + sum of coefficient * feature, and for "logistic" its
//       sigmoid; label = score >= 0.5. A feature that is missing, null or not a number
//       answers that row {"error": ...}, as the linear node rejects it.
//   --model xgboost --model-file F.ubj   XGBoost's C API: the features by the model's
//       feature names into a float32 row-major matrix (missing/null = NaN, XGBoost's
//       missing value), XGBoosterPredictFromDense with the prediction config the xgboost
//       plugin uses, nthread 1; label = score >= 0.5 (binary:logistic models).
//
// Every request is parsed and scored on the thread that read it (--threads N threads on
// one io_context, default 1); connections are kept alive.
//
// Usage: floor_server --model linear|xgboost --model-file PATH [--listen 127.0.0.1:0]
//                     [--threads N] [--name MODEL_NAME]
// Prints "floor listening on HOST:PORT" on stdout once it accepts connections.

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>

#ifdef FLOOR_WITH_XGBOOST
#include <xgboost/c_api.h>
#endif

namespace {

namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using Json = nlohmann::json;

[[noreturn]] void Die(const std::string& message) {
  std::fprintf(stderr, "floor_server: %s\n", message.c_str());
  std::exit(2);
}

// ---------------------------------------------------------------------------------------
// The models

/// Scores the rows of one request into `predictions` (one object per row).
class Model {
 public:
  virtual ~Model() = default;
  virtual void Score(const Json& instances, Json::array_t& predictions) const = 0;
};

class LinearModel final : public Model {
 public:
  explicit LinearModel(const std::string& path) {
    std::ifstream in(path);
    if (!in) Die("cannot read " + path);
    const Json doc = Json::parse(in, nullptr, /*allow_exceptions=*/false);
    if (!doc.is_object() || !doc.contains("features") || !doc.contains("coefficients") || !doc.contains("intercept"))
      Die(path + ": not a linear model file");
    logistic_ = doc.value("type", "linear") == "logistic";
    intercept_ = doc["intercept"].get<double>();
    for (const Json& f : doc["features"]) features_.push_back(f.get<std::string>());
    const Json& c = doc["coefficients"];
    for (const std::string& f : features_) coefficients_.push_back(c.is_array() ? c[coefficients_.size()].get<double>() : c.at(f).get<double>());
  }

  void Score(const Json& instances, Json::array_t& predictions) const override {
    for (const Json& row : instances) {
      double z = intercept_;
      const std::string* bad = nullptr;
      for (size_t j = 0; j < features_.size() && bad == nullptr; ++j) {
        const auto it = row.find(features_[j]);
        if (it == row.end() || !it->is_number() || !std::isfinite(it->get<double>())) bad = &features_[j];
        else z += coefficients_[j] * it->get<double>();
      }
      if (bad != nullptr) {
        predictions.push_back(Json{{"error", "feature \"" + *bad + "\" is missing or not a finite number"}});
        continue;
      }
      const double score = logistic_ ? 1.0 / (1.0 + std::exp(-z)) : z;
      predictions.push_back(Json{{"score", score}, {"label", score >= 0.5 ? 1 : 0}});
    }
  }

 private:
  bool logistic_ = false;
  double intercept_ = 0;
  std::vector<std::string> features_;
  std::vector<double> coefficients_;
};

#ifdef FLOOR_WITH_XGBOOST
void Check(int rc, const char* call) {
  if (rc != 0) Die(std::string(call) + " failed: " + XGBGetLastError());
}

class XGBoostModel final : public Model {
 public:
  explicit XGBoostModel(const std::string& path) {
    Check(XGBoosterCreate(nullptr, 0, &booster_), "XGBoosterCreate");
    Check(XGBoosterLoadModel(booster_, path.c_str()), "XGBoosterLoadModel");
    Check(XGBoosterSetParam(booster_, "nthread", "1"), "XGBoosterSetParam");
    bst_ulong n = 0;
    const char** names = nullptr;
    Check(XGBoosterGetStrFeatureInfo(booster_, "feature_name", &n, &names), "XGBoosterGetStrFeatureInfo");
    if (n == 0) Die(path + ": the model names no features");
    for (bst_ulong i = 0; i < n; ++i) features_.emplace_back(names[i]);
  }
  ~XGBoostModel() override { XGBoosterFree(booster_); }

  void Score(const Json& instances, Json::array_t& predictions) const override {
    const size_t rows = instances.size(), cols = features_.size();
    thread_local std::vector<float> x;
    x.assign(rows * cols, std::nanf(""));
    size_t r = 0;
    for (const Json& row : instances) {
      for (size_t j = 0; j < cols; ++j) {
        const auto it = row.find(features_[j]);
        if (it != row.end() && it->is_number()) x[r * cols + j] = it->get<float>();
      }
      ++r;
    }
    char array[160];
    std::snprintf(array, sizeof array, R"({"data":[%llu,true],"shape":[%zu,%zu],"typestr":"<f4","version":3})",
                  static_cast<unsigned long long>(reinterpret_cast<uintptr_t>(x.data())), rows, cols);
    const bst_ulong* shape = nullptr;
    bst_ulong dim = 0;
    const float* result = nullptr;
    // The config the xgboost plugin passes (plugins/xgboost/booster.cc).
    Check(XGBoosterPredictFromDense(
              booster_, array,
              R"({"type":0,"training":false,"iteration_begin":0,"iteration_end":0,"strict_shape":false,"cache_id":0,"missing":NaN})",
              nullptr, &shape, &dim, &result),
          "XGBoosterPredictFromDense");
    for (size_t i = 0; i < rows; ++i) {
      const double score = result[i];
      predictions.push_back(Json{{"score", score}, {"label", score >= 0.5 ? 1 : 0}});
    }
  }

 private:
  BoosterHandle booster_ = nullptr;
  std::vector<std::string> features_;
};
#endif

// ---------------------------------------------------------------------------------------
// HTTP

struct Context {
  const Model* model;
  std::string name;
};

http::response<http::string_body> Handle(const Context& ctx, const http::request<http::string_body>& req) {
  http::response<http::string_body> res{http::status::ok, req.version()};
  res.set(http::field::content_type, "application/json");
  res.keep_alive(req.keep_alive());
  const std::string_view target(req.target().data(), req.target().size());
  auto fail = [&](http::status status, const std::string& message) {
    res.result(status);
    res.body() = Json{{"error", message}}.dump();
    res.prepare_payload();
    return res;
  };
  if (req.method() == http::verb::get && target == "/v2/health/ready") {
    res.body() = "{}";
    res.prepare_payload();
    return res;
  }
  constexpr std::string_view kInfer = "/infer";
  if (req.method() != http::verb::post || target.size() < kInfer.size() ||
      target.substr(target.size() - kInfer.size()) != kInfer)
    return fail(http::status::not_found, "not found");
  const Json body = Json::parse(req.body(), nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded()) return fail(http::status::bad_request, "malformed JSON");
  const auto instances = body.find("instances");
  if (instances == body.end() || !instances->is_array() || instances->empty())
    return fail(http::status::bad_request, "instances: expected a non-empty array");
  for (const Json& row : *instances)
    if (!row.is_object()) return fail(http::status::bad_request, "instances: expected objects");
  Json::array_t predictions;
  predictions.reserve(instances->size());
  ctx.model->Score(*instances, predictions);
  res.body() = Json{{"model_name", ctx.name}, {"predictions", std::move(predictions)}}.dump();
  res.prepare_payload();
  return res;
}

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, const Context& ctx) : stream_(std::move(socket)), ctx_(ctx) {}

  void Read() {
    parser_.emplace();
    parser_->body_limit(4u << 20);
    stream_.expires_after(std::chrono::seconds(60));  // an idle client goes eventually
    http::async_read(stream_, buffer_, *parser_, beast::bind_front_handler(&Session::OnRead, shared_from_this()));
  }

 private:
  void OnRead(beast::error_code ec, size_t) {
    if (ec) return Close();
    response_ = Handle(ctx_, parser_->get());
    http::async_write(stream_, response_, beast::bind_front_handler(&Session::OnWrite, shared_from_this()));
  }

  void OnWrite(beast::error_code ec, size_t) {
    if (ec || !response_.keep_alive()) return Close();
    Read();
  }

  void Close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::response<http::string_body> response_;
  const Context& ctx_;
};

class Listener : public std::enable_shared_from_this<Listener> {
 public:
  Listener(net::io_context& ioc, const tcp::endpoint& at, const Context& ctx) : ioc_(ioc), acceptor_(ioc), ctx_(ctx) {
    acceptor_.open(at.protocol());
    acceptor_.set_option(net::socket_base::reuse_address(true));
    acceptor_.bind(at);
    acceptor_.listen(net::socket_base::max_listen_connections);
  }
  uint16_t port() const { return acceptor_.local_endpoint().port(); }
  void Accept() {
    acceptor_.async_accept(net::make_strand(ioc_), beast::bind_front_handler(&Listener::OnAccept, shared_from_this()));
  }

 private:
  void OnAccept(beast::error_code ec, tcp::socket socket) {
    if (!ec) {
      socket.set_option(tcp::no_delay(true));
      std::make_shared<Session>(std::move(socket), ctx_)->Read();
    }
    Accept();
  }

  net::io_context& ioc_;
  tcp::acceptor acceptor_;
  const Context& ctx_;
};

}  // namespace

int main(int argc, char** argv) {
  std::string kind, file, listen = "127.0.0.1:0", name = "floor";
  int threads = 1;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) Die("option " + arg + " needs a value");
      return argv[++i];
    };
    if (arg == "--model") kind = value();
    else if (arg == "--model-file") file = value();
    else if (arg == "--listen") listen = value();
    else if (arg == "--threads") threads = std::atoi(value().c_str());
    else if (arg == "--name") name = value();
    else Die("unknown option " + arg);
  }
  if (file.empty()) Die("--model-file is required");
  if (threads < 1) Die("--threads must be at least 1");
  std::unique_ptr<Model> model;
  if (kind == "linear") {
    model = std::make_unique<LinearModel>(file);
  } else if (kind == "xgboost") {
#ifdef FLOOR_WITH_XGBOOST
    model = std::make_unique<XGBoostModel>(file);
#else
    Die("this floor_server was built without XGBoost");
#endif
  } else {
    Die("--model linear|xgboost is required");
  }
  const size_t colon = listen.rfind(':');
  if (colon == std::string::npos) Die("--listen HOST:PORT");
  beast::error_code ec;
  const auto address = net::ip::make_address(listen.substr(0, colon), ec);
  if (ec) Die("--listen: bad address " + listen.substr(0, colon));

  const Context ctx{model.get(), name};
  net::io_context ioc(threads);
  auto listener = std::make_shared<Listener>(
      ioc, tcp::endpoint(address, static_cast<uint16_t>(std::atoi(listen.substr(colon + 1).c_str()))), ctx);
  listener->Accept();
  net::signal_set signals(ioc, SIGINT, SIGTERM);
  signals.async_wait([&ioc](beast::error_code, int) { ioc.stop(); });
  std::printf("floor listening on %s:%u\n", listen.substr(0, colon).c_str(), static_cast<unsigned>(listener->port()));
  std::fflush(stdout);

  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) pool.emplace_back([&ioc] { ioc.run(); });
  ioc.run();
  for (auto& t : pool) t.join();
  return 0;
}
