// The harness and the session layer against a real server: connecting (and failing to,
// with retries and a clear message), deadlines with server-side cancellation, and
// restarting the server under a session.
#include <chrono>

#include "pg_fixture.h"
#include "pg_session.h"

namespace trestle_pg::testing {
namespace {

using SessionTest = PgTest;

TEST_F(SessionTest, HarnessRunsSqlAndRestarts) {
  EXPECT_EQ(Sql("SELECT 1 + 1"), "2");
  std::string err;
  ASSERT_TRUE(server().Stop(&err)) << err;
  EXPECT_FALSE(server().TryExec("SELECT 1").ok);
  ASSERT_TRUE(server().Start(&err)) << err;
  EXPECT_EQ(Sql("SELECT 'back'"), "back");
  server().Kill();
  EXPECT_FALSE(server().TryExec("SELECT 1").ok);
  ASSERT_TRUE(server().Start(&err)) << err;
  EXPECT_EQ(Sql("SELECT 'recovered'"), "recovered");
}

TEST_F(SessionTest, RefusedConnectionIsRetriedUntilTheDeadlineThenNamesHostAndPort) {
  const int port = trestle::dbtest::FreePort();  // nothing listens there
  const std::string ci = "host=127.0.0.1 port=" + std::to_string(port) + " dbname=x user=postgres password=hunter2";
  Endpoint ep = Endpoint::parse(ci, "conninfo");
  try {
    Session::connect(ci, ep, 0.6, nullptr);
    FAIL() << "connected to a port nobody listens on";
  } catch (const trestle::Unavailable& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("127.0.0.1:" + std::to_string(port)), std::string::npos) << m;
    EXPECT_NE(m.find("Connection refused"), std::string::npos) << m;
    EXPECT_NE(m.find("connect_deadline_s"), std::string::npos) << m;
    EXPECT_EQ(m.find("hunter2"), std::string::npos) << "the password leaked: " << m;
    // More than one attempt: the refusal was retried.
    EXPECT_EQ(m.find("after 1 attempt;"), std::string::npos) << m;
  }
}

TEST_F(SessionTest, UnknownDatabaseFailsAtOnceWithoutRetrying) {
  const std::string ci = server().ConnInfo("no_such_db");
  try {
    Session::connect(ci, Endpoint::parse(ci, "conninfo"), 30, nullptr);
    FAIL() << "connected to a database that does not exist";
  } catch (const trestle::InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("no_such_db"), std::string::npos) << e.what();
  }
}

TEST_F(SessionTest, AServerThatComesBackWithinTheDeadlineIsReached) {
  std::string err;
  ASSERT_TRUE(server().Stop(&err)) << err;
  std::thread restart([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(700));
    server().Start(&err);
  });
  auto s = Session::connect(conninfo(), Endpoint::parse(conninfo(), "conninfo"), 60, nullptr);
  restart.join();
  Result r = s->exec("SELECT 7", {}, "test", Deadline::never(), nullptr);
  EXPECT_STREQ(PQgetvalue(r.get(), 0, 0), "7");
}

TEST_F(SessionTest, StatementPastItsDeadlineIsCancelledAndTheSessionStaysUsable) {
  auto s = Session::connect(conninfo(), Endpoint::parse(conninfo(), "conninfo"), 10, nullptr);
  try {
    s->exec("SELECT pg_sleep(30)", {}, "sleeping", Deadline::in_ms(300, "statement_timeout_ms"), nullptr);
    FAIL() << "pg_sleep(30) returned within 300 ms";
  } catch (const trestle::DeadlineExceeded& e) {
    EXPECT_NE(std::string(e.what()).find("statement_timeout_ms"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("300 ms"), std::string::npos) << e.what();
  }
  // Cancelled on the server, not merely abandoned: nothing still sleeps.
  EXPECT_EQ(Sql("SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep(30)%' AND state = 'active'"),
            "0");
  ASSERT_TRUE(s->ok());
  Result r = s->exec("SELECT $1::int + 1", {"41"}, "test", Deadline::never(), nullptr);
  EXPECT_STREQ(PQgetvalue(r.get(), 0, 0), "42");
}

TEST_F(SessionTest, ServerErrorsNameEndpointSqlstateAndMessage) {
  auto s = Session::connect(conninfo(), Endpoint::parse(conninfo(), "conninfo"), 10, nullptr);
  try {
    s->exec("SELECT no_such_column FROM pg_class", {}, "reading", Deadline::never(), nullptr);
    FAIL();
  } catch (const trestle::InvalidArgument& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("127.0.0.1:" + std::to_string(server().port()) + "/postgres"), std::string::npos) << m;
    EXPECT_NE(m.find("42703"), std::string::npos) << m;
    EXPECT_NE(m.find("no_such_column"), std::string::npos) << m;
  }
}

TEST(EndpointTest, ParsesKeywordsAndUrisAndRefusesGarbageWithoutEchoingIt) {
  Endpoint a = Endpoint::parse("host=db.example port=6543 dbname=sales user=u password=secret", "conninfo");
  EXPECT_EQ(a.str(), "db.example:6543/sales");
  Endpoint b = Endpoint::parse("postgresql://u:secret@10.0.0.5:5433/insights", "conninfo");
  EXPECT_EQ(b.str(), "10.0.0.5:5433/insights");
  try {
    Endpoint::parse("host=x bogus_option=1", "conninfo");
    FAIL();
  } catch (const trestle::InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("option \"conninfo\""), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace trestle_pg::testing
