// ParseIsoTimeMicros: ISO-8601 dates and times with fractions and zone offsets.
#include "store/run_store.h"

#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace trestle::core {
namespace {

using ::testing::HasSubstr;

TEST(IsoTimeTest, ParsesDatesTimesFractionsAndOffsets) {
  auto p = [](const std::string& s) {
    auto r = ParseIsoTimeMicros(s);
    EXPECT_TRUE(r.ok()) << s << ": " << r.status().ToString();
    return r.ok() ? *r : -1;
  };
  EXPECT_EQ(p("1970-01-01"), 0);
  EXPECT_EQ(p("1970-01-02"), 86400LL * 1000000);
  EXPECT_EQ(p("2026-11-25T06:19:07Z"), 1795587547LL * 1000000);
  EXPECT_EQ(p("2026-11-25T06:19:07.25Z"), 1795587547LL * 1000000 + 250000);
  EXPECT_EQ(p("2026-11-25 06:19:07.123456"), 1795587547LL * 1000000 + 123456);
  EXPECT_EQ(p("2026-11-25T06:19"), 1795587540LL * 1000000);
  EXPECT_EQ(p("2026-11-25T08:19:07+02:00"), 1795587547LL * 1000000);
  EXPECT_EQ(p("2026-11-25T01:19:07-0500"), 1795587547LL * 1000000);
  EXPECT_EQ(p("2024-02-29"), 1709164800LL * 1000000);
  for (const char* bad : {"", "2026", "2026-13-01", "2025-02-29", "2026-11-25T25:00", "2026-11-25T06:19:07Zjunk",
                          "yesterday", "2026-11-25T06"}) {
    auto r = ParseIsoTimeMicros(bad);
    EXPECT_FALSE(r.ok()) << bad;
    if (!r.ok()) {
      EXPECT_THAT(r.status().message(), HasSubstr("ISO-8601"));
    }
  }
}

}  // namespace
}  // namespace trestle::core
