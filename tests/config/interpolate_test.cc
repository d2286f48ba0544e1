#include "config/interpolate.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>

#include "config/scalar_text.h"

namespace trestle::core {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

Getenv Env(std::map<std::string, std::string> vars) {
  return [vars](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

TEST(InterpolateTest, ReplacesVariablesDefaultsAndDollars) {
  Getenv env = Env({{"ROOT", "/data"}, {"EMPTY", ""}});
  Interpolated r = Interpolate("${ROOT}/in-${DAY:-today}.csv costs $$5 or $x", env);
  EXPECT_THAT(r.errors, IsEmpty());
  EXPECT_TRUE(r.substituted);
  EXPECT_EQ(r.text, "/data/in-today.csv costs $5 or $x");
  EXPECT_EQ(Interpolate("${EMPTY:-fallback}", env).text, "fallback");  // as in the shell
  EXPECT_EQ(Interpolate("[${EMPTY}]", env).text, "[]");
  EXPECT_EQ(Interpolate("${ROOT:-}", env).text, "/data");
  EXPECT_EQ(Interpolate("${N:-a:-b}", env).text, "a:-b");
  EXPECT_EQ(Interpolate("trailing $", env).text, "trailing $");
  Interpolated plain = Interpolate("no variables $$", env);
  EXPECT_FALSE(plain.substituted);
  EXPECT_EQ(plain.text, "no variables $");
}

TEST(InterpolateTest, ReportsEveryProblem) {
  Interpolated r = Interpolate("${A}/${B:-ok}/${C}/${9x}", Env({}));
  EXPECT_THAT(
      r.errors,
      ElementsAre(R"(environment variable "A" is not set (write ${A:-default} to give a default))",
                  R"(environment variable "C" is not set (write ${C:-default} to give a default))",
                  R"(invalid variable name "9x" in "${...}")"));
  EXPECT_THAT(Interpolate("${OPEN", Env({})).errors,
              ElementsAre(R"(unterminated "${" (write "$$" for a literal "$"))"));
}

TEST(InterpolateTest, ProcessEnvironment) {
  ::setenv("TRESTLE_CONFIG_TEST_VAR", "42", 1);
  EXPECT_EQ(Interpolate("${TRESTLE_CONFIG_TEST_VAR}", ProcessEnvironment()).text, "42");
  ::unsetenv("TRESTLE_CONFIG_TEST_VAR");
  EXPECT_EQ(Interpolate("${TRESTLE_CONFIG_TEST_VAR}", ProcessEnvironment()).errors.size(), 1u);
}

TEST(ScalarTextTest, Numbers) {
  EXPECT_EQ(ParseNumber("1.5"), 1.5);
  EXPECT_EQ(ParseNumber("+2"), 2);
  EXPECT_EQ(ParseNumber("-.5"), -0.5);
  EXPECT_EQ(ParseNumber("1e3"), 1000);
  EXPECT_EQ(ParseNumber("7."), 7);
  for (const char* bad :
       {"", ".", "-", "1e", "0x1f", ".inf", "nan", "1_000", "1.5 ", "e3", "1e999"}) {
    EXPECT_EQ(ParseNumber(bad), std::nullopt) << bad;
  }
  EXPECT_EQ(ParseInteger("-42"), -42);
  EXPECT_EQ(ParseInteger("007"), 7);
  EXPECT_EQ(ParseInteger("9223372036854775807"), INT64_MAX);
  EXPECT_EQ(ParseInteger("9223372036854775808"), std::nullopt);
  EXPECT_EQ(ParseInteger("1e3"), 1000);
  EXPECT_EQ(ParseInteger("2.0"), 2);
  EXPECT_EQ(ParseInteger("2.5"), std::nullopt);
  EXPECT_EQ(ParseInteger("1e19"), std::nullopt);
  EXPECT_EQ(ParseBool("True"), true);
  EXPECT_EQ(ParseBool("false"), false);
  EXPECT_EQ(ParseBool("yes"), std::nullopt);
  EXPECT_EQ(FormatNumber(2), "2");
  EXPECT_EQ(FormatNumber(-0.25), "-0.25");
  EXPECT_EQ(FormatNumber(0.1), "0.1");
  EXPECT_EQ(FormatNumber(1e300), "1e+300");
}

}  // namespace
}  // namespace trestle::core
