// The plugin descriptor cache: a library it describes is not loaded until one of its
// operators is resolved; a changed file, a changed executable, a corrupt or foreign
// cache file all fall back to loading.
#include "plugin/descriptor_cache.h"

#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "plugin/library_info_json.h"
#include "plugin/registry.h"
#include "plugin_test_util.h"

namespace trestle::core {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::StartsWith;
using testing::FixtureLib;
using testing::TempDir;

constexpr bool kSkipSecurity = true;  // build-tree modes depend on the umask
const std::string kTag = "test executable 1";

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

bool Mapped(const std::string& path) { return ReadAll("/proc/self/maps").find(path) != std::string::npos; }

// A plugin directory of its own, so that its library's path is mapped only by this test.
struct PluginDir {
  TempDir tmp;
  std::string dir = tmp.MakeDir("plugins", 0700);
  std::string cache_file = tmp / "cache/plugins.json";
  std::string Add(const std::string& fixture, const std::string& as) { return tmp.Copy(FixtureLib(fixture), "plugins/" + as); }
  PluginRegistry Scan() {
    PluginDescriptorCache cache = PluginDescriptorCache::Open(cache_file, kTag);
    PluginRegistry registry = PluginRegistry::Load({dir}, kSkipSecurity, &cache);
    EXPECT_TRUE(cache.Save().ok());
    return registry;
  }
};

TEST(LibraryInfoJsonTest, EveryDeclaredFieldSurvivesTheRoundTrip) {
  PluginRegistry registry = PluginRegistry::LoadFiles({FixtureLib("good")}, kSkipSecurity);
  ASSERT_EQ(registry.Libraries().size(), 1u);
  const PluginLibraryInfo& info = registry.Libraries()[0];
  std::optional<PluginLibraryInfo> back = LibraryInfoFromJson(LibraryInfoToJson(info));
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(LibraryInfoToJson(*back), LibraryInfoToJson(info));
  const OperatorInfo& rows = back->operators[0];
  EXPECT_EQ(rows.name, "fixture_rows");
  EXPECT_EQ(rows.role, Role::kSource);
  EXPECT_EQ(rows.param("rows")->default_json, "3");
  EXPECT_EQ(rows.param("rows")->max, 1000);
  EXPECT_THAT(rows.param("mode")->enum_values, ElementsAre("fast", "slow"));
  const OperatorInfo& pass = back->operators[1];
  EXPECT_TRUE(pass.param("token")->secret);
  EXPECT_TRUE(pass.param("label")->required);
  EXPECT_EQ(pass.threading, Threading::kReentrant);
}

TEST(LibraryInfoJsonTest, AnythingElseIsRefused) {
  nlohmann::json good = LibraryInfoToJson(PluginRegistry::LoadFiles({FixtureLib("good")}, kSkipSecurity).Libraries()[0]);
  EXPECT_FALSE(LibraryInfoFromJson(nlohmann::json::array()).has_value());
  nlohmann::json no_name = good;
  no_name.erase("name");
  EXPECT_FALSE(LibraryInfoFromJson(no_name).has_value());
  nlohmann::json bad_role = good;
  bad_role["operators"][0]["role"] = 99;
  EXPECT_FALSE(LibraryInfoFromJson(bad_role).has_value());
  nlohmann::json bad_type = good;
  bad_type["operators"][0]["params"][0]["required"] = "yes";
  EXPECT_FALSE(LibraryInfoFromJson(bad_type).has_value());
}

TEST(PluginDescriptorCacheTest, ADescribedLibraryIsLoadedOnlyWhenAnOperatorIsResolved) {
  PluginDir p;
  const std::string lib = p.Add("good", "libgood.so");
  {
    PluginRegistry cold = p.Scan();  // describes by loading, and remembers
    ASSERT_THAT(cold.Refusals(), IsEmpty());
    EXPECT_TRUE(cold.IsLoaded(0));
  }
  PluginRegistry warm = p.Scan();
  ASSERT_THAT(warm.Refusals(), IsEmpty());
  ASSERT_EQ(warm.Libraries().size(), 1u);
  EXPECT_FALSE(warm.IsLoaded(0));
  EXPECT_EQ(warm.Libraries()[0].path, lib);
  EXPECT_EQ(warm.Libraries()[0].name, "fixture_good");
  EXPECT_THAT(warm.Names(), ElementsAre("fixture_passthrough", "fixture_rows"));
  ASSERT_NE(warm.Find("fixture_rows"), nullptr);
  EXPECT_EQ(warm.Find("fixture_rows")->param("rows")->default_json, "3");
  EXPECT_EQ(warm.LibraryOf("fixture_rows")->version, "1.2.3");
  EXPECT_FALSE(warm.IsLoaded(0)) << "looking operators up loads nothing";
  EXPECT_FALSE(Mapped(lib));

  Result<const RegisteredOperator*> op = warm.Resolve("fixture_passthrough");
  ASSERT_TRUE(op.ok()) << op.status().ToString();
  ASSERT_NE(*op, nullptr);
  ASSERT_NE((*op)->def, nullptr);
  EXPECT_STREQ((*op)->def->name, "fixture_passthrough");
  EXPECT_EQ((*op)->library->sha256(), warm.Libraries()[0].sha256);
  EXPECT_TRUE(warm.IsLoaded(0));
  EXPECT_TRUE(Mapped(lib));
  // The library's other operator comes with it.
  EXPECT_NE(warm.FindDef("fixture_rows")->def, nullptr);
  Result<const RegisteredOperator*> unknown = warm.Resolve("nothing");
  ASSERT_TRUE(unknown.ok());
  EXPECT_EQ(*unknown, nullptr);
}

TEST(PluginDescriptorCacheTest, ResolvingFromManyThreadsLoadsOnce) {
  PluginDir p;
  p.Add("good", "libgood.so");
  p.Scan();
  PluginRegistry warm = p.Scan();
  std::vector<const TrestleOperatorDef*> defs(8, nullptr);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < defs.size(); ++i)
    threads.emplace_back([&, i] { defs[i] = warm.FindDef(i % 2 ? "fixture_rows" : "fixture_passthrough")->def; });
  for (auto& t : threads) t.join();
  for (size_t i = 0; i < defs.size(); ++i) EXPECT_EQ(defs[i], warm.FindDef(i % 2 ? "fixture_rows" : "fixture_passthrough")->def);
}

