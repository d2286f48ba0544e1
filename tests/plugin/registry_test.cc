#include "plugin/registry.h"

#include <dlfcn.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "plugin_test_util.h"

namespace trestle::core {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::StartsWith;
using testing::FixtureDir;
using testing::FixtureLib;
using testing::TempDir;

// The fixtures live in the build tree, whose permissions depend on the builder's umask;
// the security check has tests of its own, on copies with known modes.
constexpr bool kSkipSecurity = true;

std::string Describe(const std::vector<PluginRefusal>& refusals) {
  std::string out;
  for (const PluginRefusal& r : refusals) out += "\n  " + r.status.ToString();
  return out;
}

TEST(PluginRegistryTest, LoadsTheOperatorsOfTheGoodPlugin) {
  PluginRegistry registry = PluginRegistry::Load({FixtureDir("good")}, kSkipSecurity);
  EXPECT_THAT(registry.Refusals(), IsEmpty()) << Describe(registry.Refusals());
  EXPECT_THAT(registry.Names(), ElementsAre("fixture_passthrough", "fixture_rows"));

  const OperatorInfo* rows = registry.Find("fixture_rows");
  ASSERT_NE(rows, nullptr);
  EXPECT_EQ(rows->role, Role::kSource);
  EXPECT_EQ(rows->plugin, "fixture_good");
  EXPECT_EQ(rows->param("rows")->default_json, "3");
  EXPECT_EQ(registry.Find("clip"), nullptr);

  const RegisteredOperator* pass = registry.FindDef("fixture_passthrough");
  ASSERT_NE(pass, nullptr);
  EXPECT_EQ(pass->info.role, Role::kTransform);
  ASSERT_NE(pass->def, nullptr);
  EXPECT_STREQ(pass->def->name, "fixture_passthrough");
  ASSERT_NE(pass->library, nullptr);
  EXPECT_EQ(pass->library->path(), FixtureLib("good"));
  EXPECT_EQ(registry.FindDef("nothing"), nullptr);

  ASSERT_EQ(registry.Libraries().size(), 1u);
  EXPECT_TRUE(registry.IsLoaded(0)) << "without a descriptor cache every library is loaded";
  const PluginLibraryInfo& lib = registry.Libraries()[0];
  EXPECT_EQ(lib.path, FixtureLib("good"));
  EXPECT_EQ(lib.name, "fixture_good");
  EXPECT_EQ(lib.version, "1.2.3");
  EXPECT_EQ(lib.abi_major, uint32_t{TRESTLE_ABI_MAJOR});
  EXPECT_EQ(lib.sha256, pass->library->sha256());
  EXPECT_EQ(lib.sha256.size(), 64u);
  ASSERT_EQ(lib.operators.size(), 2u);
  EXPECT_EQ(lib.operators[0].role, Role::kSource);
  EXPECT_EQ(lib.operators[1].role, Role::kTransform);
}

TEST(PluginRegistryTest, AnEmptySearchPathFindsNothing) {
  PluginRegistry registry = PluginRegistry::Load({}, false);
  EXPECT_THAT(registry.Names(), IsEmpty());
  EXPECT_THAT(registry.Libraries(), IsEmpty());
  EXPECT_THAT(registry.Refusals(), IsEmpty());
}

// Every broken fixture is refused with its own path; the good one still loads.
TEST(PluginRegistryTest, RefusesEachBrokenLibraryAndKeepsTheRest) {
  const std::vector<std::string> broken = {
      "abi_major",         "abi_minor_newer", "bad_param_default", "bad_param_range",
      "descriptor_error",  "descriptor_null", "descriptor_throws", "missing_function",
      "no_entry",          "undefined_symbol"};
  std::vector<std::string> dirs = {FixtureDir("good"), FixtureDir("not_a_library")};
  for (const std::string& name : broken) dirs.push_back(FixtureDir(name));
  dirs.push_back(FixtureDir("duplicate_operator"));

  PluginRegistry registry = PluginRegistry::Load(dirs, kSkipSecurity);
  EXPECT_THAT(registry.Names(), ElementsAre("fixture_passthrough", "fixture_rows"));
  ASSERT_EQ(registry.Libraries().size(), 1u);

  std::vector<std::string> expected = {FixtureDir("not_a_library") + "/libbad.so"};
  for (const std::string& name : broken) expected.push_back(FixtureLib(name));
  expected.push_back(FixtureLib("duplicate_operator"));
  ASSERT_EQ(registry.Refusals().size(), expected.size()) << Describe(registry.Refusals());
  for (size_t i = 0; i < expected.size(); ++i) {
    const PluginRefusal& r = registry.Refusals()[i];
    EXPECT_EQ(r.path, expected[i]);
    EXPECT_EQ(r.status.code(), Code::kInvalidArgument);
    EXPECT_THAT(r.status.message(), StartsWith(expected[i] + ": "));
  }
}

TEST(PluginRegistryTest, RefusesTheSecondLibraryDeclaringAnOperatorNameWhole) {
  PluginRegistry registry = PluginRegistry::Load({FixtureDir("good"), FixtureDir("duplicate_operator")}, kSkipSecurity);
  ASSERT_EQ(registry.Refusals().size(), 1u) << Describe(registry.Refusals());
  const PluginRefusal& r = registry.Refusals()[0];
  EXPECT_EQ(r.path, FixtureLib("duplicate_operator"));
  EXPECT_EQ(r.status.message(),
            FixtureLib("duplicate_operator") + ": operator \"fixture_passthrough\" is already declared by " +
                FixtureLib("good") +
                "; this library is refused (operator names are unique across plugins: remove one of the two "
                "files, or take its directory off the plugin path)");
  // Refused as a whole: its other operator is not there either.
  EXPECT_EQ(registry.Find("fixture_unique"), nullptr);
  EXPECT_EQ(registry.FindDef("fixture_passthrough")->library->name(), "fixture_good");
}

TEST(PluginRegistryTest, TheSearchPathOrderDecidesWhichDuplicateWins) {
  PluginRegistry registry = PluginRegistry::Load({FixtureDir("duplicate_operator"), FixtureDir("good")}, kSkipSecurity);
  ASSERT_EQ(registry.Refusals().size(), 1u) << Describe(registry.Refusals());
  EXPECT_THAT(registry.Refusals()[0].status.message(),
              AllOf(StartsWith(FixtureLib("good") + ": "), HasSubstr("\"fixture_passthrough\""),
                    HasSubstr("already declared by " + FixtureLib("duplicate_operator"))));
  EXPECT_THAT(registry.Names(), ElementsAre("fixture_passthrough", "fixture_unique"));
  EXPECT_EQ(registry.Find("fixture_rows"), nullptr);
}

TEST(PluginRegistryTest, ScansOnlySharedLibrariesInSortedOrder) {
  TempDir tmp;
  std::string dir = tmp.MakeDir("plugins", 0755);
  tmp.Copy(FixtureLib("duplicate_operator"), "plugins/libb.so");
  tmp.Copy(FixtureLib("good"), "plugins/liba.so");
  tmp.Copy(FixtureLib("abi_major"), "plugins/libz.so.1");       // not *.so
  tmp.Copy(FixtureLib("abi_major"), "plugins/README");           // not *.so
  tmp.MakeDir("plugins/sub", 0755);
  tmp.Copy(FixtureLib("abi_major"), "plugins/sub/libnested.so");  // not scanned: not recursive
  tmp.MakeDir("plugins/libdir.so", 0755);                          // a directory, not a library

  PluginRegistry registry = PluginRegistry::Load({dir}, false);
  ASSERT_EQ(registry.Libraries().size(), 1u);
  EXPECT_EQ(registry.Libraries()[0].path, dir + "/liba.so");
  ASSERT_EQ(registry.Refusals().size(), 1u) << Describe(registry.Refusals());
  EXPECT_EQ(registry.Refusals()[0].path, dir + "/libb.so");
}

TEST(PluginRegistryTest, LoadsAFileReachedTwiceOnce) {
  TempDir tmp;
  std::string dir = tmp.MakeDir("links", 0755);
  std::string link = dir + "/libalias.so";
  ASSERT_EQ(symlink(FixtureLib("good").c_str(), link.c_str()), 0);
  PluginRegistry registry = PluginRegistry::Load({FixtureDir("good"), dir}, kSkipSecurity);
  EXPECT_THAT(registry.Refusals(), IsEmpty()) << Describe(registry.Refusals());
  ASSERT_EQ(registry.Libraries().size(), 1u);
  EXPECT_EQ(registry.Libraries()[0].path, FixtureLib("good"));
}

TEST(PluginRegistryTest, RefusesAnInsecureLibraryUnlessAllowed) {
  TempDir tmp;
  std::string dir = tmp.MakeDir("plugins", 0755);
  std::string lib = tmp.Copy(FixtureLib("good"), "plugins/libgood.so", 0755);

  PluginRegistry secure = PluginRegistry::Load({dir}, false);
  EXPECT_THAT(secure.Refusals(), IsEmpty()) << Describe(secure.Refusals());
  EXPECT_NE(secure.Find("fixture_rows"), nullptr);

  ASSERT_EQ(chmod(lib.c_str(), 0757), 0);
  PluginRegistry refused = PluginRegistry::Load({dir}, false);
  EXPECT_THAT(refused.Names(), IsEmpty());
  ASSERT_EQ(refused.Refusals().size(), 1u);
  EXPECT_EQ(refused.Refusals()[0].path, lib);
  EXPECT_THAT(refused.Refusals()[0].status.message(),
              AllOf(StartsWith(lib + ": "), HasSubstr("writable by others"), HasSubstr("--allow-insecure-plugins")));

  PluginRegistry allowed = PluginRegistry::Load({dir}, true);
  EXPECT_THAT(allowed.Refusals(), IsEmpty()) << Describe(allowed.Refusals());
  EXPECT_THAT(allowed.Names(), ElementsAre("fixture_passthrough", "fixture_rows"));
}

TEST(PluginRegistryTest, LoadFilesLoadsExactlyTheGivenFiles) {
  PluginRegistry registry =
      PluginRegistry::LoadFiles({FixtureLib("duplicate_operator"), FixtureLib("descriptor_null")}, kSkipSecurity);
  EXPECT_THAT(registry.Names(), ElementsAre("fixture_passthrough", "fixture_unique"));
  ASSERT_EQ(registry.Refusals().size(), 1u);
  EXPECT_EQ(registry.Refusals()[0].path, FixtureLib("descriptor_null"));
}

TEST(PluginRegistryTest, LookupsSurviveAMove) {
  PluginRegistry registry = PluginRegistry::Load({FixtureDir("good")}, kSkipSecurity);
  const OperatorInfo* before = registry.Find("fixture_rows");
  PluginRegistry moved = std::move(registry);
  EXPECT_EQ(moved.Find("fixture_rows"), before);
  const OperatorCatalog& catalog = moved;
  EXPECT_THAT(catalog.Names(), ElementsAre("fixture_passthrough", "fixture_rows"));
}

// An instance holds the library through RegisteredOperator::library, so the code it
// runs stays loaded after the registry is gone.
TEST(PluginRegistryTest, AnOperatorKeepsItsLibraryLoaded) {
  const std::string path = FixtureLib("good");
  auto is_loaded = [&] {
    void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_NOLOAD);
    if (handle != nullptr) dlclose(handle);
    return handle != nullptr;
  };
  std::shared_ptr<const PluginLibrary> kept;
  const TrestleOperatorDef* def = nullptr;
  {
    PluginRegistry registry = PluginRegistry::Load({FixtureDir("good")}, kSkipSecurity);
    const RegisteredOperator* op = registry.FindDef("fixture_passthrough");
    ASSERT_NE(op, nullptr);
    kept = op->library;
    def = op->def;
  }
  EXPECT_TRUE(is_loaded());
  EXPECT_STREQ(def->name, "fixture_passthrough");
  kept.reset();
  EXPECT_FALSE(is_loaded());
}

}  // namespace
}  // namespace trestle::core
