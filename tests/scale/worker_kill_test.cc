// Scale-out end to end (label scale): several `trestle run` workers, each a consumer of
// one Redis consumer group, copy a stream of numbered messages into another stream.
// What is checked is the at-least-once contract of docs/scale-out.md:
//   - a worker killed with SIGKILL at a random point loses nothing: every message
//     reaches the output at least once, and the group has nothing pending at the end;
//   - the duplicates are exactly what the killed worker had read and not yet
//     acknowledged (its pending entries at the kill), never more;
//   - a Redis restart mid-run (SHUTDOWN NOSAVE with AOF, then start) is survived by the
//     workers, which reconnect and finish with nothing lost.
// The server is a real redis-server (redis_server.h); the workers are the real executable.

#include <signal.h>

#include <chrono>
#include <cstdlib>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "cli_fixture.h"
#include "redis_server.h"
#include "../sanitized_build.h"

namespace trestle::scaletest {
namespace {

using clitest::Contains;
using clitest::Process;
using clitest::ProcessOptions;
using clitest::ProcessResult;
using namespace std::chrono_literals;

// Sanitizer builds run fewer and smaller rounds: the same checks, in CI's time.
constexpr bool kSanitized = testing_support::kSanitizedBuild;
constexpr int kMessages = kSanitized ? 30'000 : 200'000;

class ScaleTest : public clitest::CliTest {
 protected:
  void SetUp() override {
    CliTest::SetUp();
    std::string error;
    redis_ = RedisServer::Create(&error);
    ASSERT_TRUE(redis_) << error;
  }

  /// XADDs messages id = 0 .. n-1 (x = id / 2) to stream "in", pipelined.
  void Fill(int n) {
    constexpr int kChunk = 5000;
    for (int first = 0; first < n; first += kChunk) {
      std::vector<std::vector<std::string>> commands;
      for (int i = first; i < std::min(n, first + kChunk); ++i)
        commands.push_back({"XADD", "in", "*", "id", std::to_string(i), "x", std::to_string(i / 2.0)});
      for (const RedisValue& r : redis_->Pipeline(commands)) ASSERT_FALSE(r.is_error()) << r.ToString();
    }
    redis_->Must({"XGROUP", "CREATE", "in", "workers", "0"});
  }

  /// The worker pipeline: "in" (group "workers", consumer ${WORKER}) to "out".
  void WritePipeline() {
    Write("p.yaml", "pipeline: copy\nnodes:\n"
                    "  - name: in\n    type: redis_stream_source\n    options:\n"
                    "      address: " + redis_->address() + "\n"
                    "      stream: in\n      group: workers\n      consumer: ${WORKER}\n"
                    "      schema: {id: int64, x: float64}\n"
                    "      block_ms: 200\n      claim_idle_ms: 2000\n      stop_when_idle_ms: 5000\n"
                    "  - name: out\n    type: redis_stream_sink\n    inputs: [in]\n"
                    "    options: {address: " + redis_->address() + ", stream: out}\n"
                    "execution: {batch_rows: 500, max_inflight_batches: 2, commit_every_batches: 1}\n");
  }

  std::unique_ptr<Process> StartWorker(int i) {
    ProcessOptions options;
    options.env["WORKER"] = "w" + std::to_string(i);
    options.timeout = 600s;
    const std::string state = "state-w" + std::to_string(i);
    return StartTrestle({"run", "p.yaml", "--state-dir", state, "--run-dir", "run-w" + std::to_string(i)}, options);
  }

  /// How many times each id is in stream "out".
  std::map<long long, int> OutputIds() const {
    std::map<long long, int> seen;
    std::string from = "-";
    for (;;) {
      RedisValue r = redis_->Must({"XRANGE", "out", from, "+", "COUNT", "10000"});
      if (r.elements.empty()) break;
      for (const RedisValue& entry : r.elements) {
        const std::vector<RedisValue>& fields = entry.elements.at(1).elements;
        for (size_t f = 0; f + 1 < fields.size(); f += 2)
          if (fields[f].str == "id") ++seen[std::atoll(fields[f + 1].str.c_str())];
      }
      from = "(" + r.elements.back().elements.at(0).str;
    }
    return seen;
  }

  /// Pending entries of the group, in all, or of one consumer.
  long long Pending(const std::string& consumer = "") const {
    RedisValue r = consumer.empty() ? redis_->Must({"XPENDING", "in", "workers"})
                                    : redis_->Must({"XPENDING", "in", "workers", "-", "+", "1000000", consumer});
    return consumer.empty() ? r.elements.at(0).integer : static_cast<long long>(r.elements.size());
  }

