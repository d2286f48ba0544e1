// The plugin descriptor cache end to end: with it, a running `trestle run` maps only the
// plugin libraries its pipeline uses, `plugins list` loads none, and a plugin replaced
// on disk is described again; TRESTLE_PLUGIN_CACHE chooses the file or turns it off.
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "../sanitized_build.h"
#include "cli_fixture.h"

namespace trestle::clitest {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

std::string MapsOf(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/maps");
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The first-party plugin libraries on the plugin path, by file name.
std::vector<std::string> PluginFiles() {
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(PluginDir()))
    if (e.path().extension() == ".so") names.push_back(e.path().filename().string());
  return names;
}

class PluginCacheTest : public CliTest {
 protected:
  void SetUp() override {
    CliTest::SetUp();
    cache_ = Path("cache/plugins.json");
    // An endless run that uses the testkit (sequence, scripted) and io (jsonl_sink) only.
    Write("p.yaml", R"(pipeline: cache
nodes:
  - name: seq
    type: sequence
    options: {rows: 0}
  - name: slow
    type: scripted
    inputs: [seq]
    options: {sleep_ms: 20}
  - name: out
    type: jsonl_sink
    inputs: [slow]
    options: {path: out/rows.jsonl}
execution: {batch_rows: 10}
)");
  }
  ProcessOptions WithCache(const std::string& value) const {
    ProcessOptions o;
    o.env["TRESTLE_PLUGIN_CACHE"] = value;
    return o;
  }
  // The libraries mapped by an endless run once its rows flow; the run is then stopped.
  std::string MappedByARun(const std::string& cache) {
    std::filesystem::remove_all(Path("out"));
    auto p = StartTrestle({"run", "p.yaml", "--run-dir", "run-" + std::to_string(++runs_), "-q"}, WithCache(cache));
    if (!p) return {};
    std::string maps;
    EXPECT_TRUE(WaitUntil(
        [&] {
          maps = MapsOf(p->pid());
          return !List("out").empty();
        },
        seconds(60)))
        << p->Stderr();
    p->Signal(SIGTERM);
    ProcessResult r = p->Wait();
    EXPECT_EQ(r.exit_code, 0) << r.Describe();
    return maps;
  }

