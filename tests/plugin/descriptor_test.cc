#include "plugin/descriptor.h"

#include <cmath>
#include <limits>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "fixtures/raw_plugin.h"

namespace trestle::core {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// Each test starts from the well-formed raw plugin of the fixtures, breaks one thing
// and reads it back.
class DescriptorTest : public ::testing::Test {
 protected:
  fixture::RawPlugin plugin_{"raw"};
  TrestleParamSpec& lo_ = plugin_.lo;
  TrestleOperatorDef& op_ = plugin_.op;
  TrestlePluginDescriptor& desc_ = plugin_.descriptor;

  std::string Error() {
    Result<PluginDescription> r = ReadPluginDescriptor(&desc_);
    if (r.ok()) return "(accepted)";
    EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
    return r.status().message();
  }
  // Makes "lo" a parameter of `type` with only the flags given.
  void Param(int32_t type, int32_t flags, const char* default_value = nullptr) {
    lo_.type = type;
    lo_.flags = flags;
    lo_.default_value = default_value;
  }
};

TEST_F(DescriptorTest, CopiesAWellFormedDescriptor) {
  Result<PluginDescription> r = ReadPluginDescriptor(&desc_);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->name, "raw");
  EXPECT_EQ(r->version, "1.0.0");
  EXPECT_EQ(r->abi_major, uint32_t{TRESTLE_ABI_MAJOR});
  EXPECT_EQ(r->abi_minor, uint32_t{TRESTLE_ABI_MINOR});
  ASSERT_EQ(r->operators.size(), 1u);
  const PluginOperator& op = r->operators[0];
  EXPECT_EQ(op.def, &op_);
  EXPECT_EQ(op.info.name, "clip");
  EXPECT_EQ(op.info.doc, "Clamps a column.");
  EXPECT_EQ(op.info.plugin, "raw");
  EXPECT_EQ(op.info.role, Role::kTransform);
  EXPECT_EQ(op.info.threading, Threading::kReentrant);
  EXPECT_FALSE(op.info.ordered_input);
  EXPECT_EQ(op.info.input_doc, "");
  ASSERT_EQ(op.info.params.size(), 1u);
  const ParamInfo& lo = op.info.params[0];
  EXPECT_EQ(lo.name, "lo");
  EXPECT_EQ(lo.doc, "lower bound");
  EXPECT_EQ(lo.type, ParamType::kDouble);
  EXPECT_FALSE(lo.required);
  EXPECT_FALSE(lo.secret);
  EXPECT_EQ(lo.default_json, "0");
  EXPECT_EQ(lo.min, 0.0);
  EXPECT_EQ(lo.max, 10.0);
  EXPECT_TRUE(lo.enum_values.empty());
}

TEST_F(DescriptorTest, OperatorNames) {
  EXPECT_TRUE(IsValidOperatorName("clip"));
  EXPECT_TRUE(IsValidOperatorName("csv_source2"));
  EXPECT_FALSE(IsValidOperatorName(""));
  EXPECT_FALSE(IsValidOperatorName("Clip"));
  EXPECT_FALSE(IsValidOperatorName("2clip"));
  EXPECT_FALSE(IsValidOperatorName("_clip"));
  EXPECT_FALSE(IsValidOperatorName("one-hot"));
  EXPECT_FALSE(IsValidOperatorName("one hot"));
}

// ---- the descriptor --------------------------------------------------------------

TEST_F(DescriptorTest, RefusesNull) {
  Result<PluginDescription> r = ReadPluginDescriptor(nullptr);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "the entry function trestle_plugin_entry_v1 returned NULL instead of a descriptor");
}

TEST_F(DescriptorTest, RefusesATooSmallStruct) {
  desc_.struct_size = 4;
  EXPECT_THAT(Error(), HasSubstr("the descriptor has struct_size 4, smaller than the"));
  desc_.struct_size = sizeof(TrestlePluginDescriptor) - sizeof(const char*);
  EXPECT_THAT(Error(), HasSubstr("the descriptor has struct_size"));
}

