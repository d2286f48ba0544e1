// What every redis operator shares: AUTH with an ACL user or a password, clear errors
// for wrong credentials, an unreachable server and tls: true, a unix socket and db.
#include "hash_sink.h"
#include "redis_fixture.h"
#include "stream_sink.h"
#include "stream_source.h"

namespace trestle_redis::testing {
namespace {

using trestle::StringList;
using trestle::StringMap;
using trestle::testing::BatchBuilder;

class ConnectionTest : public RedisTest {
 protected:
  trestle::Options SourceOpts(trestle::Options o) {
    return o.set("stream", Key())
        .set("group", std::string("g"))
        .set("create_group", true)
        .set("block_ms", int64_t{50})
        .set("stop_when_idle_ms", int64_t{200})
        .set("schema", StringMap{{"v", {"int64"}}});
  }
  static trestle::Schema Input() { return BatchBuilder().i64("k", {1}).i64("v", {2}).build().schema(); }
};

template <typename T>
std::optional<trestle::Error> OpenError(const trestle::Options& o, const trestle::Schema& input = trestle::Schema()) {
  return trestle::testing::open_error<T>(o, input);
}

TEST_F(ConnectionTest, AnAclUserAuthenticatesAndAWrongPasswordIsRefusedClearly) {
  server().Must({"ACL", "SETUSER", "trestle", "on", ">s3cret", "~*", "+@all"});
  trestle::Options good = Connect(server()).set("user", std::string("trestle")).set("password", std::string("s3cret"));
  {
    trestle::testing::Harness<StreamSource> src(SourceOpts(good));
    src.open();
    AddEntries(server(), Key(), {{"v", "5"}});
    auto batches = NonEmpty(src.drain(10));
    ASSERT_EQ(batches.size(), 1u);
    EXPECT_EQ(batches[0].column("v").i64(0), 5);
  }
  trestle::Options bad = Connect(server()).set("user", std::string("trestle")).set("password", std::string("wrong"));
  for (const auto& e : {OpenError<StreamSource>(SourceOpts(bad)),
                        OpenError<StreamSink>(trestle::Options(bad).set("stream", Key()), Input()),
                        OpenError<HashSink>(trestle::Options(bad).set("key", StringList{"k"}), Input())}) {
    ASSERT_TRUE(e);
    EXPECT_EQ(e->code(), TRESTLE_INVALID_ARGUMENT);
    const std::string m = e->what();
    EXPECT_NE(m.find("on redis " + server().address() + " refused AUTH for user \"trestle\": WRONGPASS"), std::string::npos) << m;
    EXPECT_NE(m.find("(check options user and password)"), std::string::npos) << m;
    EXPECT_EQ(m.find("wrong"), std::string::npos) << "the password must not appear: " << m;
  }
  // An ACL user without the stream commands: the refusal names the permission.
  server().Must({"ACL", "SETUSER", "reader", "on", ">pw", "~*", "+@all", "-xreadgroup"});
  trestle::testing::Harness<StreamSource> limited(
      SourceOpts(Connect(server()).set("user", std::string("reader")).set("password", std::string("pw"))));
  limited.open();
  try {
    limited.next(10);
    FAIL() << "expected NOPERM";
  } catch (const trestle::Error& e) {
    EXPECT_EQ(e.code(), TRESTLE_INVALID_ARGUMENT);
    EXPECT_NE(std::string(e.what()).find("NOPERM"), std::string::npos) << e.what();
  }
}

TEST_F(ConnectionTest, APasswordAloneAuthenticatesTheDefaultUser) {
  std::string error;
  trestle::scaletest::RedisConfig config;
  config.extra_args = {"--requirepass", "pw"};
  config.admin_password = "pw";
  std::unique_ptr<RedisServer> own = RedisServer::Create(&error, config);
  ASSERT_TRUE(own) << error;
  trestle::testing::Harness<StreamSink> sink(Connect(*own).set("stream", Key()).set("password", std::string("pw")));
  sink.open(Input());
  sink.write(BatchBuilder().i64("k", {1}).i64("v", {2}).build());
  EXPECT_EQ(own->Int({"XLEN", Key()}), 1);
  auto e = OpenError<StreamSink>(Connect(*own).set("stream", Key()), Input());
  ASSERT_TRUE(e);
  EXPECT_EQ(e->code(), TRESTLE_INVALID_ARGUMENT);
  EXPECT_NE(std::string(e->what()).find("requires authentication: NOAUTH"), std::string::npos) << e->what();
}

TEST_F(ConnectionTest, TlsIsRefusedAtValidateSayingWhy) {
  for (const auto& e : {OpenError<StreamSource>(SourceOpts(Connect(server()).set("tls", true))),
                        OpenError<HashSink>(Connect(server()).set("tls", true).set("key", StringList{"k"}), Input())}) {
    ASSERT_TRUE(e);
    EXPECT_EQ(e->code(), TRESTLE_INVALID_ARGUMENT);
    EXPECT_EQ(std::string(e->what()),
              "option \"tls\": TLS is not available: this plugin is built on Debian's hiredis 0.14.1, and hiredis 0.14 "
              "has no TLS (hiredis_ssl arrived in 1.0); connect through a local TLS tunnel (e.g. stunnel) or a unix "
              "socket and set tls: false");
  }
}

TEST_F(ConnectionTest, AUnixSocketAndADatabaseNumber) {
  server().Pipeline({{"SELECT", "3"}, {"XADD", Key(), "*", "v", "9"}});
  trestle::Options o = trestle::Options()
                           .set("unix_socket", server().unix_socket())
                           .set("db", int64_t{3})
                           .set("reconnect_timeout_s", 5.0);
  trestle::testing::Harness<StreamSource> src(SourceOpts(o));
  src.open();
  auto batches = NonEmpty(src.drain(10));
  ASSERT_EQ(batches.size(), 1u);
  EXPECT_EQ(batches[0].column("v").i64(0), 9);
  EXPECT_EQ(server().Int({"EXISTS", Key()}), 0);  // not in db 0
  auto e = OpenError<StreamSink>(Connect(server()).set("db", int64_t{99}).set("stream", Key()), Input());
  ASSERT_TRUE(e);
  EXPECT_NE(std::string(e->what()).find("refused option \"db\" = 99: ERR DB index is out of range"), std::string::npos)
      << e->what();
}

TEST_F(ConnectionTest, AnUnreachableServerFailsOpenAfterReconnectTimeout) {
  std::string error;
  std::unique_ptr<RedisServer> gone = RedisServer::Create(&error);
  ASSERT_TRUE(gone) << error;
  const std::string address = gone->address();
  gone.reset();  // nobody listens there now
  auto e = OpenError<StreamSink>(trestle::Options().set("address", address).set("reconnect_timeout_s", 0.3).set("stream", Key()),
                                 Input());
  ASSERT_TRUE(e);
  EXPECT_EQ(e->code(), TRESTLE_UNAVAILABLE);
  const std::string m = e->what();
  EXPECT_NE(m.find("redis_stream_sink on redis " + address + ": checking key \"" + Key() +
                   "\" failed: the server was unreachable for"),
            std::string::npos)
      << m;
  EXPECT_NE(m.find("last error: Connection refused"), std::string::npos) << m;
}

TEST_F(ConnectionTest, BadOptionsAreRefusedBeforeConnecting) {
  auto e = OpenError<HashSink>(trestle::Options().set("address", std::string("redis://h:1")).set("key", StringList{"k"}), Input());
  ASSERT_TRUE(e);
  EXPECT_NE(std::string(e->what()).find("option \"address\" is \"redis://h:1\": write host:port"), std::string::npos);
  e = OpenError<HashSink>(Connect(server()).set("user", std::string("u")).set("key", StringList{"k"}), Input());
  ASSERT_TRUE(e);
  EXPECT_EQ(std::string(e->what()), "option \"user\" is \"u\" but option \"password\" is empty: an ACL user authenticates with both");
  e = OpenError<HashSink>(Connect(server()).set("key", StringList{"k"}).set("fields", StringList{"k"}), Input());
  ASSERT_TRUE(e);
  EXPECT_NE(std::string(e->what()).find("option \"fields\" names column \"k\", which option \"key\" names too"),
            std::string::npos);
}

}  // namespace
}  // namespace trestle_redis::testing
