#include "plugin/library.h"

#include <dlfcn.h>

#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "config/sha256.h"
#include "plugin_test_util.h"

namespace trestle::core {
namespace {

using ::testing::AnyOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;
using testing::FixtureLib;

// The refusal message of loading fixture <name>, which must fail with INVALID_ARGUMENT
// and a message that starts with the file's path.
std::string Refusal(const std::string& name, const std::string& path) {
  Result<std::unique_ptr<PluginLibrary>> r = PluginLibrary::Load(path);
  if (r.ok()) {
    ADD_FAILURE() << name << " loaded but should have been refused";
    return {};
  }
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument) << name;
  EXPECT_THAT(r.status().message(), StartsWith(path + ": ")) << name;
  return r.status().message();
}
std::string Refusal(const std::string& name) { return Refusal(name, FixtureLib(name)); }

std::string HostVersion() { return std::to_string(TRESTLE_ABI_MAJOR) + "." + std::to_string(TRESTLE_ABI_MINOR); }

// A host that only records the error an operator reports.
struct TestHost {
  static void Log(void*, int32_t, const char*) {}
  static void Metric(void*, const char*, double) {}
  static void Event(void*, const char*, const char*) {}
  static void SetError(void* self, int32_t, const char* message) { static_cast<TestHost*>(self)->error = message; }
  static void RejectRow(void*, int64_t, int32_t, const char*) {}
  static void RejectRecord(void*, const char*, const char*, int32_t, const char*) {}
  static int32_t Cancelled(void*) { return 0; }
  static void Progress(void*, double, double) {}