TEST_F(DescriptorTest, RefusesAnotherAbiMajor) {
  desc_.abi_major = TRESTLE_ABI_MAJOR + 1;
  desc_.abi_minor = 0;
  const std::string host = std::to_string(TRESTLE_ABI_MAJOR) + "." + std::to_string(TRESTLE_ABI_MINOR);
  EXPECT_EQ(Error(), "built for ABI " + std::to_string(TRESTLE_ABI_MAJOR + 1) + ".0, this runtime supports ABI " +
                         std::to_string(TRESTLE_ABI_MAJOR) + ".x (" + host + ")");
  desc_.abi_major = 0;
  EXPECT_THAT(Error(), HasSubstr("built for ABI 0.0, this runtime supports ABI"));
}

TEST_F(DescriptorTest, RefusesANewerAbiMinor) {
  desc_.abi_minor = TRESTLE_ABI_MINOR + 1;
  EXPECT_THAT(Error(), HasSubstr("built for ABI " + std::to_string(TRESTLE_ABI_MAJOR) + "." +
                                 std::to_string(TRESTLE_ABI_MINOR + 1) + ", newer than this runtime's ABI"));
}

TEST_F(DescriptorTest, AcceptsAnOlderOrEqualAbiMinor) {
  desc_.abi_minor = 0;
  EXPECT_EQ(Error(), "(accepted)");
}

TEST_F(DescriptorTest, RefusesWithThePluginsOwnError) {
  desc_.error = "no GPU";
  EXPECT_EQ(Error(), "the plugin reported: no GPU");
}

TEST_F(DescriptorTest, RefusesAMissingNameOrVersion) {
  desc_.version = "";
  EXPECT_EQ(Error(), "plugin \"raw\" has no version");
  desc_.version = nullptr;
  EXPECT_EQ(Error(), "plugin \"raw\" has no version");
  desc_.name = nullptr;
  EXPECT_EQ(Error(), "the descriptor has no plugin name");
}

TEST_F(DescriptorTest, RefusesAPluginWithoutOperators) {
  desc_.num_operators = 0;
  EXPECT_EQ(Error(), "plugin \"raw\" declares no operators");
  desc_.num_operators = 1;
  desc_.operators = nullptr;
  EXPECT_EQ(Error(), "plugin \"raw\": operators is NULL but num_operators is 1");
}

// ---- operators -------------------------------------------------------------------

TEST_F(DescriptorTest, RefusesANullOrTooSmallOperator) {
  plugin_.operators[0] = nullptr;
  EXPECT_EQ(Error(), "operator #0 is NULL");
  plugin_.operators[0] = &op_;
  op_.struct_size = 8;
  EXPECT_THAT(Error(), HasSubstr("operator #0 has struct_size 8, smaller than the"));
}

TEST_F(DescriptorTest, RefusesBadOperatorNames) {
  op_.name = nullptr;
  EXPECT_EQ(Error(), "operator #0 has no name");
  op_.name = "";
  EXPECT_EQ(Error(), "operator #0 has no name");
  op_.name = "Clip";
  EXPECT_EQ(Error(),
            "operator #0: name \"Clip\" is not valid (lower-case letters, digits and '_', starting with a letter)");
}

TEST_F(DescriptorTest, RefusesAnOperatorDeclaredTwice) {
  const TrestleOperatorDef* twice[] = {&op_, &op_};
  desc_.operators = twice;
  desc_.num_operators = 2;
  EXPECT_EQ(Error(), "operator \"clip\" is declared twice");
}

TEST_F(DescriptorTest, RefusesUnknownRoleOrThreading) {
  op_.role = 9;
  EXPECT_EQ(Error(), "operator \"clip\": unknown role 9");
  op_.role = TRESTLE_ROLE_TRANSFORM;
  op_.threading = 3;
  EXPECT_EQ(Error(), "operator \"clip\": unknown threading 3");
}

