#pragma once
// redis_hash_sink: an idempotent upsert of each row into a Redis hash, for online
// lookups (the latest score per customer): key = key_prefix + the key columns' values
// joined by key_separator; HSET key column value for the written columns that are not
// null, HDEL key column for those that are, then EXPIRE key ttl_s when asked. Writing
// the same rows again gives the same hashes, so a batch that is retried after a lost
// connection (the sink reconnects and repeats the chunk it was in) changes nothing.
//
// EXPIRE goes out only after the HSET of its key succeeded, so a key that holds
// another type (a key_prefix that collides with other data) never gets a TTL from here;
// its row goes to the dead letters.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <trestle/sdk.hpp>

#include "redis_conn.h"

namespace trestle_redis {

class HashSink final : public trestle::Sink {
 public:
  static trestle::OperatorSpec spec();
  explicit HashSink(const trestle::Options& options);
  ~HashSink() override;

  /// Checks the columns and (unless TRESTLE_OFFLINE=1) connects.
  void open(const trestle::Schema& input) override;
  void write(const trestle::Batch& batch, trestle::Context& ctx) override;
  void close(trestle::Context& ctx) override;

 private:
  void connect_if_needed();

  ConnConfig conn_config_;
  std::string key_prefix_, key_separator_;
  trestle::StringList key_names_, field_names_;
  int64_t ttl_s_ = 0;

  trestle::Schema input_;
  std::vector<size_t> key_cols_, field_cols_;
  std::unique_ptr<Connection> conn_;
};

}  // namespace trestle_redis
