#include "stream_sink.h"

#include <algorithm>

#include "connection_options.h"
#include "value_text.h"

namespace trestle_redis {

namespace {

constexpr size_t kChunkRows = 1000;  // commands in flight at once

}  // namespace

trestle::OperatorSpec StreamSink::spec() {
  trestle::OperatorSpec s(
      "redis_stream_sink",
      "Appends each row to a Redis stream with XADD (generated ids), pipelined in chunks of 1000; write() returns "
      "once Redis acknowledged every entry of the batch. Layout: with payload_field, one field holding the row as a "
      "JSON object (null -> null, timestamps as \"YYYY-MM-DDTHH:MM:SS.ffffff\", NaN/Inf -> null); without, one field "
      "per column with its value as text (bool true/false, numbers in the shortest exact form, timestamps as above; "
      "null columns are left out, and a row whose every column is null is dead-lettered since XADD needs a field). "
      "redis_stream_source reads both layouts back with the same schema. maxlen trims the stream as it grows "
      "(XADD MAXLEN ~ N: approximately, in whole macro nodes, which is cheap). Delivery is at-least-once: after a "
      "lost connection the sink reconnects (backoff up to reconnect_timeout_s) and sends again the rows whose reply it "
      "had not received, which Redis may already have added. open() (validate) connects and checks that the key is a "
      "stream or absent. The rows are visible to readers as soon as they are written, not at the run's commit.");
  s.param<std::string>("stream", "the stream's key (created by the first XADD)").required()
      .param<std::string>("payload_field",
                          "the field that holds each row as a JSON object (e.g. \"data\"); empty: one field per column",
                          std::string(""))
      .param<trestle::StringList>("columns", "the input columns to write, in this order; empty: all",
                                  trestle::StringList{})
      .param<int64_t>("maxlen", "trim the stream to about this many entries (XADD MAXLEN ~ N); 0 = no trimming",
                      int64_t{0})
      .min(0);
  add_connection_params(s);
  s.input_doc("any columns; those of option columns must exist").serial();
  return s;
}

StreamSink::StreamSink(const trestle::Options& o)
    : conn_config_(connection_config(o, "redis_stream_sink")),
      stream_(o.get<std::string>("stream")),
      payload_field_(o.get_or<std::string>("payload_field", "")),
      column_names_(o.get_or<trestle::StringList>("columns", {})),
      maxlen_(o.get_or<int64_t>("maxlen", 0)) {
  if (stream_.empty()) throw trestle::InvalidArgument("option \"stream\" is empty");
  if (maxlen_ < 0) throw trestle::InvalidArgument("option \"maxlen\" must not be negative");
}

StreamSink::~StreamSink() = default;

void StreamSink::open(const trestle::Schema& input) {
  columns_ = resolve_columns(input, column_names_, "columns");
  if (columns_.empty()) throw trestle::InvalidArgument("the input has no columns to write");
  std::vector<trestle::Field> fields;
  for (size_t c : columns_) fields.push_back(input.field(c));
  projected_ = trestle::Schema(std::move(fields));
  if (!payload_field_.empty()) json_ = std::make_unique<trestle_support::JsonRowWriter>(projected_);
  if (!offline()) connect_if_needed();
}

void StreamSink::connect_if_needed() {
  if (conn_) return;
  conn_ = std::make_unique<Connection>(conn_config_);
  conn_->run("checking key \"" + stream_ + "\"", nullptr, {}, [&] {
    Reply r = conn_->command({"TYPE", stream_});
    if (r->type == REDIS_REPLY_ERROR) throw_reply_error(*conn_, r.get(), "checking key \"" + stream_ + "\" (TYPE)");
    const std::string type = r->str ? std::string(r->str, r->len) : "";
    if (type != "none" && type != "stream")
      throw trestle::InvalidArgument(conn_->where() + ": option \"stream\": key \"" + stream_ + "\" holds a " + type +
                                     ", not a stream");
  });
}

void StreamSink::write(const trestle::Batch& batch, trestle::Context& ctx) {
  connect_if_needed();
  std::vector<trestle::Column> cols;
  for (size_t c : columns_) cols.push_back(batch.columns()[c]);
  const trestle::Batch projected(projected_, cols);
  std::vector<std::string> prefix = {"XADD", stream_};
  if (maxlen_ > 0) prefix.insert(prefix.end(), {"MAXLEN", "~", std::to_string(maxlen_)});
  prefix.push_back("*");

  std::vector<std::vector<std::string>> commands;
  commands.reserve(static_cast<size_t>(batch.num_rows()));
  std::string text;
  for (int64_t r = 0; r < batch.num_rows(); ++r) {
    std::vector<std::string> cmd = prefix;
    if (json_) {
      text.clear();
      json_->append_row(text, projected, r, nullptr);
      cmd.push_back(payload_field_);
      cmd.push_back(text);
    } else {
      for (size_t c = 0; c < cols.size(); ++c) {
        if (cols[c].is_null(r)) continue;
        cmd.push_back(projected_.field(c).name);
        cmd.emplace_back();
        append_value_text(cmd.back(), cols[c], r);
      }
      if (cmd.size() == prefix.size()) {
        ctx.reject(r, "every written column is null, and an XADD needs at least one field");
        continue;
      }
    }
    commands.push_back(std::move(cmd));
  }
  size_t done = 0;  // rows whose XADD Redis answered; a retry after a reconnect resumes here
  conn_->run("adding " + std::to_string(commands.size()) + " entries to stream \"" + stream_ + "\" (XADD)", &ctx, {},
             [&] {
               while (done < commands.size()) {
                 const size_t end = std::min(commands.size(), done + kChunkRows);
                 for (size_t i = done; i < end; ++i) conn_->append(commands[i]);
                 for (size_t i = done; i < end; ++i) {
                   Reply r = conn_->read_reply();
                   if (r->type == REDIS_REPLY_ERROR)
                     throw_reply_error(*conn_, r.get(), "adding an entry to stream \"" + stream_ + "\" (XADD)");
                   ++done;
                 }
               }
             });
  ctx.count("redis_entries_added", static_cast<double>(commands.size()));
}

void StreamSink::close(trestle::Context&) { conn_.reset(); }

}  // namespace trestle_redis
