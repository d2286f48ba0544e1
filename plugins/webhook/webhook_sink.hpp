#pragma once
// webhook_sink: POSTs rows as JSON ({"rows": [...]}, at most batch_rows rows a request)
// to an http:// URL, retrying what may succeed later. Rows are delivered when write()
// returns, so commit() has nothing to do. Delivery is at least once: a request whose
// answer was lost is sent again, with the same Idempotency-Key header so that the
// receiver can drop the copy.

#include <cstdint>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <trestle/sdk.hpp>

#include "http_client.hpp"
#include "row_json.hpp"

namespace trestle_webhook {

/// Which answers are worth another attempt: status codes and classes ("5xx").
class RetryPolicy {
 public:
  /// Parses `retry_on`: 3-digit codes (100-599, not 2xx) and classes "1xx", "3xx",
  /// "4xx", "5xx". Throws InvalidArgument naming the option and the bad element.
  explicit RetryPolicy(const std::vector<std::string>& retry_on);
  bool retries(int status) const;

 private:
  std::vector<int> codes_;
  std::vector<int> classes_;  // 4 for "4xx"
};

/// The wait before attempt `attempt + 1` (attempt >= 1): backoff * 2^(attempt-1) times a
/// random factor in [0.8, 1.2], capped at max_backoff; a Retry-After answer in seconds
/// replaces it (capped at max_backoff). Milliseconds.
int64_t retry_wait_ms(int attempt, int64_t backoff_ms, int64_t max_backoff_ms, const std::string& retry_after,
                      double jitter_unit);

class WebhookSink final : public trestle::Sink {
 public:
  static trestle::OperatorSpec spec();
  explicit WebhookSink(const trestle::Options& options);
  ~WebhookSink() override;

  void open(const trestle::Schema& input) override;
  void write(const trestle::Batch& batch, trestle::Context& ctx) override;
  void close(trestle::Context& ctx) override;

 private:
  struct Chunk {
    int64_t begin = 0, end = 0;  // rows of the batch
    std::string body;
    std::string digest;  // SHA-256 of body
  };
  // A write() that failed with UNAVAILABLE after delivering some chunks: when the engine
  // retries the same batch, its delivered chunks are not sent again and the others keep
  // their idempotency keys.
  struct Pending {
    std::string fingerprint;  // of the batch's bodies
    int64_t base_seq = 0;     // sequence number of its first chunk
    size_t next_chunk = 0;    // first chunk not delivered
  };
  enum class Outcome { kDelivered, kRefused };

  Outcome deliver(const Chunk& chunk, const std::string& key, trestle::Context& ctx, std::string* refusal);
  std::string describe(const HttpResult& r) const;
  std::string redact(std::string text) const;
  bool wait(int64_t ms, trestle::Context& ctx);

  Url url_;
  std::string url_text_;
  Headers headers_;                  // fixed headers, Authorization included
  std::vector<std::string> secrets_; // values never to show, longest first
  int64_t batch_rows_, timeout_ms_, max_attempts_, backoff_ms_, max_backoff_ms_;
  RetryPolicy retry_;
  std::unique_ptr<HttpClient> client_;
  std::optional<trestle_support::JsonRowWriter> writer_;
  std::string nonce_;                // per instance: keys of two runs never collide
  int64_t next_seq_ = 0;             // sequence number of the next new chunk
  std::optional<Pending> pending_;
  std::mt19937_64 rng_;
};

}  // namespace trestle_webhook