TEST(PluginDescriptorCacheTest, AReplacedLibraryIsDescribedAgain) {
  PluginDir p;
  p.Add("good", "libx.so");
  p.Scan();
  p.Add("duplicate_operator", "libx.so");  // same path, another library
  PluginRegistry registry = p.Scan();
  ASSERT_THAT(registry.Refusals(), IsEmpty());
  EXPECT_TRUE(registry.IsLoaded(0)) << "a changed file is loaded to be described";
  EXPECT_THAT(registry.Names(), ElementsAre("fixture_passthrough", "fixture_unique"));
  // ... and the cache now describes the new file.
  PluginRegistry again = p.Scan();
  EXPECT_FALSE(again.IsLoaded(0));
  EXPECT_THAT(again.Names(), ElementsAre("fixture_passthrough", "fixture_unique"));
}

TEST(PluginDescriptorCacheTest, ALibraryReplacedBetweenTheScanAndItsUseIsRefusedNamingIt) {
  PluginDir p;
  const std::string lib = p.Add("good", "libx.so");
  p.Scan();
  PluginRegistry warm = p.Scan();
  ASSERT_FALSE(warm.IsLoaded(0));
  p.Add("duplicate_operator", "libx.so");
  Result<const RegisteredOperator*> op = warm.Resolve("fixture_passthrough");
  ASSERT_FALSE(op.ok());
  EXPECT_EQ(op.status().code(), Code::kInvalidArgument);
  EXPECT_THAT(op.status().message(), StartsWith(lib + ": the library changed since the plugin descriptor cache"));
  EXPECT_EQ(warm.FindDef("fixture_passthrough"), nullptr);
}

TEST(PluginDescriptorCacheTest, AnotherExecutableOrACorruptFileStartsEmpty) {
  PluginDir p;
  p.Add("good", "libgood.so");
  p.Scan();
  {
    PluginDescriptorCache other = PluginDescriptorCache::Open(p.cache_file, "another executable");
    PluginRegistry registry = PluginRegistry::Load({p.dir}, kSkipSecurity, &other);
    EXPECT_TRUE(registry.IsLoaded(0));
  }
  for (const std::string& text : {std::string("{not json"), std::string("[]"), std::string("{\"format\": 1}"),
                                  std::string("{\"format\": 1, \"executable\": \"" + kTag + "\", \"libraries\": 7}")}) {
    std::ofstream(p.cache_file) << text;
    PluginDescriptorCache cache = PluginDescriptorCache::Open(p.cache_file, kTag);
    PluginRegistry registry = PluginRegistry::Load({p.dir}, kSkipSecurity, &cache);
    ASSERT_THAT(registry.Refusals(), IsEmpty()) << text;
    EXPECT_TRUE(registry.IsLoaded(0)) << text;
    ASSERT_TRUE(cache.Save().ok());
    PluginDescriptorCache repaired = PluginDescriptorCache::Open(p.cache_file, kTag);
    EXPECT_FALSE(PluginRegistry::Load({p.dir}, kSkipSecurity, &repaired).IsLoaded(0)) << "rewritten whole: " << text;
  }
}