  TrestleHostApi api{sizeof(TrestleHostApi), &Log, &Metric, &Metric, &Event, &SetError, &RejectRow,
                     &RejectRecord, &Cancelled, &Progress, nullptr};
  TrestleHost host{sizeof(TrestleHost), &api, this};
  std::string error;
};

TEST(PluginLibraryTest, LoadsTheGoodPlugin) {
  const std::string path = FixtureLib("good");
  Result<std::unique_ptr<PluginLibrary>> r = PluginLibrary::Load(path);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const PluginLibrary& lib = **r;
  EXPECT_EQ(lib.path(), path);
  EXPECT_EQ(lib.name(), "fixture_good");
  EXPECT_EQ(lib.version(), "1.2.3");
  EXPECT_EQ(lib.abi_major(), uint32_t{TRESTLE_ABI_MAJOR});
  EXPECT_EQ(lib.abi_minor(), uint32_t{TRESTLE_ABI_MINOR});

  std::ifstream in(path, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(lib.sha256(), Sha256Hex(bytes));
  EXPECT_EQ(lib.sha256().size(), 64u);

  ASSERT_EQ(lib.operators().size(), 2u);
  EXPECT_EQ(lib.operators()[0].info.name, "fixture_rows");
  EXPECT_EQ(lib.operators()[1].info.name, "fixture_passthrough");
  for (const PluginOperator& op : lib.operators()) {
    ASSERT_NE(op.def, nullptr);
    EXPECT_EQ(op.def->name, op.info.name);
    EXPECT_EQ(lib.FindOperator(op.info.name), &op);
  }
  EXPECT_EQ(lib.FindOperator("clip"), nullptr);
}

TEST(PluginLibraryTest, CopiesTheGoodPluginsDeclarations) {
  Result<std::unique_ptr<PluginLibrary>> r = PluginLibrary::Load(FixtureLib("good"));
  ASSERT_TRUE(r.ok()) << r.status().ToString();

  const OperatorInfo& rows = (*r)->FindOperator("fixture_rows")->info;
  EXPECT_EQ(rows.plugin, "fixture_good");
  EXPECT_EQ(rows.doc, "Emits `rows` rows numbered from `start`.");
  EXPECT_EQ(rows.role, Role::kSource);
  EXPECT_EQ(rows.threading, Threading::kSerial);
  EXPECT_EQ(rows.output_doc, "one int64 column named by `column`");
  ASSERT_EQ(rows.params.size(), 5u);
  const ParamInfo* n = rows.param("rows");
  ASSERT_NE(n, nullptr);
  EXPECT_EQ(n->type, ParamType::kInt);
  EXPECT_EQ(n->doc, "how many rows to emit");
  EXPECT_EQ(n->default_json, "3");
  EXPECT_EQ(n->min, 0.0);
  EXPECT_EQ(n->max, 1000.0);
  EXPECT_FALSE(n->required);
  EXPECT_EQ(rows.param("start")->default_json, "0");
  EXPECT_EQ(rows.param("start")->min, std::nullopt);
  EXPECT_EQ(rows.param("column")->type, ParamType::kString);
  EXPECT_EQ(rows.param("column")->default_json, "\"n\"");
  EXPECT_EQ(rows.param("mode")->default_json, "\"fast\"");
  EXPECT_THAT(rows.param("mode")->enum_values, ElementsAre("fast", "slow"));
  EXPECT_EQ(rows.param("tags")->type, ParamType::kStringList);
  EXPECT_EQ(rows.param("tags")->default_json, "[\"a\",\"b\"]");
  EXPECT_EQ(rows.param("tags")->max, 4.0);

  const OperatorInfo& pass = (*r)->FindOperator("fixture_passthrough")->info;
  EXPECT_EQ(pass.role, Role::kTransform);
  EXPECT_EQ(pass.threading, Threading::kReentrant);
  EXPECT_FALSE(pass.ordered_input);
  ASSERT_EQ(pass.params.size(), 3u);
  EXPECT_TRUE(pass.params[0].required);
  EXPECT_EQ(pass.params[0].default_json, std::nullopt);
  EXPECT_EQ(pass.params[1].name, "token");
  EXPECT_TRUE(pass.params[1].secret);
  EXPECT_FALSE(pass.params[1].required);
  EXPECT_EQ(pass.params[1].default_json, std::nullopt);
  EXPECT_EQ(pass.params[2].type, ParamType::kDouble);
  EXPECT_EQ(pass.params[2].default_json, "1.5");
}

// The definitions point into the loaded library: run the source through them.
TEST(PluginLibraryTest, OperatorDefinitionsAreCallable) {
  Result<std::unique_ptr<PluginLibrary>> r = PluginLibrary::Load(FixtureLib("good"));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const TrestleOperatorDef* def = (*r)->FindOperator("fixture_rows")->def;

  auto value = [](const char* name, int32_t type) {
    TrestleOptionValue v{};
    v.struct_size = sizeof v;
    v.name = name;
    v.type = type;
    return v;
  };
  TrestleOptionValue rows = value("rows", TRESTLE_PARAM_INT), start = value("start", TRESTLE_PARAM_INT),
                     column = value("column", TRESTLE_PARAM_STRING);
  rows.integer = 5;
  start.integer = 10;
  column.string = "n";
  const TrestleOptionValue* values[] = {&rows, &start, &column};
  TrestleOptions options{sizeof(TrestleOptions), values, 3};

  TestHost host;
  void* instance = nullptr;
  ASSERT_EQ(def->lifecycle->create(&options, &host.host, &instance), TRESTLE_OK) << host.error;
  ArrowSchema schema{};
  ASSERT_EQ(def->lifecycle->open(instance, &host.host, nullptr, &schema), TRESTLE_OK) << host.error;
  EXPECT_EQ(schema.n_children, 1);
  EXPECT_STREQ(schema.children[0]->name, "n");
  schema.release(&schema);

  int64_t total = 0;
  int64_t first = -1;
  for (int32_t eos = 0; !eos;) {
    ArrowArray batch{};
    ASSERT_EQ(def->source->next(instance, &host.host, 2, &batch, &eos), TRESTLE_OK) << host.error;
    if (eos) break;
    if (first < 0) first = static_cast<const int64_t*>(batch.children[0]->buffers[1])[0];
    total += batch.length;
    batch.release(&batch);
  }
  EXPECT_EQ(total, 5);
  EXPECT_EQ(first, 10);
  EXPECT_EQ(def->lifecycle->close(instance, &host.host), TRESTLE_OK);
  def->lifecycle->destroy(instance);
}

TEST(PluginLibraryTest, KeepsTheLibraryLoadedWhileItLives) {
  const std::string path = FixtureLib("good");
  auto is_loaded = [&] {
    void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_NOLOAD);
    if (handle != nullptr) dlclose(handle);
    return handle != nullptr;
  };
  ASSERT_FALSE(is_loaded());
  {
    Result<std::unique_ptr<PluginLibrary>> r = PluginLibrary::Load(path);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_TRUE(is_loaded());
  }
  EXPECT_FALSE(is_loaded());
}

// ---- one broken fixture per refusal ----------------------------------------------

TEST(PluginLibraryTest, RefusesAFileThatDoesNotExist) {
  const std::string path = testing::FixtureDir("good") + "/libnothere.so";
  EXPECT_THAT(Refusal("missing", path), HasSubstr("cannot open for reading: No such file or directory"));
}

TEST(PluginLibraryTest, RefusesAFileThatIsNotALibrary) {
  const std::string path = testing::FixtureDir("not_a_library") + "/libbad.so";
  EXPECT_THAT(Refusal("not_a_library", path),
              AnyOf(HasSubstr(": cannot be loaded as a shared library: file too short"),
                    HasSubstr(": cannot be loaded as a shared library: invalid ELF header")));
}

TEST(PluginLibraryTest, RefusesALibraryWithAnUndefinedSymbolAtLoadTime) {
  EXPECT_THAT(Refusal("undefined_symbol"),
              HasSubstr(": cannot be loaded as a shared library: undefined symbol: "
                        "trestle_fixture_function_defined_nowhere"));
}

TEST(PluginLibraryTest, RefusesALibraryWithoutTheEntrySymbol) {
  EXPECT_THAT(Refusal("no_entry"), HasSubstr(": does not export the entry symbol trestle_plugin_entry_v1, so it is "
                                             "not a Trestle plugin"));
}

TEST(PluginLibraryTest, RefusesAnotherAbiMajor) {
  const std::string path = FixtureLib("abi_major");
  EXPECT_EQ(Refusal("abi_major"), path + ": built for ABI 2.0, this runtime supports ABI " +
                                      std::to_string(TRESTLE_ABI_MAJOR) + ".x (" + HostVersion() + ")");
}

TEST(PluginLibraryTest, RefusesANewerAbiMinor) {
  const std::string path = FixtureLib("abi_minor_newer");
  const std::string plugin_version = std::to_string(TRESTLE_ABI_MAJOR) + "." + std::to_string(TRESTLE_ABI_MINOR + 1);
  EXPECT_EQ(Refusal("abi_minor_newer"), path + ": built for ABI " + plugin_version + ", newer than this runtime's ABI " +
                                            HostVersion() + "; upgrade the runtime or rebuild the plugin against SDK " +
                                            HostVersion());
}

TEST(PluginLibraryTest, RefusesWithThePluginsOwnError) {
  EXPECT_EQ(Refusal("descriptor_error"),
            FixtureLib("descriptor_error") + ": the plugin reported: model registry unreachable while listing operators");
}

TEST(PluginLibraryTest, RefusesAnEntryThatThrows) {
  EXPECT_EQ(Refusal("descriptor_throws"), FixtureLib("descriptor_throws") +
                                              ": the entry function trestle_plugin_entry_v1 threw an exception: "
                                              "fixture exploded while describing itself");
}

TEST(PluginLibraryTest, RefusesAnEntryThatReturnsNull) {
  EXPECT_EQ(Refusal("descriptor_null"), FixtureLib("descriptor_null") +
                                            ": the entry function trestle_plugin_entry_v1 returned NULL instead of "
                                            "a descriptor");
}

TEST(PluginLibraryTest, RefusesADefaultOfTheWrongType) {
  EXPECT_EQ(Refusal("bad_param_default"),
            FixtureLib("bad_param_default") + ": parameter \"lo\" of operator \"clip\": default \"abc\" is not a double");
}

TEST(PluginLibraryTest, RefusesAMinimumAboveTheMaximum) {
  EXPECT_EQ(Refusal("bad_param_range"),
            FixtureLib("bad_param_range") + ": parameter \"lo\" of operator \"clip\": min 5 is greater than max 1");
}

TEST(PluginLibraryTest, RefusesAMissingRoleFunction) {
  EXPECT_EQ(Refusal("missing_function"),
            FixtureLib("missing_function") + ": operator \"clip\": process function \"process\" is NULL");
}

}  // namespace
}  // namespace trestle::core