TEST_F(DescriptorTest, RefusesAnIncompleteLifecycleTable) {
  plugin_.lifecycle.close = nullptr;
  EXPECT_EQ(Error(), "operator \"clip\": lifecycle function \"close\" is NULL");
  plugin_.lifecycle.struct_size = 4;
  EXPECT_THAT(Error(), HasSubstr("operator \"clip\": the lifecycle table has struct_size 4"));
  op_.lifecycle = nullptr;
  EXPECT_EQ(Error(), "operator \"clip\": the lifecycle table is NULL");
}

TEST_F(DescriptorTest, RequiresExactlyTheTableOfTheRole) {
  op_.role = TRESTLE_ROLE_SOURCE;
  EXPECT_EQ(Error(), "operator \"clip\": a source needs the source table, which is NULL");
  TrestleSourceFns source{sizeof(TrestleSourceFns), nullptr, nullptr};
  op_.source = &source;
  EXPECT_EQ(Error(), "operator \"clip\": a source must not have a process table (only the table of its role is set)");
  op_.process = nullptr;
  EXPECT_EQ(Error(), "operator \"clip\": source function \"next\" is NULL");

  op_.role = TRESTLE_ROLE_MODEL;
  op_.source = nullptr;
  op_.process = &plugin_.process;
  EXPECT_EQ(Error(), "(accepted)");

  TrestleSinkFns sink{sizeof(TrestleSinkFns), nullptr, nullptr, nullptr};
  op_.sink = &sink;
  EXPECT_EQ(Error(), "operator \"clip\": a model must not have a sink table (only the table of its role is set)");
  op_.role = TRESTLE_ROLE_SINK;
  op_.process = nullptr;
  EXPECT_EQ(Error(), "operator \"clip\": sink function \"write\" is NULL");

  op_.role = TRESTLE_ROLE_MONITOR;
  op_.sink = nullptr;
  EXPECT_EQ(Error(), "operator \"clip\": a monitor needs the monitor table, which is NULL");
}

TEST_F(DescriptorTest, RefusesAMissingRoleFunction) {
  plugin_.process.process = nullptr;
  EXPECT_EQ(Error(), "operator \"clip\": process function \"process\" is NULL");
  plugin_.process.struct_size = 2;
  EXPECT_THAT(Error(), HasSubstr("operator \"clip\": the process table has struct_size 2"));
}

TEST_F(DescriptorTest, CopiesOperatorFlagsAndDocs) {
  op_.role = TRESTLE_ROLE_SINK;
  op_.process = nullptr;
  TrestleSinkFns sink{sizeof(TrestleSinkFns), [](void*, const TrestleHost*, ArrowArray*) { return 0; },
                      [](void*, const TrestleHost*, int32_t) { return 0; }, nullptr};
  op_.sink = &sink;
  op_.flags = TRESTLE_OP_ORDERED_INPUT;
  op_.threading = TRESTLE_THREADING_PER_WORKER;
  op_.doc = nullptr;
  op_.input_doc = "any columns";
  op_.output_doc = "nothing";
  Result<PluginDescription> r = ReadPluginDescriptor(&desc_);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const OperatorInfo& info = r->operators[0].info;
  EXPECT_EQ(info.role, Role::kSink);
  EXPECT_EQ(info.threading, Threading::kPerWorker);
  EXPECT_TRUE(info.ordered_input);
  EXPECT_EQ(info.doc, "");
  EXPECT_EQ(info.input_doc, "any columns");
  EXPECT_EQ(info.output_doc, "nothing");
  EXPECT_FALSE(info.two_phase);
}

