// Defect 10: idle TCP connections to the admin endpoint of a running pipeline used to
// make /healthz fail (64 were enough). With 500 idle sockets open, /healthz, /readyz
// and /metrics of `trestle run --admin-addr` still answer.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <regex>

#include "fault_fixture.h"
#include "http_get.h"

namespace trestle::clitest {
namespace {

using std::chrono::seconds;

class AdminIdleTest : public FaultTest {};

TEST_F(AdminIdleTest, FiveHundredIdleSocketsDoNotSilenceHealthChecks) {
  rlimit lim{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &lim), 0);
  if (lim.rlim_cur < 700 && lim.rlim_max >= 700) {
    lim.rlim_cur = 700;
    ::setrlimit(RLIMIT_NOFILE, &lim);
  }
  Write("p.yaml", R"(pipeline: endless
nodes:
  - name: seq
    type: sequence
    options: {rows: 0, sleep_ms: 20}
  - name: out
    type: csv_sink
    inputs: [seq]
    options: {path: out.csv}
)");
  auto p = Start({"run", "p.yaml", "--admin-addr", "127.0.0.1:0"});
  ASSERT_TRUE(p);
  std::smatch m;
  std::string err;
  const std::regex listening("admin endpoint listening on 127\\.0\\.0\\.1:([0-9]+)");
  ASSERT_TRUE(WaitUntil([&] { return std::regex_search(err = p->Stderr(), m, listening); }, seconds(30))) << err;
  const int port = std::stoi(m[1]);

  std::vector<int> idle;
  for (int i = 0; i < 500; ++i) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    ASSERT_GE(fd, 0) << "socket " << i;
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0) << "connect " << i;
    idle.push_back(fd);
  }
  for (const char* path : {"/healthz", "/readyz", "/metrics"}) {
    http_test::HttpResponse res = http_test::HttpGet(static_cast<uint16_t>(port), path, 5000);
    EXPECT_EQ(res.status, 200) << path << ": " << res.error;
  }
  for (int fd : idle) ::close(fd);
  p->Signal(SIGTERM);
  EXPECT_EQ(p->Wait().exit_code, 0);
}

}  // namespace
}  // namespace trestle::clitest
