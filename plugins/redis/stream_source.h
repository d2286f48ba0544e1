#pragma once
// redis_stream_source: reads a Redis stream as one consumer of a consumer group, and
// acknowledges (XACK) an entry only once every sink downstream of the batch that carried
// it has committed, through the engine's ack protocol: ack(seq) comes when batches up
// to seq are durable everywhere. So a worker killed at any point loses nothing; what it
// had read and not acknowledged stays in the group's pending list, and it (same
// consumer name) re-reads it at its next start, or another worker claims it.
//
// How one next() fills a batch, in this order:
//   1. at the start and after every reconnect, this consumer's own pending entries
//      (XREADGROUP ... STREAMS s 0, then onwards from the last id seen), skipping the
//      ones already in flight in this run: entries whose reply was lost with a
//      connection are delivered, not stuck;
//   2. every claim_idle_ms / 2, entries that other consumers left unacknowledged for
//      claim_idle_ms (XAUTOCLAIM): a dead worker's entries;
//   3. new entries (XREADGROUP ... BLOCK block_ms STREAMS s >).
// An entry delivered more than max_deliveries times (XPENDING's delivery count) is a
// poison entry: it goes to the dead letters instead of the batch. So does an entry that
// does not decode. Both are acknowledged with the batch, as handled. A re-read after a
// reconnect counts as a delivery of the entries in flight too (Redis counts it).
//
// Batches keep coming while the stream is idle only when acknowledgements are due: the
// engine calls ack() between next() calls, so next() returns an empty batch after one
// idle read while batches wait for their ack, and otherwise keeps waiting (checking
// ctx.cancelled() every block_ms). stop_when_idle_ms ends a finite run.
//
// Kafka mapping, for a librdkafka implementation of the same operator:
//   consumer group (XGROUP CREATE)   -> group.id; start_id -> auto.offset.reset
//   consumer name                    -> client.id / group.instance.id (static membership)
//   XREADGROUP >                     -> rd_kafka_consumer_poll
//   XACK in ack(seq)                 -> rd_kafka_commit of the offsets of the batches up
//                                       to seq (enable.auto.commit = false), after the ack
//   own pending re-read on reconnect -> resuming from the committed offset
//   XAUTOCLAIM after claim_idle_ms   -> the partition rebalance after session.timeout.ms
//   max_deliveries (poison entries)  -> no Kafka equivalent (no per-message delivery
//                                       count): a retry topic and a DLQ topic
//   redis_pending / redis_lag        -> uncommitted offsets / consumer lag per partition

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include <trestle/sdk.hpp>

#include "entry_decoder.h"
#include "redis_conn.h"
#include "stream_entry.h"

namespace trestle_redis {

class StreamSource final : public trestle::DataSource {
 public:
  static trestle::OperatorSpec spec();
  explicit StreamSource(const trestle::Options& options);
  ~StreamSource() override;

  /// Connects (unless TRESTLE_OFFLINE=1) and checks that the stream and group exist,
  /// creating them with create_group: true.
  trestle::Schema open() override;
  std::optional<trestle::Batch> next(int64_t max_rows, trestle::Context& ctx) override;
  /// XACKs every entry that the batches up to `seq` carried (rows and dead letters).
  void ack(uint64_t seq, trestle::Context& ctx) override;
  /// Removes a generated consumer name from the group when nothing is pending for it.
  void close(trestle::Context& ctx) override;

  const std::string& consumer() const { return consumer_; }

 private:
  void connect_if_needed();
  /// Creates the group (create_group) or checks that stream and group exist.
  void prepare_group();
  /// Reads into ready_ until it holds `want` entries or nothing more is there now;
  /// blocks up to block_ms on new entries when ready_ is empty.
  void fill(size_t want, bool force_claim, trestle::Context& ctx);
  void read_own_pending(size_t want);
  void claim(size_t want, trestle::Context& ctx);
  void read_new(size_t want);
  /// The delivery counts of `entries` (XPENDING per entry, pipelined).
  void load_delivery_counts(std::vector<StreamEntry>& entries);
  /// Keeps the entries not already held and appends them to ready_.
  size_t take(std::vector<StreamEntry>& entries);
  /// NOGROUP: recreates the group (create_group) and returns true, or throws.
  bool group_missing(const redisReply* r, const std::string& what);
  void update_metrics(trestle::Context& ctx);
  trestle::Batch make_batch(size_t want, trestle::Context& ctx);
  std::string location(const std::string& id) const { return "stream " + stream_ + " entry " + id; }

  // Options.
  ConnConfig conn_config_;
  std::string stream_, group_, consumer_;
  bool consumer_generated_ = false;
  bool create_group_ = false;
  std::string start_id_;
  int64_t count_ = 0, block_ms_ = 1000, claim_idle_ms_ = 30000, max_deliveries_ = 5, stop_when_idle_ms_ = 0;
  std::unique_ptr<EntryDecoder> decoder_;

  std::unique_ptr<Connection> conn_;

  // Reading.
  std::deque<StreamEntry> ready_;  // delivered to this consumer, not yet in a batch
  bool reread_own_ = true;
  std::string own_cursor_ = "0";
  uint64_t seen_generation_ = 0;
  std::string claim_cursor_ = "0-0";
  Clock::time_point next_claim_{};
  Clock::time_point idle_since_{};
  Clock::time_point next_metrics_{};
  bool started_ = false;
  bool ended_ = false;
  int64_t rows_read_ = 0;

  // Delivered in batches, not acknowledged yet.
  uint64_t next_seq_ = 0;
  std::map<uint64_t, std::vector<std::string>> unacked_;  // batch seq -> entry ids it carried
  std::unordered_set<std::string> held_;                 // ids in ready_ or unacked_
};

}  // namespace trestle_redis
