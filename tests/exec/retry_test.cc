#include "exec/retry.h"

#include <gtest/gtest.h>

namespace trestle::core {
namespace {

RetrySettings Fast(int attempts) {
  RetrySettings p;
  p.max_attempts = attempts;
  p.initial_backoff_ms = 1;
  p.max_backoff_ms = 4;
  p.jitter = 0.5;
  return p;
}

TEST(Retry, BackoffGrowsExponentiallyWithinJitterAndCap) {
  RetrySettings p;
  p.initial_backoff_ms = 100;
  p.multiplier = 2;
  p.max_backoff_ms = 1000;
  p.jitter = 0.2;
  std::mt19937_64 rng(7);
  for (int i = 0; i < 200; ++i) {
    auto first = Backoff(p, 2, rng).count();
    EXPECT_GE(first, 80);
    EXPECT_LE(first, 120);
    auto third = Backoff(p, 4, rng).count();  // 100 * 2^2
    EXPECT_GE(third, 320);
    EXPECT_LE(third, 480);
    auto capped = Backoff(p, 20, rng).count();
    EXPECT_GE(capped, 800);
    EXPECT_LE(capped, 1200);
  }
}

TEST(Retry, RetriesRetryableCodesUntilSuccess) {
  int calls = 0, retries = 0;
  Status st = RunWithRetry(
      Fast(5), [&] { return ++calls < 3 ? Unavailable("down") : Status::Ok(); }, [] { return false; },
      [&](const Status&, int) { ++retries; });
  EXPECT_TRUE(st.ok());
  EXPECT_EQ(calls, 3);
  EXPECT_EQ(retries, 2);
}

TEST(Retry, GivesUpAfterMaxAttemptsAndSaysSo) {
  int calls = 0;
  Status st = RunWithRetry(
      Fast(3), [&] { return ++calls, Status(Code::kDeadlineExceeded, "slow"); }, [] { return false; },
      [](const Status&, int) {});
  EXPECT_EQ(calls, 3);
  EXPECT_EQ(st.code(), Code::kDeadlineExceeded);
  EXPECT_EQ(st.message(), "after 3 attempts: slow");
}

TEST(Retry, NeverRetriesDataOrInternalErrors) {
  for (Code c : {Code::kDataError, Code::kInternal, Code::kInvalidArgument}) {
    int calls = 0;
    Status st = RunWithRetry(
        Fast(5), [&] { return ++calls, Status(c, "no"); }, [] { return false; }, [](const Status&, int) {});
    EXPECT_EQ(calls, 1);
    EXPECT_EQ(st.message(), "no");
  }
}

TEST(Retry, StopsWhenAskedTo) {
  int calls = 0;
  Status st = RunWithRetry(
      Fast(100), [&] { return ++calls, Unavailable("down"); }, [&] { return calls >= 2; },
      [](const Status&, int) {});
  EXPECT_EQ(calls, 2);
  EXPECT_FALSE(st.ok());
}

}  // namespace
}  // namespace trestle::core
