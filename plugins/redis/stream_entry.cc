#include "stream_entry.h"

#include <trestle/error.hpp>

#include "redis_conn.h"
#include "row_json.hpp"

namespace trestle_redis {

namespace {

[[noreturn]] void unexpected(const char* command, const redisReply* r) {
  throw trestle::Internal(std::string("unexpected reply to ") + command + ": " + describe(r));
}

bool is_text(const redisReply* r) {
  return r != nullptr && (r->type == REDIS_REPLY_STRING || r->type == REDIS_REPLY_STATUS);
}

std::string text(const redisReply* r) { return std::string(r->str, r->len); }

/// [id, [field, value, ...]] or, for an entry deleted since it was delivered, [id, nil].
StreamEntry parse_entry(const char* command, const redisReply* e) {
  if (e == nullptr || e->type != REDIS_REPLY_ARRAY || e->elements != 2 || !is_text(e->element[0])) unexpected(command, e);
  StreamEntry out;
  out.id = text(e->element[0]);
  const redisReply* f = e->element[1];
  if (f->type == REDIS_REPLY_NIL) {
    out.deleted = true;
    return out;
  }
  if (f->type != REDIS_REPLY_ARRAY || f->elements % 2 != 0) unexpected(command, e);
  out.fields.reserve(f->elements / 2);
  for (size_t i = 0; i < f->elements; i += 2) {
    if (!is_text(f->element[i]) || !is_text(f->element[i + 1])) unexpected(command, e);
    out.fields.emplace_back(text(f->element[i]), text(f->element[i + 1]));
  }
  return out;
}

}  // namespace

std::string StreamEntry::fields_json() const {
  std::string out = "{";
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i) out += ',';
    trestle_support::append_json_string(out, fields[i].first, nullptr);
    out += ':';
    trestle_support::append_json_string(out, fields[i].second, nullptr);
  }
  return out + "}";
}

void parse_read_reply(const redisReply* r, std::vector<StreamEntry>* out) {
  if (r == nullptr || r->type == REDIS_REPLY_NIL) return;
  if (r->type != REDIS_REPLY_ARRAY) unexpected("XREADGROUP", r);
  for (size_t s = 0; s < r->elements; ++s) {
    const redisReply* stream = r->element[s];
    if (stream->type != REDIS_REPLY_ARRAY || stream->elements != 2 || stream->element[1]->type != REDIS_REPLY_ARRAY)
      unexpected("XREADGROUP", r);
    const redisReply* entries = stream->element[1];
    for (size_t i = 0; i < entries->elements; ++i) out->push_back(parse_entry("XREADGROUP", entries->element[i]));
  }
}

ClaimReply parse_claim_reply(const redisReply* r) {
  // Redis 6.2: [cursor, entries]; Redis 7: [cursor, entries, deleted ids].
  if (r == nullptr || r->type != REDIS_REPLY_ARRAY || r->elements < 2 || !is_text(r->element[0]) ||
      r->element[1]->type != REDIS_REPLY_ARRAY)
    unexpected("XAUTOCLAIM", r);
  ClaimReply out;
  out.cursor = text(r->element[0]);
  const redisReply* entries = r->element[1];
  for (size_t i = 0; i < entries->elements; ++i) out.entries.push_back(parse_entry("XAUTOCLAIM", entries->element[i]));
  if (r->elements >= 3 && r->element[2]->type == REDIS_REPLY_ARRAY)
    for (size_t i = 0; i < r->element[2]->elements; ++i)
      if (is_text(r->element[2]->element[i])) out.deleted.push_back(text(r->element[2]->element[i]));
  return out;
}

std::optional<int64_t> parse_pending_count(const redisReply* r, const std::string& id) {
  if (r == nullptr || r->type != REDIS_REPLY_ARRAY) unexpected("XPENDING", r);
  for (size_t i = 0; i < r->elements; ++i) {
    const redisReply* e = r->element[i];
    // [id, consumer, idle ms, delivery count]
    if (e->type != REDIS_REPLY_ARRAY || e->elements != 4 || !is_text(e->element[0]) ||
        e->element[3]->type != REDIS_REPLY_INTEGER)
      unexpected("XPENDING", r);
    if (text(e->element[0]) == id) return e->element[3]->integer;
  }
  return std::nullopt;
}

std::optional<GroupInfo> parse_group_info(const redisReply* r, const std::string& group) {
  if (r == nullptr || r->type != REDIS_REPLY_ARRAY) unexpected("XINFO GROUPS", r);
  for (size_t g = 0; g < r->elements; ++g) {
    const redisReply* kv = r->element[g];
    if (kv->type != REDIS_REPLY_ARRAY || kv->elements % 2 != 0) unexpected("XINFO GROUPS", r);
    GroupInfo info;
    bool ours = false;
    for (size_t i = 0; i < kv->elements; i += 2) {
      if (!is_text(kv->element[i])) unexpected("XINFO GROUPS", r);
      const std::string key = text(kv->element[i]);
      const redisReply* v = kv->element[i + 1];
      if (key == "name") ours = is_text(v) && text(v) == group;
      else if (key == "pending" && v->type == REDIS_REPLY_INTEGER) info.pending = v->integer;
      else if (key == "lag" && v->type == REDIS_REPLY_INTEGER) info.lag = v->integer;
    }
    if (ours) return info;
  }
  return std::nullopt;
}

}  // namespace trestle_redis
