#include "stream_source.h"

#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cstdio>

#include "connection_options.h"
#include "schema_option.hpp"

namespace trestle_redis {

namespace {

constexpr size_t kAckChunk = 500;  // ids per XACK command
constexpr auto kMetricsEvery = std::chrono::seconds(1);

/// "$", "0", "1700000000000" or "1700000000000-3".
bool valid_start_id(const std::string& id) {
  if (id == "$") return true;
  auto digits = [](const std::string& s) {
    return !s.empty() && s.size() <= 20 && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  const size_t dash = id.find('-');
  if (dash == std::string::npos) return digits(id);
  return digits(id.substr(0, dash)) && digits(id.substr(dash + 1));
}

std::string default_consumer() {
  char host[256] = {0};
  if (gethostname(host, sizeof host - 1) != 0 || host[0] == '\0') std::snprintf(host, sizeof host, "%s", "localhost");
  return std::string(host) + "-" + std::to_string(static_cast<long>(getpid()));
}

}  // namespace

trestle::OperatorSpec StreamSource::spec() {
  trestle::OperatorSpec s(
      "redis_stream_source",
      "Reads a Redis stream as one consumer of a consumer group (XREADGROUP) and acknowledges each entry (XACK) only "
      "after every sink downstream of its batch committed (the engine's ack; set execution.commit_every_batches for a "
      "long-running pipeline, or entries stay pending until the run ends): at-least-once, a killed worker loses "
      "nothing. At the start and after every reconnect it first re-reads its own pending entries (XREADGROUP from id "
      "0), then claims entries other consumers left unacknowledged for claim_idle_ms (XAUTOCLAIM: a dead worker's), "
      "then reads new ones (BLOCK block_ms). An entry delivered more than max_deliveries times (XPENDING's count) is "
      "a poison entry: it goes to the dead letters (record: the entry's fields as a JSON object, location \"stream S "
      "entry ID\", reason naming the delivery count) and is acknowledged, so the group is never stuck on it; an entry "
      "that does not decode is dead-lettered the same way. Rows are typed by schema: with payload_field, the keys of "
      "the JSON object in that field; without, each field of the entry is a column (text: numbers as decimal, bools "
      "as true/false/1/0, timestamps as ISO 8601; an empty value is null but for utf8). Columns come in name order "
      "(id_column first). A lost connection or a restarted server is survived: the source reconnects with backoff "
      "for up to reconnect_timeout_s and re-reads its pending entries. The stream is endless: the run ends when the "
      "engine stops it (drain), or after stop_when_idle_ms without new or claimable entries. Metrics: redis_pending "
      "(the group's pending entries: XINFO GROUPS \"pending\", the count XPENDING gives), redis_lag (XINFO GROUPS "
      "\"lag\" of Redis 7: entries added to the stream and not yet delivered to the group; not set when Redis cannot "
      "tell, e.g. after XDEL or XGROUP SETID, or before Redis 7), redis_connected (1/0; the SDK has no readiness "
      "call), counters redis_reconnects, redis_poison, redis_claimed, redis_deleted_entries. Needs Redis 6.2+.");
  s.param<std::string>("stream", "the stream's key").required()
      .param<std::string>("group", "the consumer group").required()
      .param<std::string>("consumer",
                          "this worker's consumer name in the group; empty: hostname-pid (then a restarted worker's "
                          "pending entries are claimed after claim_idle_ms; a stable name such as the pod name lets it "
                          "re-read them at once)",
                          std::string(""))
      .param<bool>("create_group",
                   "create the group at open() when missing (XGROUP CREATE ... MKSTREAM: also the stream), and again "
                   "if it disappears while running; false: a missing stream or group is an error at validate",
                   false)
      .param<std::string>("start_id",
                          "where a created group starts: \"0\" (the whole stream), \"$\" (only entries added from now), "
                          "or an entry id",
                          std::string("0"))
      .param<trestle::StringMap>("schema",
                                 "column -> [type] (bool, int32, int64, float32, float64, utf8, timestamp), e.g. "
                                 "{customer: [int64], score: [float64]}: the columns read from each entry")
      .required()
      .param<std::string>("payload_field",
                          "the field holding a JSON object whose keys are the columns (e.g. \"data\"); empty: each "
                          "field of the entry is a column",
                          std::string(""))
      .param<trestle::StringList>("not_null",
                                  "columns that must be present and not null; an entry without one is dead-lettered",
                                  trestle::StringList{})
      .param<std::string>("id_column", "when set, a utf8 column of this name holds each row's entry id",
                          std::string(""))
      .param<int64_t>("count", "entries per XREADGROUP; 0 = the engine's batch size (batch_rows)", int64_t{0})
      .min(0)
      .param<int64_t>("block_ms",
                      "how long one XREADGROUP waits for new entries (BLOCK); also how often an idle source looks at "
                      "the run's cancellation",
                      int64_t{1000})
      .range(1, 60000)
      .param<int64_t>("claim_idle_ms",
                      "entries another consumer left unacknowledged this long are claimed (XAUTOCLAIM); keep it well "
                      "above the time a batch takes to be committed by every sink, or slow batches are read twice",
                      int64_t{30000})
      .min(1)
      .param<int64_t>("max_deliveries",
                      "an entry delivered more times than this is a poison entry: dead-lettered and acknowledged",
                      int64_t{5})
      .min(1)
      .param<int64_t>("stop_when_idle_ms",
                      "end of input once no new entry came and none was claimable for this long (finite runs, "
                      "tests); 0 = never",
                      int64_t{0})
      .min(0);
  add_connection_params(s);
  s.output_doc("the schema's columns in name order (id_column first when set); not_null columns non-nullable")
      .serial();
  return s;
}

StreamSource::StreamSource(const trestle::Options& o)
    : conn_config_(connection_config(o, "redis_stream_source")),
      stream_(o.get<std::string>("stream")),
      group_(o.get<std::string>("group")),
      consumer_(o.get_or<std::string>("consumer", "")),
      create_group_(o.get_or<bool>("create_group", false)),
      start_id_(o.get_or<std::string>("start_id", "0")),
      count_(o.get_or<int64_t>("count", 0)),
      block_ms_(o.get_or<int64_t>("block_ms", 1000)),
      claim_idle_ms_(o.get_or<int64_t>("claim_idle_ms", 30000)),
      max_deliveries_(o.get_or<int64_t>("max_deliveries", 5)),
      stop_when_idle_ms_(o.get_or<int64_t>("stop_when_idle_ms", 0)) {
  if (stream_.empty()) throw trestle::InvalidArgument("option \"stream\" is empty");
  if (group_.empty()) throw trestle::InvalidArgument("option \"group\" is empty");
  if (consumer_.empty()) {
    consumer_ = default_consumer();
    consumer_generated_ = true;
  }
  if (!valid_start_id(start_id_))
    throw trestle::InvalidArgument("option \"start_id\" is \"" + start_id_ +
                                   "\": give \"0\" (the whole stream), \"$\" (new entries only) or an entry id such as "
                                   "1700000000000-0");
  if (block_ms_ < 1) throw trestle::InvalidArgument("option \"block_ms\" must be at least 1 (BLOCK 0 waits forever)");
  if (claim_idle_ms_ < 1) throw trestle::InvalidArgument("option \"claim_idle_ms\" must be at least 1");
  if (max_deliveries_ < 1) throw trestle::InvalidArgument("option \"max_deliveries\" must be at least 1");
  conn_config_.extra_read_ms = block_ms_;

  const std::map<std::string, trestle::Type> declared = trestle_support::parse_schema_option(o);
  if (declared.empty()) throw trestle::InvalidArgument("option \"schema\" declares no columns");
  const std::string payload = o.get_or<std::string>("payload_field", "");
  const std::string id_column = o.get_or<std::string>("id_column", "");
  const trestle::StringList not_null = o.get_or<trestle::StringList>("not_null", {});
  for (const auto& n : not_null)
    if (!declared.count(n))
      throw trestle::InvalidArgument("option \"not_null\" names column \"" + n +
                                     "\", which option \"schema\" does not declare");
  if (!id_column.empty() && declared.count(id_column))
    throw trestle::InvalidArgument("option \"id_column\" is \"" + id_column +
                                   "\", which option \"schema\" declares as a column too; choose another name");
  std::vector<trestle::Field> fields;
  if (!id_column.empty()) fields.push_back({id_column, trestle::Type::Utf8, false});
  for (const auto& [name, type] : declared)
    fields.push_back({name, type, std::find(not_null.begin(), not_null.end(), name) == not_null.end()});
  decoder_ = std::make_unique<EntryDecoder>(trestle::Schema(std::move(fields)), payload, id_column);
}

StreamSource::~StreamSource() = default;

trestle::Schema StreamSource::open() {
  if (!offline()) connect_if_needed();
  return decoder_->schema();
}

void StreamSource::connect_if_needed() {
  if (conn_) return;
  conn_ = std::make_unique<Connection>(conn_config_);
  conn_->run("checking stream \"" + stream_ + "\" and group \"" + group_ + "\"", nullptr, {}, [&] { prepare_group(); });
}

void StreamSource::prepare_group() {
  if (create_group_) {
    Reply r = conn_->command({"XGROUP", "CREATE", stream_, group_, start_id_, "MKSTREAM"});
    if (r->type == REDIS_REPLY_ERROR && error_code(r.get()) != "BUSYGROUP") {
      if (reply_text(r.get()).find("Invalid stream ID") != std::string::npos)
        throw trestle::InvalidArgument(conn_->where() + ": option \"start_id\" = \"" + start_id_ +
                                       "\" was refused by XGROUP CREATE: " + reply_text(r.get()));
      throw_reply_error(*conn_, r.get(),
                        "creating group \"" + group_ + "\" of stream \"" + stream_ + "\" (option create_group)");
    }
    return;
  }
  Reply r = conn_->command({"XINFO", "GROUPS", stream_});
  if (r->type == REDIS_REPLY_ERROR) {
    if (reply_text(r.get()).find("no such key") != std::string::npos)
      throw trestle::InvalidArgument(conn_->where() + ": option \"stream\": stream \"" + stream_ +
                                     "\" does not exist; create it and group \"" + group_ + "\" (XGROUP CREATE " +
                                     stream_ + " " + group_ + " 0 MKSTREAM) or set create_group: true");
    if (error_code(r.get()) == "WRONGTYPE")
      throw trestle::InvalidArgument(conn_->where() + ": option \"stream\": key \"" + stream_ +
                                     "\" holds another type than a stream");
    throw_reply_error(*conn_, r.get(), "looking up the groups of stream \"" + stream_ + "\"");
  }
  if (!parse_group_info(r.get(), group_))
    throw trestle::InvalidArgument(conn_->where() + ": option \"group\": stream \"" + stream_ +
                                   "\" has no consumer group \"" + group_ + "\"; create it (XGROUP CREATE " + stream_ +
                                   " " + group_ + " 0) or set create_group: true");
}

bool StreamSource::group_missing(const redisReply* r, const std::string& what) {
  if (error_code(r) != "NOGROUP") return false;
  if (!create_group_)
    throw trestle::InvalidArgument(conn_->where() + ": " + what + ": stream \"" + stream_ + "\" or its group \"" +
                                   group_ + "\" no longer exists (" + reply_text(r) +
                                   "); set create_group: true to create them again");
  prepare_group();
  // A new group has no pending entries and a new delivery position.
  reread_own_ = false;
  claim_cursor_ = "0-0";
  return true;
}

size_t StreamSource::take(std::vector<StreamEntry>& entries) {
  size_t taken = 0;
  for (auto& e : entries) {
    if (!held_.insert(e.id).second) continue;
    ready_.push_back(std::move(e));
    ++taken;
  }
  return taken;
}

void StreamSource::load_delivery_counts(std::vector<StreamEntry>& entries) {
  if (entries.empty()) return;
  for (const auto& e : entries) conn_->append({"XPENDING", stream_, group_, e.id, e.id, "1"});
  std::vector<Reply> replies;
  replies.reserve(entries.size());
  for (size_t i = 0; i < entries.size(); ++i) replies.push_back(conn_->read_reply());
  for (size_t i = 0; i < entries.size(); ++i) {
    if (replies[i]->type == REDIS_REPLY_ERROR)
      throw_reply_error(*conn_, replies[i].get(), "reading the delivery count of entry " + entries[i].id + " (XPENDING)");
    if (auto n = parse_pending_count(replies[i].get(), entries[i].id)) entries[i].deliveries = *n;
  }
}

void StreamSource::read_own_pending(size_t want) {
  while (reread_own_ && ready_.size() < want) {
    const std::string n = std::to_string(std::max<size_t>(want - ready_.size(), 16));
    Reply r = conn_->command({"XREADGROUP", "GROUP", group_, consumer_, "COUNT", n, "STREAMS", stream_, own_cursor_});
    if (r->type == REDIS_REPLY_ERROR) {
      if (group_missing(r.get(), "re-reading the pending entries of consumer \"" + consumer_ + "\"")) return;
      throw_reply_error(*conn_, r.get(), "re-reading the pending entries of consumer \"" + consumer_ + "\" (XREADGROUP)");
    }
    std::vector<StreamEntry> entries;
    parse_read_reply(r.get(), &entries);
    if (entries.empty()) {
      reread_own_ = false;
      return;
    }
    own_cursor_ = entries.back().id;
    std::vector<StreamEntry> fresh;
    for (auto& e : entries)
      if (!held_.count(e.id)) fresh.push_back(std::move(e));
    load_delivery_counts(fresh);
    take(fresh);
  }
}

void StreamSource::claim(size_t want, trestle::Context& ctx) {
  if (ready_.size() >= want) return;
  const std::string n = std::to_string(want - ready_.size());
  Reply r = conn_->command({"XAUTOCLAIM", stream_, group_, consumer_, std::to_string(claim_idle_ms_), claim_cursor_,
                            "COUNT", n});
  if (r->type == REDIS_REPLY_ERROR) {
    if (group_missing(r.get(), "claiming idle entries")) return;
    throw_reply_error(*conn_, r.get(), "claiming entries idle for claim_idle_ms (XAUTOCLAIM)");
  }
  ClaimReply c = parse_claim_reply(r.get());
  claim_cursor_ = c.cursor;
  // Entries this run holds already were claimed back from itself (a slow batch): they
  // are in flight, not new.
  std::vector<StreamEntry> fresh;
  for (auto& e : c.entries)
    if (!held_.count(e.id)) fresh.push_back(std::move(e));
  load_delivery_counts(fresh);
  const size_t taken = take(fresh);
  if (taken > 0) {
    ctx.count("redis_claimed", static_cast<double>(taken));
    ctx.info(conn_->where() + ": claimed " + std::to_string(taken) + " entr" + (taken == 1 ? "y" : "ies") +
             " of stream \"" + stream_ + "\" left unacknowledged by other consumers for " +
             std::to_string(claim_idle_ms_) + " ms (option claim_idle_ms)");
  }
  // More to scan: go on at the next fill instead of waiting a claim period.
  const bool more = c.cursor != "0-0" && !c.entries.empty();
  const auto period = std::chrono::milliseconds(std::clamp<int64_t>(claim_idle_ms_ / 2, 10, 5000));
  next_claim_ = more ? Clock::now() : Clock::now() + period;
}

void StreamSource::read_new(size_t want) {
  if (ready_.size() >= want) return;
  const size_t room = want - ready_.size();
  std::vector<std::string> cmd = {"XREADGROUP", "GROUP", group_, consumer_, "COUNT", std::to_string(room)};
  // Wait for new entries only when there is nothing to hand over yet.
  if (ready_.empty()) cmd.insert(cmd.end(), {"BLOCK", std::to_string(block_ms_)});
  cmd.insert(cmd.end(), {"STREAMS", stream_, ">"});
  Reply r = conn_->command(cmd);
  if (r->type == REDIS_REPLY_ERROR) {
    if (group_missing(r.get(), "reading new entries")) return;
    throw_reply_error(*conn_, r.get(), "reading new entries of stream \"" + stream_ + "\" (XREADGROUP)");
  }
  std::vector<StreamEntry> entries;
  parse_read_reply(r.get(), &entries);
  take(entries);
}

void StreamSource::fill(size_t want, bool force_claim, trestle::Context& ctx) {
  if (conn_->generation() != seen_generation_) {
    // A new connection: entries whose XREADGROUP reply was lost with the old one are
    // pending for this consumer and known only to the server.
    seen_generation_ = conn_->generation();
    reread_own_ = true;
    own_cursor_ = "0";
  }
  read_own_pending(want);
  if (force_claim || Clock::now() >= next_claim_) claim(want, ctx);
  read_new(want);
  if (Clock::now() >= next_metrics_) update_metrics(ctx);
}

void StreamSource::update_metrics(trestle::Context& ctx) {
  next_metrics_ = Clock::now() + kMetricsEvery;
  Reply r = conn_->command({"XINFO", "GROUPS", stream_});
  if (r->type == REDIS_REPLY_ERROR) return;  // the next read reports a missing stream or group
  if (auto info = parse_group_info(r.get(), group_)) {
    ctx.gauge("redis_pending", static_cast<double>(info->pending));
    if (info->lag) ctx.gauge("redis_lag", static_cast<double>(*info->lag));
  }
}

trestle::Batch StreamSource::make_batch(size_t want, trestle::Context& ctx) {
  const trestle::Schema& schema = decoder_->schema();
  const size_t n = std::min(want, ready_.size());
  std::vector<trestle::ColumnBuilder> builders;
  builders.reserve(schema.size());
  for (const auto& f : schema.fields()) builders.emplace_back(f.type, static_cast<int64_t>(n));
  std::vector<std::string> ids;
  ids.reserve(n);
  std::string reason;
  int64_t rows = 0;
  for (size_t i = 0; i < n; ++i) {
    StreamEntry e = std::move(ready_.front());
    ready_.pop_front();
    ids.push_back(e.id);
    if (e.deleted) {
      ctx.count("redis_deleted_entries");
      continue;
    }
    if (e.deliveries > max_deliveries_) {
      ctx.count("redis_poison");
      ctx.reject_record(e.fields_json(), location(e.id),
                        "poison entry: delivered " + std::to_string(e.deliveries) + " times, more than max_deliveries " +
                            std::to_string(max_deliveries_) + "; acknowledged so that group \"" + group_ +
                            "\" moves on");
      continue;
    }
    if (!decoder_->append(e, builders, &reason)) {
      ctx.reject_record(e.fields_json(), location(e.id), reason);
      continue;
    }
    ++rows;
  }
  std::vector<trestle::Column> cols;
  cols.reserve(builders.size());
  for (auto& b : builders) cols.push_back(b.finish());
  const uint64_t seq = next_seq_++;
  if (!ids.empty()) unacked_[seq] = std::move(ids);
  rows_read_ += rows;
  ctx.progress(static_cast<double>(rows_read_), 0);
  return trestle::Batch(schema, std::move(cols));
}

std::optional<trestle::Batch> StreamSource::next(int64_t max_rows, trestle::Context& ctx) {
  if (ended_) return std::nullopt;
  const CancelFn cancelled = [&ctx] { return ctx.cancelled(); };
  int64_t want64 = std::max<int64_t>(1, max_rows);
  if (count_ > 0) want64 = std::min(want64, count_);
  const size_t want = static_cast<size_t>(want64);
  try {
    connect_if_needed();
    if (!started_) {
      started_ = true;
      idle_since_ = Clock::now();
    }
    bool force_claim = false;
    for (;;) {
      if (ctx.cancelled()) {
        ended_ = true;
        return std::nullopt;
      }
      conn_->run("reading stream \"" + stream_ + "\" as consumer \"" + consumer_ + "\" of group \"" + group_ + "\"",
                 &ctx, cancelled, [&] { fill(want, force_claim, ctx); });
      if (!ready_.empty()) {
        idle_since_ = Clock::now();
        return make_batch(want, ctx);
      }
      if (stop_when_idle_ms_ > 0 && Clock::now() - idle_since_ >= std::chrono::milliseconds(stop_when_idle_ms_)) {
        // Idle long enough: one last look for claimable entries before ending.
        if (!force_claim) {
          force_claim = true;
          continue;
        }
        ctx.info(conn_->where() + ": no new or claimable entry in stream \"" + stream_ + "\" for " +
                 std::to_string(stop_when_idle_ms_) + " ms (option stop_when_idle_ms): end of input");
        ended_ = true;
        return std::nullopt;
      }
      force_claim = false;
      // Batches wait for their ack, which the engine sends between next() calls.
      if (!unacked_.empty()) return make_batch(0, ctx);
    }
  } catch (const ReconnectCancelled& e) {
    ctx.warning(e.what());
    ended_ = true;
    return std::nullopt;
  }
}

void StreamSource::ack(uint64_t seq, trestle::Context& ctx) {
  std::vector<std::string> ids;
  auto end = unacked_.upper_bound(seq);
  for (auto it = unacked_.begin(); it != end; ++it) ids.insert(ids.end(), it->second.begin(), it->second.end());
  if (ids.empty()) {
    unacked_.erase(unacked_.begin(), end);
    return;
  }
  connect_if_needed();
  conn_->run("acknowledging " + std::to_string(ids.size()) + " entries of stream \"" + stream_ + "\" (XACK)", &ctx, {},
             [&] {
               size_t commands = 0;
               for (size_t i = 0; i < ids.size(); i += kAckChunk, ++commands) {
                 std::vector<std::string> cmd = {"XACK", stream_, group_};
                 cmd.insert(cmd.end(), ids.begin() + static_cast<std::ptrdiff_t>(i),
                            ids.begin() + static_cast<std::ptrdiff_t>(std::min(ids.size(), i + kAckChunk)));
                 conn_->append(cmd);
               }
               bool group_gone = false;
               for (size_t c = 0; c < commands; ++c) {
                 Reply r = conn_->read_reply();
                 if (r->type != REDIS_REPLY_ERROR) continue;
                 if (error_code(r.get()) == "NOGROUP") group_gone = true;
                 else throw_reply_error(*conn_, r.get(), "acknowledging entries (XACK)");
               }
               if (group_gone)
                 ctx.warning(conn_->where() + ": group \"" + group_ + "\" of stream \"" + stream_ +
                             "\" no longer exists; " + std::to_string(ids.size()) +
                             " handled entries could not be acknowledged");
             });
  for (auto it = unacked_.begin(); it != end; ++it)
    for (const auto& id : it->second) held_.erase(id);
  unacked_.erase(unacked_.begin(), end);
  try {
    conn_->run("reading the group's metrics", &ctx, {}, [&] { update_metrics(ctx); });
  } catch (const trestle::Error&) {
    // Metrics are not worth failing an ack that succeeded.
  }
}

void StreamSource::close(trestle::Context&) {
  // A generated name (hostname-pid) is never used again: remove it from the group
  // unless entries are still pending for it (DELCONSUMER would drop them).
  if (!conn_ || !conn_->connected() || !consumer_generated_ || !unacked_.empty() || !ready_.empty()) {
    conn_.reset();
    return;
  }
  try {
    Reply p = conn_->command({"XPENDING", stream_, group_, "-", "+", "1", consumer_});
    if (p->type == REDIS_REPLY_ARRAY && p->elements == 0) conn_->command({"XGROUP", "DELCONSUMER", stream_, group_, consumer_});
  } catch (const ConnectionLost&) {
    // The consumer stays listed in the group; nothing is lost.
  }
  conn_.reset();
}

}  // namespace trestle_redis
