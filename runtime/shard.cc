#include "shard.h"

namespace trestle::cli {

namespace {

// A non-empty run of decimal digits, as a number no larger than kMaxShards; -1 when it
// is not one (a sign, a space, "0x", too many digits).
int SmallNumber(const std::string& s) {
  if (s.empty() || s.size() > 6) return -1;
  int v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return -1;
    v = v * 10 + (c - '0');
  }
  return v <= kMaxShards ? v : -1;
}

}  // namespace

std::string Shard::Text() const { return std::to_string(index) + "/" + std::to_string(count); }

core::Result<Shard> ParseShard(const std::string& text, const std::string& what) {
  auto bad = [&](const std::string& why) {
    return core::Status(core::Code::kInvalidArgument, what + " \"" + text + "\": " + why);
  };
  const size_t slash = text.find('/');
  if (slash == std::string::npos)
    return bad("write INDEX/COUNT, e.g. 0/3 for the first of three shards (INDEX counts from 0)");
  const int index = SmallNumber(text.substr(0, slash));
  const int count = SmallNumber(text.substr(slash + 1));
  if (index < 0 || count < 0)
    return bad("INDEX and COUNT must be whole numbers from 0 to " + std::to_string(kMaxShards) +
               " (INDEX/COUNT, e.g. 0/3; INDEX counts from 0, like Kubernetes' JOB_COMPLETION_INDEX)");
  if (count < 1) return bad("COUNT must be at least 1");
  if (index >= count)
    return bad("INDEX must be less than COUNT: the shards of " + std::to_string(count) + " are 0/" +
               std::to_string(count) + " to " + std::to_string(count - 1) + "/" + std::to_string(count));
  return Shard{index, count};
}

std::map<std::string, std::string> ShardVariables(const Shard& shard) {
  return {{"SHARD_INDEX", std::to_string(shard.index)}, {"SHARD_COUNT", std::to_string(shard.count)}};
}

}  // namespace trestle::cli
