#pragma once
// Stream entries as the source sees them, and the parsing of the replies that carry
// them (XREADGROUP, XAUTOCLAIM) or describe them (XPENDING, XINFO GROUPS). hiredis 0.14
// speaks RESP2 only, so every reply is made of arrays, strings, integers and nil.

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <hiredis/hiredis.h>

namespace trestle_redis {

struct StreamEntry {
  std::string id;
  std::vector<std::pair<std::string, std::string>> fields;
  /// Still pending in the group but deleted from the stream (XDEL, MAXLEN): nothing to
  /// deliver, only to acknowledge.
  bool deleted = false;
  /// How many times the group delivered it (1 for a new entry; XPENDING's count for a
  /// re-read or claimed one).
  int64_t deliveries = 1;

  /// The fields as a JSON object of strings, in stream order (a dead letter's record).
  std::string fields_json() const;
};

/// Appends the entries of an XREADGROUP reply (nil when BLOCK timed out) to `out`.
/// Throws trestle::Internal on a reply of another shape.
void parse_read_reply(const redisReply* r, std::vector<StreamEntry>* out);

/// XAUTOCLAIM's reply: the cursor to continue from ("0-0" once the whole pending list
/// was scanned), the claimed entries, and (Redis 7) the ids it dropped from the pending
/// list because their entries no longer exist.
struct ClaimReply {
  std::string cursor;
  std::vector<StreamEntry> entries;
  std::vector<std::string> deleted;
};
ClaimReply parse_claim_reply(const redisReply* r);

/// The delivery count of `id` from an XPENDING key group id id 1 reply; nullopt when
/// the entry is not pending (any more).
std::optional<int64_t> parse_pending_count(const redisReply* r, const std::string& id);

/// One group of an XINFO GROUPS reply.
struct GroupInfo {
  int64_t pending = 0;         ///< entries delivered and not acknowledged (XPENDING's count)
  std::optional<int64_t> lag;  ///< Redis 7: entries not yet delivered; absent when unknown
};
/// The group named `group`, or nullopt when the stream has no such group.
std::optional<GroupInfo> parse_group_info(const redisReply* r, const std::string& group);

}  // namespace trestle_redis