TEST_F(DescriptorTest, ASinkWithPublishPublishesInTwoPhasesOnlyWhenItsTableHasTheField) {
  op_.role = TRESTLE_ROLE_SINK;
  op_.process = nullptr;
  TrestleSinkFns sink{sizeof(TrestleSinkFns), [](void*, const TrestleHost*, ArrowArray*) { return 0; },
                      [](void*, const TrestleHost*, int32_t) { return 0; },
                      [](void*, const TrestleHost*) { return 0; }};
  op_.sink = &sink;
  Result<PluginDescription> r = ReadPluginDescriptor(&desc_);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->operators[0].info.two_phase);
  // A 1.1 table ends at `commit`: whatever follows it in memory is not read.
  sink.struct_size = offsetof(TrestleSinkFns, publish);
  r = ReadPluginDescriptor(&desc_);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_FALSE(r->operators[0].info.two_phase);
}

// ---- parameters ------------------------------------------------------------------

TEST_F(DescriptorTest, RefusesMalformedParameterEntries) {
  op_.params = nullptr;
  EXPECT_EQ(Error(), "operator \"clip\": params is NULL but num_params is 1");
  op_.params = plugin_.params;
  plugin_.params[0] = nullptr;
  EXPECT_EQ(Error(), "parameter #0 of operator \"clip\" is NULL");
  plugin_.params[0] = &lo_;
  lo_.struct_size = 12;
  EXPECT_THAT(Error(), HasSubstr("parameter #0 of operator \"clip\" has struct_size 12"));
  lo_.struct_size = sizeof(TrestleParamSpec);
  lo_.name = "";
  EXPECT_EQ(Error(), "parameter #0 of operator \"clip\" has no name");
  lo_.name = "lo";
  lo_.type = 0;
  EXPECT_EQ(Error(), "parameter \"lo\" of operator \"clip\": unknown type 0");
}

TEST_F(DescriptorTest, RefusesAParameterDeclaredTwice) {
  const TrestleParamSpec* twice[] = {&lo_, &lo_};
  op_.params = twice;
  op_.num_params = 2;
  EXPECT_EQ(Error(), "parameter \"lo\" of operator \"clip\": declared twice");
}

TEST_F(DescriptorTest, RefusesAllowedValuesOnNonStringTypes) {
  const char* const values[] = {"a", "b"};
  lo_.enum_values = values;
  lo_.num_enum_values = 2;
  EXPECT_EQ(Error(),
            "parameter \"lo\" of operator \"clip\": allowed values are given, but only string and list<string> "
            "parameters take them, not a double");
  Param(TRESTLE_PARAM_STRING, 0);
  EXPECT_EQ(Error(), "(accepted)");
  lo_.enum_values = nullptr;
  EXPECT_EQ(Error(), "parameter \"lo\" of operator \"clip\": enum_values is NULL but num_enum_values is 2");
  const char* const with_null[] = {"a", nullptr};
  lo_.enum_values = with_null;
  EXPECT_EQ(Error(), "parameter \"lo\" of operator \"clip\": allowed value #1 is NULL");
}

TEST_F(DescriptorTest, RefusesBadRanges) {
  lo_.min = 5;
  lo_.max = 1;
  lo_.default_value = "3";
  EXPECT_EQ(Error(), "parameter \"lo\" of operator \"clip\": min 5 is greater than max 1");
  lo_.min = std::nan("");
  EXPECT_EQ(Error(), "parameter \"lo\" of operator \"clip\": min is not a number");
  Param(TRESTLE_PARAM_BOOL, TRESTLE_PARAM_HAS_MAX);
  EXPECT_EQ(Error(), "parameter \"lo\" of operator \"clip\": has a range, but ranges bound numbers and list "
                     "lengths, not a bool");
  Param(TRESTLE_PARAM_STRING, TRESTLE_PARAM_HAS_MIN);
  EXPECT_THAT(Error(), HasSubstr("not a string"));
}

