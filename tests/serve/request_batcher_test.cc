// RequestBatcher: how requests become engine batches (size, delay, preference), how the
// rows that come back are split by request, and what happens at the door (full, too
// large, closed) and past a deadline.
#include "serve/request_batcher.h"

#include <future>
#include <thread>

#include <gtest/gtest.h>

namespace trestle::core {
namespace {

using std::chrono::milliseconds;

trestle::Schema XSchema() { return trestle::Schema({{"x", trestle::Type::Int64}}); }

// A request of rows x = first .. first + n - 1 whose result lands in `out`.
std::shared_ptr<PendingRequest> Request(const std::string& id, int64_t first, int64_t n,
                                        std::promise<RequestResult>* out) {
  trestle::ColumnBuilder b(trestle::Type::Int64);
  for (int64_t i = 0; i < n; ++i) b.append_i64(first + i);
  auto r = std::make_shared<PendingRequest>();
  r->id = id;
  r->rows = trestle::Batch(XSchema(), {b.finish()});
  r->done = [out](RequestResult result) { out->set_value(std::move(result)); };
  return r;
}

std::vector<int64_t> Xs(const trestle::Batch& b) {
  std::vector<int64_t> v;
  for (int64_t i = 0; i < b.num_rows(); ++i) v.push_back(b.column("x").i64(i));
  return v;
}

// The identity origin of a batch of n rows.
RowOrigin Identity(int64_t n) {
  RowOrigin o;
  for (int32_t i = 0; i < static_cast<int32_t>(n); ++i) o.rows.push_back(i);
  return o;
}

TEST(RequestBatcherTest, RequestsWaitingTogetherLeaveAsOneBatchAndComeBackSplit) {
  BatchingSettings s;
  s.max_batch_rows = 100;
  s.max_queue_delay_us = 1'000'000;  // only the preferred size dispatches
  s.preferred_batch_rows = 5;
  // Declared before the batcher: its destructor answers what still waits.
  std::promise<RequestResult> a, b;
  RequestBatcher batcher(s);
  ASSERT_EQ(batcher.Submit(Request("a", 10, 2, &a)), RequestBatcher::Admit::kQueued);
  ASSERT_EQ(batcher.Submit(Request("b", 20, 3, &b)), RequestBatcher::Admit::kQueued);
  std::optional<trestle::Batch> batch = batcher.NextBatch(0);
  ASSERT_TRUE(batch.has_value());
  EXPECT_EQ(Xs(*batch), (std::vector<int64_t>{10, 11, 20, 21, 22}));
  EXPECT_EQ(batcher.RequestIdOf(0, 1), "a");
  EXPECT_EQ(batcher.RequestIdOf(0, 2), "b");
  batcher.ModelServed(0, "score", "7");
  // The response node sees the rows reordered, one refused on the way.
  auto rows = std::make_shared<const trestle::Batch>(*batch);
  RowOrigin origin;
  origin.rows = {4, 3, 0, 2};  // engine rows; row 1 (a's second) was refused
  batcher.Refused(0, "check", {{1, Code::kDataError, "bad x"}});
  batcher.Respond(0, rows, origin);
  batcher.BatchDone(0);
  RequestResult ra = a.get_future().get(), rb = b.get_future().get();
  ASSERT_EQ(ra.kind, RequestResult::Kind::kAnswered);
  ASSERT_EQ(ra.rows.size(), 2u);
  EXPECT_EQ(ra.rows[0].row, 2);  // engine row 0 is response row 2
  EXPECT_EQ(ra.rows[1].batch, nullptr);
  EXPECT_EQ(ra.rows[1].node, "check");
  EXPECT_EQ(ra.rows[1].code, "DATA_ERROR");
  EXPECT_EQ(ra.rows[1].reason, "bad x");
  ASSERT_EQ(rb.rows.size(), 3u);
  EXPECT_EQ(rb.rows[0].row, 3);  // engine row 2
  EXPECT_EQ(rb.rows[1].row, 1);  // engine row 3
  EXPECT_EQ(rb.rows[2].row, 0);  // engine row 4
  EXPECT_EQ(rb.model_version, "7");
  EXPECT_EQ(rb.batch_rows, 5);
  EXPECT_EQ(batcher.Outstanding(), 0);
}

TEST(RequestBatcherTest, ABatchHoldsWholeRequestsUpToMaxRows) {
  BatchingSettings s;
  s.max_batch_rows = 4;
  s.max_queue_delay_us = 0;
  // Declared before the batcher: its destructor answers what still waits.
  std::promise<RequestResult> p[3];
  std::promise<RequestResult> big;
  RequestBatcher batcher(s);
  batcher.Submit(Request("a", 0, 3, &p[0]));
  batcher.Submit(Request("b", 10, 2, &p[1]));  // 3 + 2 > 4: next batch
  batcher.Submit(Request("c", 20, 2, &p[2]));
  EXPECT_EQ(Xs(*batcher.NextBatch(0)), (std::vector<int64_t>{0, 1, 2}));
  EXPECT_EQ(Xs(*batcher.NextBatch(1)), (std::vector<int64_t>{10, 11, 20, 21}));
  EXPECT_EQ(batcher.Submit(Request("big", 0, 5, &big)), RequestBatcher::Admit::kTooLarge);
}

TEST(RequestBatcherTest, TheOldestRequestWaitsAtMostTheQueueDelay) {
  BatchingSettings s;
  s.max_batch_rows = 1000;
  s.max_queue_delay_us = 20'000;
  // Declared before the batcher: its destructor answers what still waits.
  std::promise<RequestResult> a;
  RequestBatcher batcher(s);
  batcher.Submit(Request("a", 0, 1, &a));
  // Nobody else comes: after the delay, the one request leaves alone.
  std::optional<trestle::Batch> batch = batcher.NextBatch(0);
  ASSERT_TRUE(batch.has_value());
  EXPECT_EQ(batch->num_rows(), 1);
}

TEST(RequestBatcherTest, AFullQueueRefusesAtTheDoor) {
  BatchingSettings s;
  s.max_batch_rows = 4;
  s.max_queue_rows = 4;
  // Declared before the batcher: its destructor answers what still waits.
  std::promise<RequestResult> p[3];
  RequestBatcher batcher(s);
  EXPECT_EQ(batcher.Submit(Request("a", 0, 3, &p[0])), RequestBatcher::Admit::kQueued);
  EXPECT_EQ(batcher.Submit(Request("b", 0, 2, &p[1])), RequestBatcher::Admit::kFull);
  EXPECT_EQ(batcher.Submit(Request("c", 0, 1, &p[2])), RequestBatcher::Admit::kQueued);
  EXPECT_EQ(batcher.QueuedRows(), 4);
}

TEST(RequestBatcherTest, AnExpiredRequestIsAnsweredAndNeverDispatched) {
  BatchingSettings s;
  s.max_batch_rows = 10;
  s.max_queue_delay_us = 0;
  // Declared before the batcher: its destructor answers what still waits.
  std::promise<RequestResult> late, fine;
  RequestBatcher batcher(s);
  auto r = Request("late", 0, 1, &late);
  r->deadline = std::chrono::steady_clock::now() + milliseconds(30);
  batcher.Submit(r);
  // Nobody takes a batch (the engine is busy): the expiry thread answers it.
  RequestResult result = late.get_future().get();
  EXPECT_EQ(result.kind, RequestResult::Kind::kExpired);
  EXPECT_GE(result.queue_seconds, 0.03);
  batcher.Submit(Request("fine", 5, 1, &fine));
  EXPECT_EQ(Xs(*batcher.NextBatch(0)), (std::vector<int64_t>{5}));  // not the expired one
}

TEST(RequestBatcherTest, CloseDispatchesWhatWaitsThenEndsTheStream) {
  BatchingSettings s;
  s.max_batch_rows = 10;
  s.max_queue_delay_us = 10'000'000;
  // Declared before the batcher: its destructor answers what still waits.
  std::promise<RequestResult> a, b;
  RequestBatcher batcher(s);
  batcher.Submit(Request("a", 0, 1, &a));
  batcher.Close();
  EXPECT_EQ(batcher.Submit(Request("b", 0, 1, &b)), RequestBatcher::Admit::kClosed);
  EXPECT_EQ(batcher.NextBatch(0)->num_rows(), 1);  // no waiting for company once closed
  EXPECT_FALSE(batcher.NextBatch(1).has_value());
}

TEST(RequestBatcherTest, AbortAnswersTheQueuedAndWakesTheEngine) {
  BatchingSettings s;
  // Declared before the batcher: its destructor answers what still waits.
  std::promise<RequestResult> a;
  RequestBatcher batcher(s);
  auto next = std::async(std::launch::async, [&] { return batcher.NextBatch(0); });
  std::this_thread::sleep_for(milliseconds(20));
  batcher.Abort("stopping");
  EXPECT_FALSE(next.get().has_value());
  EXPECT_EQ(batcher.Submit(Request("a", 0, 1, &a)), RequestBatcher::Admit::kClosed);
}

TEST(RequestBatcherTest, RowsOfAFailedRunAreAnsweredWithTheFailure) {
  BatchingSettings s;
  s.max_queue_delay_us = 0;
  // Declared before the batcher: its destructor answers what still waits.
  std::promise<RequestResult> a;
  RequestBatcher batcher(s);
  batcher.set_failure_probe([] { return std::optional<std::string>("the pipeline failed: boom"); });
  batcher.Submit(Request("a", 0, 2, &a));
  ASSERT_TRUE(batcher.NextBatch(0).has_value());
  batcher.BatchDone(0);  // nothing came back
  RequestResult r = a.get_future().get();
  EXPECT_EQ(r.kind, RequestResult::Kind::kFailed);
  EXPECT_EQ(r.error, "the pipeline failed: boom");
}

TEST(RequestBatcherTest, RowsOfALostOriginAreErrorsNotOtherRowsAnswers) {
  BatchingSettings s;
  s.max_queue_delay_us = 0;
  // Declared before the batcher: its destructor answers what still waits.
  std::promise<RequestResult> a;
  RequestBatcher batcher(s);
  batcher.Submit(Request("a", 0, 3, &a));
  std::optional<trestle::Batch> batch = batcher.NextBatch(0);
  RowOrigin lost;
  lost.lost_at = "keep_some";
  batcher.Respond(0, std::make_shared<const trestle::Batch>(*batch), lost);
  batcher.BatchDone(0);
  RequestResult r = a.get_future().get();
  ASSERT_EQ(r.kind, RequestResult::Kind::kAnswered);
  for (const RowOutcome& o : r.rows) {
    EXPECT_EQ(o.batch, nullptr);
    EXPECT_EQ(o.node, "keep_some");
    EXPECT_EQ(o.code, "NOT_ANSWERED");
  }
}

TEST(RequestBatcherTest, ManyThreadsSubmittingWhileTheEngineTakesBatches) {
  BatchingSettings s;
  s.max_batch_rows = 16;
  s.max_queue_rows = 1 << 20;
  s.max_queue_delay_us = 100;
  RequestBatcher batcher(s);
  constexpr int kThreads = 8, kEach = 200;
  std::vector<std::promise<RequestResult>> results(kThreads * kEach);
  std::thread engine([&] {
    for (uint64_t seq = 0;; ++seq) {
      std::optional<trestle::Batch> b = batcher.NextBatch(seq);
      if (!b) return;
      batcher.Respond(seq, std::make_shared<const trestle::Batch>(*b), Identity(b->num_rows()));
      batcher.BatchDone(seq);
    }
  });
  std::vector<std::thread> clients;
  for (int t = 0; t < kThreads; ++t)
    clients.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        const int k = t * kEach + i;
        batcher.Submit(Request(std::to_string(k), k * 10, 1 + k % 3, &results[static_cast<size_t>(k)]));
      }
    });
  for (auto& c : clients) c.join();
  for (int k = 0; k < kThreads * kEach; ++k) {
    RequestResult r = results[static_cast<size_t>(k)].get_future().get();
    ASSERT_EQ(r.rows.size(), static_cast<size_t>(1 + k % 3));
    for (size_t i = 0; i < r.rows.size(); ++i)
      EXPECT_EQ(r.rows[i].batch->column("x").i64(r.rows[i].row), k * 10 + static_cast<int64_t>(i));
  }
  batcher.Close();
  engine.join();
}

}  // namespace
}  // namespace trestle::core