  std::string cache_;
  int runs_ = 0;
};

TEST_F(PluginCacheTest, ARunMapsOnlyThePluginLibrariesItsPipelineUses) {
  const std::vector<std::string> files = PluginFiles();
  ASSERT_GT(files.size(), 2u);
  // Without the cache every library is loaded: the check below can see a library.
  const std::string all = MappedByARun("off");
  for (const std::string& f : files) EXPECT_TRUE(Contains(all, "/" + f)) << f << " with the cache off";
  EXPECT_FALSE(std::filesystem::exists(cache_));

  ProcessResult warm = Trestle({"plugins", "list"}, WithCache(cache_));  // describes every library
  ASSERT_EQ(warm.exit_code, 0) << warm.Describe();
  ASSERT_TRUE(std::filesystem::exists(cache_));

  const std::string used = MappedByARun(cache_);
  EXPECT_TRUE(Contains(used, "/libtrestle_io.so"));
  EXPECT_TRUE(Contains(used, "/libtrestle_testkit.so"));
  for (const std::string& f : files) {
    if (f == "libtrestle_io.so") continue;
    EXPECT_FALSE(Contains(used, "/" + f)) << f << " is mapped but no node uses it";
  }
  EXPECT_FALSE(Contains(used, "libtorch")) << "libtorch came with an unused plugin";
}

TEST_F(PluginCacheTest, ListingAndInspectingLoadNothingAndShowWhatTheLibrariesDeclare) {
  ProcessResult cold = Trestle({"plugins", "list"}, WithCache(cache_));
  ASSERT_EQ(cold.exit_code, 0) << cold.Describe();
  ProcessResult warm = Trestle({"plugins", "list"}, WithCache(cache_));
  ASSERT_EQ(warm.exit_code, 0) << warm.Describe();
  EXPECT_EQ(warm.out, cold.out) << "the cache describes libraries exactly as loading them does";
  EXPECT_TRUE(Contains(warm.out, "    csv_source (source)")) << warm.out;
  ProcessResult inspect = Trestle({"plugins", "inspect", "csv_sink"}, WithCache(cache_));
  ProcessResult inspect_off = Trestle({"plugins", "inspect", "csv_sink"}, WithCache("off"));
  ASSERT_EQ(inspect.exit_code, 0) << inspect.Describe();
  EXPECT_EQ(inspect.out, inspect_off.out);
  if (std::filesystem::exists(PluginDir() + "/libtrestle_torchscript.so")) {
    // What dlopening libtorch costs, and what a cached listing saves.
    EXPECT_LT(warm.max_rss_kib * 2, cold.max_rss_kib) << "warm " << warm.max_rss_kib << " KiB, cold "
                                                      << cold.max_rss_kib << " KiB";
  }
}

TEST_F(PluginCacheTest, APluginReplacedOnDiskIsDescribedAgain) {
  // A private plugin directory holding a copy of the testkit under a fixed name.
  std::filesystem::create_directories(Path("pl"));
  chmod(Path("pl").c_str(), 0700);
  const std::string lib = Path("pl/libmine.so");
  std::filesystem::copy_file(TestkitDir() + "/libtrestle_testkit.so", lib);
  chmod(lib.c_str(), 0700);
  ProcessOptions o = WithCache(cache_);
  ProcessResult first = TrestleRaw({"plugins", "list", "--plugin-path", Path("pl")}, o);
  ASSERT_EQ(first.exit_code, 0) << first.Describe();
  EXPECT_TRUE(Contains(first.out, "sequence (source)")) << first.out;

  // Another library under the same name: its operators, not the cached ones.
  std::filesystem::copy_file(PluginDir() + "/libtrestle_io.so", lib, std::filesystem::copy_options::overwrite_existing);
  ProcessResult second = TrestleRaw({"plugins", "list", "--plugin-path", Path("pl")}, o);
  ASSERT_EQ(second.exit_code, 0) << second.Describe();
  EXPECT_FALSE(Contains(second.out, "sequence (source)")) << second.out;
  EXPECT_TRUE(Contains(second.out, "csv_source (source)")) << second.out;
}

TEST_F(PluginCacheTest, ACacheFileOthersMayWriteIsIgnoredWithAWarning) {
  ASSERT_EQ(Trestle({"plugins", "list"}, WithCache(cache_)).exit_code, 0);
  ASSERT_EQ(chmod(cache_.c_str(), 0666), 0);
  ProcessResult r = Trestle({"validate", "p.yaml"}, WithCache(cache_));
  EXPECT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_TRUE(Contains(r.err, "plugin descriptor cache " + cache_ + " ignored: it is writable by its group or others"))
      << r.err;
}

TEST_F(PluginCacheTest, TheDefaultCacheLivesInTheUsersCacheDirectory) {
  ProcessOptions o;
  o.env["HOME"] = Path("home");
  o.unset_env = {"TRESTLE_PLUGIN_CACHE", "XDG_CACHE_HOME"};
  std::filesystem::create_directories(Path("home"));
  ProcessResult r = Trestle({"validate", "p.yaml"}, o);
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  const std::vector<std::string> files = List("home/.cache/trestle");
  ASSERT_EQ(files.size(), 1u);
  EXPECT_EQ(files[0].rfind("plugins-", 0), 0u) << files[0];
  struct stat st {};
  ASSERT_EQ(stat(Path("home/.cache/trestle").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);

  o.env["XDG_CACHE_HOME"] = Path("xdg");
  ASSERT_EQ(Trestle({"validate", "p.yaml"}, o).exit_code, 0);
  EXPECT_EQ(List("xdg/trestle").size(), 1u);
}

TEST_F(PluginCacheTest, ARunUnderValgrindUsesTheCacheAsItIs) {
  // Under valgrind, /proc/self/exe is valgrind's own executable for everything but
  // readlink: an executable tag taken from it set the cache aside and rebuilt it by
  // loading every plugin library (onnx's dependencies then stop valgrind with SIGILL).
  const std::string valgrind = "/usr/bin/valgrind";
  if (access(valgrind.c_str(), X_OK) != 0) GTEST_SKIP() << "valgrind is not installed";
  if (testing_support::kSanitizedBuild) GTEST_SKIP() << "valgrind does not run a sanitized executable";
  ASSERT_EQ(Trestle({"plugins", "list"}, WithCache(cache_)).exit_code, 0);
  const std::string before = Read("cache/plugins.json");
  ProcessOptions o = WithCache(cache_);
  o.cwd = dir();
  o.unset_env = {"TRESTLE_PLUGIN_PATH"};
  o.timeout = seconds(120);
  ProcessResult r = RunProcess({valgrind, "--tool=none", "-q", TrestleBinary(), "validate", "p.yaml", "--plugin-path",
                                PluginDir(), "--plugin-path", TestkitDir()},
                               o);
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_EQ(Read("cache/plugins.json"), before) << "the run under valgrind rewrote the cache";
}

}  // namespace
}  // namespace trestle::clitest