TEST(PluginDescriptorCacheTest, ACacheFileOthersCanWriteIsIgnored) {
  PluginDir p;
  p.Add("good", "libgood.so");
  p.Scan();
  ASSERT_EQ(chmod(p.cache_file.c_str(), 0620), 0);
  PluginDescriptorCache cache = PluginDescriptorCache::Open(p.cache_file, kTag);
  EXPECT_TRUE(PluginRegistry::Load({p.dir}, kSkipSecurity, &cache).IsLoaded(0));
}

TEST(PluginDescriptorCacheTest, TheFileIsWrittenPrivatelyAndOnlyWhenSomethingChanged) {
  PluginDir p;
  p.Add("good", "libgood.so");
  p.Scan();
  struct stat st {};
  ASSERT_EQ(stat(p.cache_file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(stat((p.tmp / "cache").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  EXPECT_THAT(ReadAll(p.cache_file), HasSubstr("\"fixture_good\""));
  ASSERT_EQ(stat(p.cache_file.c_str(), &st), 0);
  const ino_t written = st.st_ino;  // a rewrite renames a new file over it
  p.Scan();  // every library described already: nothing to write
  ASSERT_EQ(stat(p.cache_file.c_str(), &st), 0);
  EXPECT_EQ(st.st_ino, written);
  p.Add("duplicate_operator", "libother.so");
  p.Scan();
  ASSERT_EQ(stat(p.cache_file.c_str(), &st), 0);
  EXPECT_NE(st.st_ino, written);
  EXPECT_THAT(ReadAll(p.cache_file), HasSubstr("\"fixture_duplicate\""));
}

TEST(PluginDescriptorCacheTest, ACacheThatCannotBeWrittenCostsOnlyTheLoading) {
  PluginDir p;
  p.Add("good", "libgood.so");
  std::ofstream(p.tmp / "blocker") << "a file where the cache's directory should be";
  PluginDescriptorCache cache = PluginDescriptorCache::Open(p.tmp / "blocker/cache/plugins.json", kTag);
  PluginRegistry registry = PluginRegistry::Load({p.dir}, kSkipSecurity, &cache);
  EXPECT_THAT(registry.Refusals(), IsEmpty());
  EXPECT_THAT(registry.Names(), ElementsAre("fixture_passthrough", "fixture_rows"));
  Status saved = cache.Save();
  EXPECT_FALSE(saved.ok());
  EXPECT_THAT(saved.message(), HasSubstr(p.tmp / "blocker"));
  EXPECT_NE(registry.FindDef("fixture_rows"), nullptr);
}

TEST(PluginDescriptorCacheTest, WithoutAFileNothingIsRemembered) {
  PluginDir p;
  p.Add("good", "libgood.so");
  PluginDescriptorCache off;
  EXPECT_FALSE(off.enabled());
  EXPECT_TRUE(PluginRegistry::Load({p.dir}, kSkipSecurity, &off).IsLoaded(0));
  EXPECT_TRUE(off.Save().ok());
  EXPECT_TRUE(PluginRegistry::Load({p.dir}, kSkipSecurity, &off).IsLoaded(0));
}

TEST(PluginDescriptorCacheTest, WhereTheCacheIsKept) {
  const std::string exe = "/opt/trestle/bin/trestle";
  EXPECT_EQ(PluginDescriptorCache::DefaultFile("off", "/x", "/h", exe), "");
  EXPECT_EQ(PluginDescriptorCache::DefaultFile("", "/x", "/h", exe), "");
  EXPECT_EQ(PluginDescriptorCache::DefaultFile("/tmp/c.json", "/x", "/h", exe), "/tmp/c.json");
  const std::string xdg = PluginDescriptorCache::DefaultFile(nullptr, "/x", "/h", exe);
  EXPECT_THAT(xdg, StartsWith("/x/trestle/plugins-"));
  EXPECT_EQ(xdg.size(), std::string("/x/trestle/plugins-").size() + 16 + 5);
  EXPECT_THAT(PluginDescriptorCache::DefaultFile(nullptr, nullptr, "/h", exe), StartsWith("/h/.cache/trestle/plugins-"));
  EXPECT_THAT(PluginDescriptorCache::DefaultFile(nullptr, "relative", "/h", exe), StartsWith("/h/.cache/"));
  EXPECT_EQ(PluginDescriptorCache::DefaultFile(nullptr, nullptr, nullptr, exe), "");
  EXPECT_NE(PluginDescriptorCache::DefaultFile(nullptr, "/x", "/h", "/other/trestle"), xdg)
      << "each executable has a file of its own";
}

}  // namespace
}  // namespace trestle::core
