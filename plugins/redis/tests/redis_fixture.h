#pragma once
// The fixture of the redis plugin's tests: one real redis-server per test process
// (tests/scale/redis_server.h), started by the first test and stopped after the last; a
// server that cannot start fails every test with the reason, nothing is skipped. Tests
// that stop, kill or reconfigure a server start their own.
//
// hiredis writes to sockets with write(2), so a server that went away raises SIGPIPE;
// the runtime ignores it (runtime/process_start.h), and so does this fixture.

#include <signal.h>

#include <cctype>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <trestle/sdk.hpp>
#include <trestle/testing.hpp>

#include "redis_server.h"

namespace trestle_redis::testing {

using trestle::scaletest::RedisServer;
using trestle::scaletest::RedisValue;

class RedisTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    ::signal(SIGPIPE, SIG_IGN);
    if (!server_) server_ = RedisServer::Create(&error_);
  }
  static void TearDownTestSuite() { server_.reset(); }
  void SetUp() override { ASSERT_TRUE(server_ != nullptr) << "cannot start redis-server: " << error_; }

  RedisServer& server() { return *server_; }
  /// A key unique to the running test.
  static std::string Key(const std::string& suffix = "") {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    return std::string(info->test_suite_name()) + "." + info->name() + (suffix.empty() ? "" : "." + suffix);
  }
  /// Options every operator of a test shares: this server, short reconnect limits.
  static trestle::Options Connect(const RedisServer& s) {
    return trestle::Options()
        .set("address", s.address())
        .set("reconnect_timeout_s", 20.0)
        .set("command_timeout_ms", int64_t{5000});
  }

  static inline std::unique_ptr<RedisServer> server_;
  static inline std::string error_;
};

/// The batches that have rows: an idle source hands over empty batches while earlier
/// ones wait for their ack.
inline std::vector<trestle::Batch> NonEmpty(std::vector<trestle::Batch> all) {
  std::vector<trestle::Batch> out;
  for (auto& b : all)
    if (b.num_rows() > 0) out.push_back(std::move(b));
  return out;
}

/// XADD key * field value ... for each entry; returns the ids.
inline std::vector<std::string> AddEntries(const RedisServer& s, const std::string& stream,
                                           const std::vector<std::vector<std::string>>& entries) {
  std::vector<std::vector<std::string>> cmds;
  for (const auto& fields : entries) {
    std::vector<std::string> cmd = {"XADD", stream, "*"};
    cmd.insert(cmd.end(), fields.begin(), fields.end());
    cmds.push_back(cmd);
  }
  std::vector<std::string> ids;
  for (const RedisValue& v : s.Pipeline(cmds)) {
    EXPECT_FALSE(v.is_error()) << v.str;
    ids.push_back(v.str);
  }
  return ids;
}

/// The number of entries pending in the group (XPENDING's summary count).
inline long long Pending(const RedisServer& s, const std::string& stream, const std::string& group,
                         const std::string& consumer = "") {
  if (consumer.empty()) {
    RedisValue v = s.Must({"XPENDING", stream, group});
    return v.elements.empty() ? -1 : v.elements[0].integer;
  }
  return static_cast<long long>(s.Must({"XPENDING", stream, group, "-", "+", "100000", consumer}).elements.size());
}

/// The ids of the entries pending in the group, in id order.
inline std::vector<std::string> PendingIds(const RedisServer& s, const std::string& stream, const std::string& group) {
  std::vector<std::string> ids;
  for (const RedisValue& e : s.Must({"XPENDING", stream, group, "-", "+", "100000"}).elements) ids.push_back(e.elements[0].str);
  return ids;
}

}  // namespace trestle_redis::testing