  /// Every id 0..n-1 at least once; returns the number of extra copies.
  int64_t ExpectEveryIdOnceOrMore(int n) const {
    const std::map<long long, int> seen = OutputIds();
    int64_t missing = 0, duplicates = 0;
    for (long long id = 0; id < n; ++id) {
      auto it = seen.find(id);
      if (it == seen.end()) ++missing;
      else duplicates += it->second - 1;
    }
    EXPECT_EQ(missing, 0) << "messages lost";
    EXPECT_EQ(static_cast<long long>(seen.size()), n) << "ids that were never sent";
    return duplicates;
  }

  std::unique_ptr<RedisServer> redis_;
};

class WorkerKillTest : public ScaleTest, public ::testing::WithParamInterface<int> {};

TEST_P(WorkerKillTest, AKilledWorkerLosesNothingAndOnlyItsUnackedEntriesRepeat) {
  const int seed = GetParam();
  std::mt19937 rng(static_cast<uint32_t>(seed));
  const int victim = std::uniform_int_distribution<int>(0, 2)(rng);
  const double kill_at = std::uniform_real_distribution<double>(0.05, 0.8)(rng);
  Fill(kMessages);
  WritePipeline();

  std::vector<std::unique_ptr<Process>> workers;
  for (int i = 0; i < 3; ++i) {
    workers.push_back(StartWorker(i));
    ASSERT_TRUE(workers.back());
  }
  // The kill comes once that share of the messages is out.
  const auto deadline = std::chrono::steady_clock::now() + 300s;
  while (redis_->Int({"XLEN", "out"}) < static_cast<long long>(kill_at * kMessages)) {
    ASSERT_TRUE(workers[victim]->Running()) << "worker " << victim << " ended before the kill: "
                                           << workers[victim]->Wait().Describe();
    ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "no progress";
    std::this_thread::sleep_for(5ms);
  }
  workers[victim]->Signal(SIGKILL);
  ProcessResult killed = workers[victim]->Wait();
  EXPECT_EQ(killed.term_signal, SIGKILL) << killed.Describe();
  // What it read and did not acknowledge: the only entries that may be delivered twice.
  const long long unacked = Pending("w" + std::to_string(victim));

  for (int i = 0; i < 3; ++i) {
    if (i == victim) continue;
    ProcessResult r = workers[i]->Wait();
    EXPECT_EXIT_CODE(r, 0);
    EXPECT_TRUE(Contains(r.err, "end of input")) << r.err;
  }
  EXPECT_EQ(Pending(), 0) << "entries left pending in the group";
  const int64_t duplicates = ExpectEveryIdOnceOrMore(kMessages);
  EXPECT_LE(duplicates, unacked) << "more duplicates than the killed worker had unacknowledged";
  RecordProperty("kill_at_share", std::to_string(kill_at));
  RecordProperty("unacked_at_kill", std::to_string(unacked));
  RecordProperty("duplicates", std::to_string(duplicates));
  std::cout << "seed " << seed << ": killed worker " << victim << " at " << static_cast<int>(kill_at * 100)
            << "% with " << unacked << " entries unacknowledged; " << duplicates << " duplicates\n";
}

INSTANTIATE_TEST_SUITE_P(Seeds, WorkerKillTest,
                         ::testing::Range(1, kSanitized ? 4 : 11),
                         [](const ::testing::TestParamInfo<int>& p) { return "seed" + std::to_string(p.param); });

TEST_F(ScaleTest, WorkersSurviveARedisRestartMidRun) {
  const int n = kMessages / 2;
  Fill(n);
  WritePipeline();
  std::vector<std::unique_ptr<Process>> workers;
  for (int i = 0; i < 2; ++i) {
    workers.push_back(StartWorker(i));
    ASSERT_TRUE(workers.back());
  }
  const auto deadline = std::chrono::steady_clock::now() + 300s;
  while (redis_->Int({"XLEN", "out"}) < n / 3) {
    ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "no progress";
    std::this_thread::sleep_for(5ms);
  }
  std::string error;
  ASSERT_TRUE(redis_->Stop(&error)) << error;  // SHUTDOWN NOSAVE; the AOF keeps everything
  std::this_thread::sleep_for(1s);
  ASSERT_TRUE(redis_->Start(&error)) << error;

  // A worker between two commands at the restart may not notice it at all; the restart
  // happened mid-run, so at least one of them does.
  std::string logs;
  for (auto& w : workers) {
    ProcessResult r = w->Wait();
    EXPECT_EXIT_CODE(r, 0);
    logs += r.err;
  }
  EXPECT_TRUE(Contains(logs, "connection lost")) << "no worker noticed the restart: " << logs;
  EXPECT_EQ(Pending(), 0) << "entries left pending in the group";
  ExpectEveryIdOnceOrMore(n);
}

}  // namespace
}  // namespace trestle::scaletest
