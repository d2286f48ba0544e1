#include "hash_sink.h"

#include <algorithm>

#include "connection_options.h"
#include "value_text.h"

namespace trestle_redis {

namespace {

constexpr size_t kChunkRows = 500;  // rows whose commands are in flight at once

/// The commands of one row, and whether it is to be written at all.
struct RowCommands {
  int64_t row = 0;
  std::string key;
  std::vector<std::string> hset, hdel;  // empty: no such command
};

}  // namespace

trestle::OperatorSpec HashSink::spec() {
  trestle::OperatorSpec s(
      "redis_hash_sink",
      "Upserts each row into a Redis hash for online lookups: key = key_prefix + the values of the key columns joined "
      "by key_separator; HSET key column value for every written column that is not null (values as text: bool "
      "true/false, numbers in the shortest exact form, timestamps as \"YYYY-MM-DDTHH:MM:SS.ffffff\"), HDEL for those "
      "that are null, then EXPIRE key ttl_s when ttl_s > 0 (only once the HSET succeeded). Idempotent: writing rows "
      "again gives the same hashes, and within a batch the last row of a key wins. Commands are pipelined in chunks "
      "of 500 rows; write() returns once Redis answered them all. After a lost connection the sink reconnects "
      "(backoff up to reconnect_timeout_s) and repeats the chunk it was in, which is harmless. A row with a null key "
      "column, or whose key holds another type than a hash (WRONGTYPE), goes to the dead letters. open() (validate) "
      "connects. The hashes change as rows are written, not at the run's commit.");
  s.param<trestle::StringList>("key", "the key columns, e.g. [customer_id]").required().min(1)
      .param<std::string>("key_prefix", "text before the key values, e.g. \"score:\"", std::string(""))
      .param<std::string>("key_separator", "text between the values of several key columns", std::string(":"))
      .param<trestle::StringList>("fields",
                                  "the columns written as hash fields; empty: every input column but the key columns",
                                  trestle::StringList{})
      .param<int64_t>("ttl_s", "EXPIRE each written key after this many seconds; 0 = keys do not expire", int64_t{0})
      .min(0);
  add_connection_params(s);
  s.input_doc("the key columns (not null) and the field columns, any types").serial();
  return s;
}

HashSink::HashSink(const trestle::Options& o)
    : conn_config_(connection_config(o, "redis_hash_sink")),
      key_prefix_(o.get_or<std::string>("key_prefix", "")),
      key_separator_(o.get_or<std::string>("key_separator", ":")),
      key_names_(o.get<trestle::StringList>("key")),
      field_names_(o.get_or<trestle::StringList>("fields", {})),
      ttl_s_(o.get_or<int64_t>("ttl_s", 0)) {
  if (key_names_.empty()) throw trestle::InvalidArgument("option \"key\" must name at least one column");
  if (ttl_s_ < 0) throw trestle::InvalidArgument("option \"ttl_s\" must not be negative");
  for (const auto& f : field_names_)
    if (std::find(key_names_.begin(), key_names_.end(), f) != key_names_.end())
      throw trestle::InvalidArgument("option \"fields\" names column \"" + f +
                                     "\", which option \"key\" names too; a key column is not written as a field");
}

HashSink::~HashSink() = default;

void HashSink::open(const trestle::Schema& input) {
  input_ = input;
  key_cols_ = resolve_columns(input, key_names_, "key");
  field_cols_ = resolve_columns(input, field_names_, "fields", key_names_);
  if (field_cols_.empty())
    throw trestle::InvalidArgument("no column is left to write as a hash field: the input has only the key columns (" +
                                   input.names_list() + ")");
  if (!offline()) connect_if_needed();
}

void HashSink::connect_if_needed() {
  if (conn_) return;
  conn_ = std::make_unique<Connection>(conn_config_);
  conn_->run("connecting", nullptr, {}, [] {});
}

void HashSink::write(const trestle::Batch& batch, trestle::Context& ctx) {
  connect_if_needed();
  const auto& cols = batch.columns();
  std::vector<RowCommands> rows;
  rows.reserve(static_cast<size_t>(batch.num_rows()));
  for (int64_t r = 0; r < batch.num_rows(); ++r) {
    RowCommands rc;
    rc.row = r;
    rc.key = key_prefix_;
    bool null_key = false;
    for (size_t k = 0; k < key_cols_.size(); ++k) {
      const trestle::Column& c = cols[key_cols_[k]];
      if (c.is_null(r)) {
        ctx.reject(r, "key column \"" + input_.field(key_cols_[k]).name + "\" is null");
        null_key = true;
        break;
      }
      if (k) rc.key += key_separator_;
      append_value_text(rc.key, c, r);
    }
    if (null_key) continue;
    for (size_t f : field_cols_) {
      const trestle::Column& c = cols[f];
      std::vector<std::string>& cmd = c.is_null(r) ? rc.hdel : rc.hset;
      if (cmd.empty()) cmd = {c.is_null(r) ? "HDEL" : "HSET", rc.key};
      cmd.push_back(input_.field(f).name);
      if (c.is_null(r)) continue;
      cmd.emplace_back();
      append_value_text(cmd.back(), c, r);
    }
    rows.push_back(std::move(rc));
  }

  std::vector<uint8_t> rejected(rows.size(), 0);
  size_t done = 0;  // rows fully written; a retry after a reconnect repeats from here
  int64_t written = 0;
  conn_->run("writing " + std::to_string(rows.size()) + " hashes (HSET)", &ctx, {}, [&] {
    while (done < rows.size()) {
      const size_t end = std::min(rows.size(), done + kChunkRows);
      for (size_t i = done; i < end; ++i) {
        if (rejected[i]) continue;
        if (!rows[i].hset.empty()) conn_->append(rows[i].hset);
        if (!rows[i].hdel.empty()) conn_->append(rows[i].hdel);
      }
      std::vector<uint8_t> ok(end - done, 0);
      for (size_t i = done; i < end; ++i) {
        if (rejected[i]) continue;
        bool row_ok = true;
        for (int cmd = (rows[i].hset.empty() ? 0 : 1) + (rows[i].hdel.empty() ? 0 : 1); cmd > 0; --cmd) {
          Reply r = conn_->read_reply();
          if (r->type != REDIS_REPLY_ERROR) continue;
          if (error_code(r.get()) != "WRONGTYPE")
            throw_reply_error(*conn_, r.get(), "writing hash \"" + rows[i].key + "\" (HSET/HDEL)");
          row_ok = false;
        }
        if (row_ok) {
          ok[i - done] = 1;
        } else {
          rejected[i] = 1;
          ctx.reject(rows[i].row, "key \"" + rows[i].key + "\" holds another type than a hash (WRONGTYPE); check "
                                  "option key_prefix against the other data in this database");
        }
      }
      if (ttl_s_ > 0) {
        size_t sent = 0;
        for (size_t i = done; i < end; ++i)
          if (ok[i - done]) conn_->append({"EXPIRE", rows[i].key, std::to_string(ttl_s_)}), ++sent;
        for (; sent > 0; --sent) {
          Reply r = conn_->read_reply();
          if (r->type == REDIS_REPLY_ERROR) throw_reply_error(*conn_, r.get(), "setting a TTL (EXPIRE, option ttl_s)");
        }
      }
      for (size_t i = done; i < end; ++i) written += ok[i - done];
      done = end;
    }
  });
  ctx.count("redis_hashes_written", static_cast<double>(written));
}

void HashSink::close(trestle::Context&) { conn_.reset(); }

}  // namespace trestle_redis
