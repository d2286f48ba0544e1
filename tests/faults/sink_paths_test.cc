// Defect 7: a sink writes only regular files it may replace. A path that is a device,
// a FIFO or a symbolic link is refused at validate time naming what it is, unless
// `mode: stream` says to write into it in place; then it works for a FIFO, and a
// device that is full (/dev/full) fails the run with RESOURCE_EXHAUSTED.
#include <sys/stat.h>

#include <fstream>
#include <thread>

#include "fault_fixture.h"

namespace trestle::clitest {
namespace {

class SinkPathTest : public FaultTest {
 protected:
  void WritePipeline(const std::string& sink_options) {
    Write("p.yaml", R"(pipeline: paths
nodes:
  - name: seq
    type: sequence
    options: {rows: 100}
  - name: out
    type: csv_sink
    inputs: [seq]
    options: )" + sink_options + "\n");
  }
};

TEST_F(SinkPathTest, DevicesFifosAndLinksAreRefusedAtValidateTime) {
  ASSERT_EQ(::mkfifo(Path("pipe").c_str(), 0600), 0);
  Write("real.csv", "precious\n");
  std::filesystem::create_symlink(Path("real.csv"), Path("link.csv"));
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"/dev/full", "\"/dev/full\" is a character device"},
      {"pipe", "\"pipe\" is a FIFO"},
      {"link.csv", "\"link.csv\" is a symbolic link to \"" + Path("real.csv") + "\""}};
  for (const auto& [path, what] : cases) {
    WritePipeline("{path: " + path + "}");
    for (const char* cmd : {"validate", "run"}) {
      ProcessResult r = Run({cmd, "p.yaml"});
      EXPECT_EQ(r.exit_code, 78) << cmd << " " << path << ": " << r.Describe();
      EXPECT_TRUE(Contains(r.err, "nodes[1] \"out\" .options.path")) << r.err;
      EXPECT_TRUE(Contains(r.err, what)) << r.err;
      EXPECT_TRUE(Contains(r.err, "mode: stream")) << r.err;
    }
  }
  EXPECT_EQ(Read("real.csv"), "precious\n");
  EXPECT_TRUE(std::filesystem::is_symlink(Path("link.csv")));
  struct stat st{};
  ASSERT_EQ(::lstat(Path("pipe").c_str(), &st), 0);
  EXPECT_TRUE(S_ISFIFO(st.st_mode));
}

TEST_F(SinkPathTest, StreamModeWritesIntoAFifoInPlace) {
  ASSERT_EQ(::mkfifo(Path("pipe").c_str(), 0600), 0);
  std::string received;
  std::thread reader([&] {
    std::ifstream in(Path("pipe"));
    received.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  });
  WritePipeline("{path: pipe, mode: stream}");
  ProcessResult r = Run({"run", "p.yaml", "-q"});
  reader.join();
  EXPECT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_EQ(std::count(received.begin(), received.end(), '\n'), 101);
  EXPECT_EQ(received.rfind("id,x\n0,0\n", 0), 0u) << received.substr(0, 40);
}

TEST_F(SinkPathTest, StreamModeIntoAFullDeviceFailsTheRunAsResourceExhausted) {
  WritePipeline("{path: /dev/full, mode: stream}");
  Write("p.yaml", Read("p.yaml") + "    retry: {max_attempts: 1}\n");
  ProcessResult r = Run({"run", "p.yaml", "--report", "r.json"});
  EXPECT_EQ(r.exit_code, 1) << r.Describe();
  EXPECT_TRUE(Contains(r.out, "RESOURCE_EXHAUSTED")) << r.out;
  EXPECT_TRUE(Contains(r.out, "/dev/full")) << r.out;
  EXPECT_EQ(ReadJson("r.json")["error"]["code"], "RESOURCE_EXHAUSTED");
}

TEST_F(SinkPathTest, AStreamToAFifoWithoutAReaderIsUnavailableNotAHang) {
  ASSERT_EQ(::mkfifo(Path("pipe").c_str(), 0600), 0);
  WritePipeline("{path: pipe, mode: stream}");
  Write("p.yaml", Read("p.yaml") + "    retry: {max_attempts: 2, initial_backoff_ms: 10}\n");
  ProcessResult r = Run({"run", "p.yaml"}, Within(std::chrono::milliseconds(60'000)));
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.exit_code, 1) << r.Describe();
  EXPECT_TRUE(Contains(r.out, "\"pipe\" is a FIFO that no process reads")) << r.out;
}

}  // namespace
}  // namespace trestle::clitest
