#pragma once
// redis_stream_sink: appends each row to a Redis stream (XADD key [MAXLEN ~ N] * ...),
// as flat fields (one per column, null columns left out) or as one JSON object in
// payload_field. Rows are sent pipelined, in chunks, and write() returns once Redis
// has answered every XADD of the batch, so commit() has nothing left to do.
//
// Delivery is at-least-once: when the connection drops mid-batch, the sink reconnects
// and sends again every row whose reply it had not received; Redis may have added some
// of them already, and XADD with a generated id cannot tell (downstream consumers that
// need exactly-once deduplicate on a key column).

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <trestle/sdk.hpp>

#include "redis_conn.h"
#include "row_json.hpp"

namespace trestle_redis {

class StreamSink final : public trestle::Sink {
 public:
  static trestle::OperatorSpec spec();
  explicit StreamSink(const trestle::Options& options);
  ~StreamSink() override;

  /// Checks the columns and (unless TRESTLE_OFFLINE=1) connects and checks that the
  /// key is absent or a stream.
  void open(const trestle::Schema& input) override;
  void write(const trestle::Batch& batch, trestle::Context& ctx) override;
  void close(trestle::Context& ctx) override;

 private:
  void connect_if_needed();

  ConnConfig conn_config_;
  std::string stream_;
  std::string payload_field_;
  trestle::StringList column_names_;
  int64_t maxlen_ = 0;

  trestle::Schema projected_;              // the written columns
  std::vector<size_t> columns_;            // their input indices
  std::unique_ptr<trestle_support::JsonRowWriter> json_;
  std::unique_ptr<Connection> conn_;
};

}  // namespace trestle_redis