TEST_F(DescriptorTest, AcceptsOneSidedAndEqualBounds) {
  lo_.flags = TRESTLE_PARAM_HAS_MIN;
  lo_.min = 2;
  lo_.max = -std::numeric_limits<double>::infinity();  // ignored: no HAS_MAX
  Result<PluginDescription> r = ReadPluginDescriptor(&desc_);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->operators[0].info.params[0].min, 2.0);
  EXPECT_EQ(r->operators[0].info.params[0].max, std::nullopt);
  EXPECT_EQ(r->operators[0].info.params[0].default_json, std::nullopt);
  lo_.flags = TRESTLE_PARAM_HAS_MIN | TRESTLE_PARAM_HAS_MAX | TRESTLE_PARAM_HAS_DEFAULT;
  lo_.max = 2;
  lo_.default_value = "2";
  EXPECT_EQ(Error(), "(accepted)");
}

TEST_F(DescriptorTest, RefusesRequiredWithDefault) {
  lo_.flags |= TRESTLE_PARAM_REQUIRED;
  EXPECT_EQ(Error(), "parameter \"lo\" of operator \"clip\": is both required and has a default; declare one or "
                     "the other");
}

TEST_F(DescriptorTest, RefusesHasDefaultWithoutDefault) {
  lo_.default_value = nullptr;
  EXPECT_EQ(Error(), "parameter \"lo\" of operator \"clip\": HAS_DEFAULT is set but default_value is NULL");
}

TEST_F(DescriptorTest, CopiesRequiredAndSecretFlags) {
  Param(TRESTLE_PARAM_STRING, TRESTLE_PARAM_REQUIRED | TRESTLE_PARAM_SECRET, "\"ignored without HAS_DEFAULT\"");
  Result<PluginDescription> r = ReadPluginDescriptor(&desc_);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const ParamInfo& p = r->operators[0].info.params[0];
  EXPECT_EQ(p.type, ParamType::kString);
  EXPECT_TRUE(p.required);
  EXPECT_TRUE(p.secret);
  EXPECT_EQ(p.default_json, std::nullopt);
  EXPECT_EQ(p.min, std::nullopt);
}

TEST_F(DescriptorTest, AnOutputPathIsAStringParameter) {
  Param(TRESTLE_PARAM_STRING, TRESTLE_PARAM_REQUIRED | TRESTLE_PARAM_OUTPUT_PATH, nullptr);
  Result<PluginDescription> r = ReadPluginDescriptor(&desc_);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->operators[0].info.params[0].output_path);
  Param(TRESTLE_PARAM_INT, TRESTLE_PARAM_REQUIRED | TRESTLE_PARAM_OUTPUT_PATH, nullptr);
  EXPECT_THAT(Error(), HasSubstr("only a string parameter can name an output path, not an int"));
}

// Each default is checked against its type, range and allowed values.
TEST_F(DescriptorTest, ChecksDefaultsAgainstTheirType) {
  const std::string at = "parameter \"lo\" of operator \"clip\": ";
  lo_.default_value = "abc";
  EXPECT_EQ(Error(), at + "default \"abc\" is not a double");
  lo_.default_value = "\"0.5\"";
  EXPECT_EQ(Error(), at + "default \"0.5\" is not a double");
  lo_.default_value = "1e1";
  EXPECT_EQ(Error(), "(accepted)");

  Param(TRESTLE_PARAM_INT, TRESTLE_PARAM_HAS_DEFAULT, "1.5");
  EXPECT_EQ(Error(), at + "default 1.5 is not an int");
  lo_.default_value = "18446744073709551615";
  EXPECT_EQ(Error(), at + "default 18446744073709551615 is not an int");
  lo_.default_value = "-7";
  EXPECT_EQ(Error(), "(accepted)");

  Param(TRESTLE_PARAM_BOOL, TRESTLE_PARAM_HAS_DEFAULT, "1");
  EXPECT_EQ(Error(), at + "default 1 is not a bool");
  lo_.default_value = "false";
  EXPECT_EQ(Error(), "(accepted)");

  Param(TRESTLE_PARAM_STRING, TRESTLE_PARAM_HAS_DEFAULT, "bucket");
  EXPECT_EQ(Error(), at + "default \"bucket\" is not a string (defaults are JSON text: a string is written in quotes)");
  lo_.default_value = "[\"bucket\"]";
  EXPECT_EQ(Error(), at + "default [\"bucket\"] is not a string");

  Param(TRESTLE_PARAM_STRING_LIST, TRESTLE_PARAM_HAS_DEFAULT, "[\"a\", 1]");
  EXPECT_EQ(Error(), at + "default [\"a\", 1] is not a list<string>");
  Param(TRESTLE_PARAM_DOUBLE_LIST, TRESTLE_PARAM_HAS_DEFAULT, "[1, \"2\"]");
  EXPECT_EQ(Error(), at + "default [1, \"2\"] is not a list<double>");
  Param(TRESTLE_PARAM_STRING_MAP, TRESTLE_PARAM_HAS_DEFAULT, "{\"a\": [1]}");
  EXPECT_EQ(Error(), at + "default {\"a\": [1]} is not a map<string, list<string>>");
  lo_.default_value = "{\"a\": [\"x\", \"y\"], \"b\": \"z\"}";
  EXPECT_EQ(Error(), "(accepted)");
}

