// ABI 1.1's describe_model: the host asks a model what it serves when the plugin's
// process table has the function, and gets nothing (no error) from a 1.0 plugin.
#include <cstddef>
#include <string>

#include <gtest/gtest.h>

#include "exec/operator_instance.h"

namespace trestle::core {
namespace {

int g_instance = 0;
int32_t Create(const TrestleOptions*, const TrestleHost*, void** instance) {
  *instance = &g_instance;
  return TRESTLE_OK;
}
int32_t Open(void*, const TrestleHost*, const ArrowSchema*, ArrowSchema*) { return TRESTLE_OK; }
int32_t Close(void*, const TrestleHost*) { return TRESTLE_OK; }
void Destroy(void*) {}
int32_t Process(void*, const TrestleHost*, ArrowArray*, ArrowArray*) { return TRESTLE_INTERNAL; }
int32_t Describe(void*, const TrestleHost*, TrestleModelInfo* info) {
  info->framework = "forest 2.1";
  info->version = "2026-11-20";
  return TRESTLE_OK;
}
int32_t DescribeFails(void*, const TrestleHost* host, TrestleModelInfo*) {
  host->api->set_error(host->self, TRESTLE_INTERNAL, "no model loaded");
  return TRESTLE_INTERNAL;
}

struct Model {
  explicit Model(uint32_t process_size, decltype(TrestleProcessFns::describe_model) describe) {
    lifecycle = {sizeof(TrestleLifecycleFns), &Create, &Open, &Close, &Destroy};
    process = {process_size, &Process, describe, nullptr};
    def.struct_size = sizeof(TrestleOperatorDef);
    def.name = "m";
    def.role = TRESTLE_ROLE_MODEL;
    def.lifecycle = &lifecycle;
    def.process = &process;
    binding.def = &def;
  }
  TrestleLifecycleFns lifecycle{};
  TrestleProcessFns process{};
  TrestleOperatorDef def{};
  RegisteredOperator binding;
  NodeHost host;
};

TEST(DescribeModel, An11PluginTellsItsFrameworkAndVersion) {
  Model m(sizeof(TrestleProcessFns), &Describe);
  auto inst = OperatorInstance::Make(m.binding, {}, &m.host);
  ASSERT_TRUE(inst.ok()) << inst.status().ToString();
  auto info = (*inst)->DescribeModel();
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_EQ(info->framework, "forest 2.1");
  EXPECT_EQ(info->version, "2026-11-20");
}

TEST(DescribeModel, A10PluginWhoseTableEndsBeforeTheFunctionTellsNothing) {
  // The table of a 1.0 plugin: struct_size ends at `process`; what follows is not read.
  Model m(offsetof(TrestleProcessFns, describe_model), &DescribeFails);
  auto inst = OperatorInstance::Make(m.binding, {}, &m.host);
  ASSERT_TRUE(inst.ok());
  auto info = (*inst)->DescribeModel();
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_EQ(info->framework, "");
  EXPECT_EQ(info->version, "");
}

TEST(DescribeModel, AFailureIsTheStatusThePluginSet) {
  Model m(sizeof(TrestleProcessFns), &DescribeFails);
  auto inst = OperatorInstance::Make(m.binding, {}, &m.host);
  ASSERT_TRUE(inst.ok());
  auto info = (*inst)->DescribeModel();
  ASSERT_FALSE(info.ok());
  EXPECT_EQ(info.status().message(), "no model loaded");
}

}  // namespace
}  // namespace trestle::core
