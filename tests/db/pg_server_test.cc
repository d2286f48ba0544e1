// The PostgreSQL harness itself: a cluster starts, runs SQL, stops, starts again on the
// same port with its data, survives a kill, and its directory goes with it.
#include <unistd.h>

#include <filesystem>

#include <gtest/gtest.h>

#include "pg_server.h"

namespace trestle::dbtest {
namespace {

TEST(PgServerTest, StartsStopsRestartsKeepsDataAndCleansUp) {
  std::string err, dir;
  {
    std::unique_ptr<PgServer> s = PgServer::Create(&err);
    ASSERT_TRUE(s != nullptr) << err;
    dir = s->dir();
    const int port = s->port();
    EXPECT_EQ(s->Exec("CREATE TABLE t (x int); INSERT INTO t VALUES (1), (2); SELECT sum(x) FROM t"), "3");
    ASSERT_TRUE(s->Stop(&err)) << err;
    EXPECT_FALSE(s->TryExec("SELECT 1").ok);
    ASSERT_TRUE(s->Start(&err)) << err;
    EXPECT_EQ(s->port(), port);
    EXPECT_EQ(s->Exec("SELECT count(*) FROM t"), "2");
    s->Kill();
    EXPECT_FALSE(s->running());
    ASSERT_TRUE(s->Start(&err)) << err;
    EXPECT_EQ(s->Exec("SELECT count(*) FROM t"), "2");
    SqlResult bad = s->TryExec("SELECT * FROM missing");
    EXPECT_FALSE(bad.ok);
    EXPECT_NE(bad.error.find("42P01"), std::string::npos) << bad.error;
  }
  EXPECT_FALSE(std::filesystem::exists(dir)) << dir << " was left behind";
}

}  // namespace
}  // namespace trestle::dbtest
