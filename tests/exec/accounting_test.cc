#include "exec/accounting.h"

#include <gtest/gtest.h>

namespace trestle::core {
namespace {

// src -> a -> sink1, src -> b -> sink1 (a diamond), src -> sink2.
RowAccounting Diamond() {
  return RowAccounting({"src", "a", "b", "sink1", "sink2"}, {{1, 2, 4}, {3}, {3}, {}, {}},
                       {true, false, false, false, false}, {false, false, false, true, true});
}

TEST(RowAccounting, BalancesAStraightPath) {
  RowAccounting acc({"src", "t", "sink"}, {{1}, {2}, {}}, {true, false, false}, {false, false, true});
  acc.AddRead(0, 100);
  acc.AddDeadLettered(0, 1, 3);
  acc.AddFiltered(0, 1, 7);
  acc.AddReached(0, 2, 90);
  ASSERT_EQ(acc.Balance().size(), 1u);
  EXPECT_TRUE(acc.Balanced());
  acc.AddReached(0, 2, 1);  // one row too many arrives
  EXPECT_FALSE(acc.Balanced());
}

TEST(RowAccounting, CountsEveryPathOfADiamond) {
  RowAccounting acc = Diamond();
  acc.AddRead(0, 10);
  acc.AddFiltered(0, 1, 4);      // a drops 4 of its copy
  acc.AddReached(0, 3, 6 + 10);  // sink1 gets 6 via a and 10 via b
  acc.AddReached(0, 4, 10);
  auto b = acc.Balance();
  ASSERT_EQ(b.size(), 2u);
  EXPECT_EQ(b[0].paths, 2);
  EXPECT_TRUE(b[0].balanced);
  EXPECT_TRUE(b[1].balanced);
  EXPECT_TRUE(acc.ToJson()["balanced"].get<bool>());
}

TEST(RowAccounting, RowsLostAtTheSourceCountOnEveryPath) {
  RowAccounting acc = Diamond();
  acc.AddRead(0, 12);
  acc.AddDeadLettered(0, 0, 2);  // two malformed records never became rows
  acc.AddReached(0, 3, 20);
  acc.AddReached(0, 4, 10);
  EXPECT_TRUE(acc.Balanced());
  EXPECT_EQ(acc.TotalDeadLettered(), 2);
}

TEST(RowAccounting, ALossOnAnotherBranchDoesNotCount) {
  RowAccounting acc = Diamond();
  acc.AddRead(0, 10);
  acc.AddSkipped(0, 1, 10);  // a skips everything: sink2 must still get all 10
  acc.AddReached(0, 3, 10);
  acc.AddReached(0, 4, 9);
  auto b = acc.Balance();
  EXPECT_TRUE(b[0].balanced);
  EXPECT_FALSE(b[1].balanced);
}

}  // namespace
}  // namespace trestle::core