TEST_F(DescriptorTest, ChecksDefaultsAgainstTheirRange) {
  const std::string at = "parameter \"lo\" of operator \"clip\": ";
  lo_.default_value = "10.5";
  EXPECT_EQ(Error(), at + "default 10.5 is above the maximum 10");
  lo_.default_value = "-0.25";
  EXPECT_EQ(Error(), at + "default -0.25 is below the minimum 0");

  Param(TRESTLE_PARAM_STRING_LIST, TRESTLE_PARAM_HAS_DEFAULT | TRESTLE_PARAM_HAS_MIN | TRESTLE_PARAM_HAS_MAX, "[]");
  lo_.min = 1;
  lo_.max = 2;
  EXPECT_EQ(Error(), at + "default [] has 0 entries, fewer than the minimum 1");
  lo_.default_value = "[\"a\", \"b\", \"c\"]";
  EXPECT_EQ(Error(), at + "default [\"a\", \"b\", \"c\"] has 3 entries, more than the maximum 2");
  lo_.default_value = "[\"a\"]";
  EXPECT_EQ(Error(), "(accepted)");
}

TEST_F(DescriptorTest, ChecksDefaultsAgainstAllowedValues) {
  const std::string at = "parameter \"lo\" of operator \"clip\": ";
  const char* const values[] = {"drop", "bucket"};
  Param(TRESTLE_PARAM_STRING, TRESTLE_PARAM_HAS_DEFAULT, "\"keep\"");
  lo_.enum_values = values;
  lo_.num_enum_values = 2;
  EXPECT_EQ(Error(), at + "default value \"keep\" is not one of the allowed values \"drop\", \"bucket\"");
  Param(TRESTLE_PARAM_STRING_LIST, TRESTLE_PARAM_HAS_DEFAULT, "[\"drop\", \"keep\"]");
  EXPECT_EQ(Error(), at + "default value \"keep\" is not one of the allowed values \"drop\", \"bucket\"");
  lo_.default_value = "[\"drop\", \"bucket\"]";
  Result<PluginDescription> r = ReadPluginDescriptor(&desc_);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_THAT(r->operators[0].info.params[0].enum_values, ElementsAre("drop", "bucket"));
}

TEST_F(DescriptorTest, NormalizesDefaultJson) {
  lo_.default_value = " 1e1 ";
  Result<PluginDescription> r = ReadPluginDescriptor(&desc_);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->operators[0].info.params[0].default_json, "10.0");
  Param(TRESTLE_PARAM_STRING_MAP, TRESTLE_PARAM_HAS_DEFAULT, "{ \"k\" : \"v\" }");
  r = ReadPluginDescriptor(&desc_);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->operators[0].info.params[0].default_json, "{\"k\":\"v\"}");
}

}  // namespace
}  // namespace trestle::core
