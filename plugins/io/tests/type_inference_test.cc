// Type inference that tolerates a few values that do not parse (issue 10, defect 13):
// the rule itself, and what csv_source and jsonl_source do with such values.
#include "type_inference.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "csv_source.h"
#include "jsonl_source.h"
#include "schema_option.h"
#include "test_util.h"

namespace trestle_io {
namespace {

using test::TempDir;
using trestle::Options;
using trestle::Type;
using trestle::testing::Harness;

const char* const kHint =
    ", the type inferred from the sampled rows (to read such values, declare the column's type with the "
    "\"schema\" option)";

// A column of `good` copies of `value` and `bad` copies of `misfit`.
Type guess_of(int good, const char* value, int bad, const char* misfit) {
  TypeGuess g;
  for (int i = 0; i < good; ++i) g.observe(value);
  for (int i = 0; i < bad; ++i) g.observe(misfit);
  return g.result();
}

std::vector<std::string> warnings(const trestle::testing::Recorded& r) {
  std::vector<std::string> out;
  for (const auto& [severity, message] : r.logs)
    if (severity == TRESTLE_LOG_WARNING) out.push_back(message);
  return out;
}

TEST(TypeInference, ToleratesOnePercentMisfitsWithAtLeast99Fits) {
  EXPECT_EQ(guess_of(99, "7", 1, "x"), Type::Int64);   // 1 of 100
  EXPECT_EQ(guess_of(98, "7", 1, "x"), Type::Utf8);    // 98 fits are too few
  EXPECT_EQ(guess_of(990, "7", 10, "x"), Type::Int64);  // 10 of 1000
  EXPECT_EQ(guess_of(989, "7", 11, "x"), Type::Utf8);   // 11 of 1000
  EXPECT_EQ(guess_of(9, "7", 1, "x"), Type::Utf8);      // a small sample
  EXPECT_EQ(guess_of(500, "1.5", 2, "n/a"), Type::Float64);
  EXPECT_EQ(guess_of(500, "TRUE", 2, "yes"), Type::Bool);
  EXPECT_EQ(guess_of(500, "2024-05-01 10:00:00", 2, "yesterday"), Type::TimestampUs);
  EXPECT_EQ(guess_of(1000, "apple", 0, ""), Type::Utf8);
}

TEST(TypeInference, PrefersATypeWithoutMisfits) {
  // A few floats among integers: float64 reads all of them, int64 would refuse 5.
  TypeGuess g;
  for (int i = 0; i < 995; ++i) g.observe(std::to_string(i));
  for (int i = 0; i < 5; ++i) g.observe("2.5");
  EXPECT_EQ(g.result(), Type::Float64);
  EXPECT_EQ(g.infer().misfits, 0);
  // Floats and a few words: float64, whose misfits are fewer than int64's.
  for (int i = 0; i < 3; ++i) g.observe("x", 2000 + i);
  InferredType it = g.infer();
  EXPECT_EQ(it.type, Type::Float64);
  EXPECT_EQ(it.values, 1003);
  EXPECT_EQ(it.misfits, 3);
  EXPECT_EQ(it.first_misfit, "\"x\"");
  EXPECT_EQ(it.first_misfit_line, 2000);
}

TEST(TypeInference, OneAndZeroInABoolColumnAreNoMisfits) {
  TypeGuess g;
  for (int i = 0; i < 300; ++i) g.observe(i % 2 ? "true" : "false");
  g.observe("1");
  InferredType it = g.infer();
  EXPECT_EQ(it.type, Type::Bool);
  EXPECT_EQ(it.misfits, 0);  // "1" reads as true: no row is lost
  EXPECT_EQ(guess_of(100, "1", 0, ""), Type::Int64);
}

TEST(TypeInference, PickCandidate) {
  const Candidate none[] = {{Type::Int64, 0, 0}};
  EXPECT_EQ(pick_candidate(none, 1), -1);
  const Candidate tie[] = {{Type::Int64, 200, 2}, {Type::Float64, 200, 2}};
  EXPECT_EQ(pick_candidate(tie, 2), 0);
  const Candidate fewer[] = {{Type::Int64, 200, 2}, {Type::Float64, 201, 1}};
  EXPECT_EQ(pick_candidate(fewer, 2), 1);
  const Candidate strict_later[] = {{Type::Int64, 200, 1}, {Type::Float64, 201, 0}};
  EXPECT_EQ(pick_candidate(strict_later, 2), 1);
}

TEST(TypeInference, QuoteExcerptCutsAtACharacterBoundary) {
  EXPECT_EQ(quote_excerpt("x"), "\"x\"");
  std::string v = std::string(199, 'a') + "\xc3\xa9" + "tail";  // é straddles byte 200
  EXPECT_EQ(quote_excerpt(v), "\"" + std::string(199, 'a') + "...\"");
}

// ---- csv_source

using Csv = Harness<CsvSource>;

// "id,x\n" then `rows` rows "i,i*2" (line i+1), with "oops" as x in data row `bad_row`.
std::string numbers_csv(int rows, int bad_row) {
  std::string s = "id,x\n";
  for (int i = 1; i <= rows; ++i) s += std::to_string(i) + "," + (i == bad_row ? "oops" : std::to_string(i * 2)) + "\n";
  return s;
}

void expect_one_int64_misfit(int bad_row) {
  SCOPED_TRACE("bad value in data row " + std::to_string(bad_row));
  TempDir d;
  const std::string p = d.write("a.csv", numbers_csv(2000, bad_row));
  Csv h(Options().set("path", p));
  trestle::Schema s = h.open();
  EXPECT_EQ(s.require("x").type, Type::Int64);
  auto bs = h.drain();
  EXPECT_EQ(test::total_rows(bs), 1999);
  const auto& rej = h.recorded().rejected_records;
  ASSERT_EQ(rej.size(), 1u);
  EXPECT_EQ(rej[0].location, p + ":" + std::to_string(bad_row + 1));
  EXPECT_EQ(rej[0].record, std::to_string(bad_row) + ",oops");
  // The same reason within the sample and after it.
  EXPECT_EQ(rej[0].reason, std::string("column \"x\": \"oops\" is not an int64") + kHint);
  std::vector<std::string> w = warnings(h.recorded());
  if (bad_row <= 1000) {
    ASSERT_EQ(w.size(), 1u);
    EXPECT_EQ(w[0], "column \"x\" is inferred as int64 although 1 of its 1000 sampled values are not (the first: "
                    "\"oops\" at " + p + ":" + std::to_string(bad_row + 1) +
                    "); their rows are dead-lettered. To read them, declare the column's type with the \"schema\" "
                    "option");
  } else {
    EXPECT_TRUE(w.empty());
  }
}

TEST(CsvInference, OneMalformedValueInTheSampleIsADeadLetterNotAUtf8Column) {
  expect_one_int64_misfit(1);
  expect_one_int64_misfit(500);
  expect_one_int64_misfit(1500);  // after the sample: as before
}

TEST(CsvInference, WarningIsLoggedOnceNamingEveryMisfitColumn) {
  TempDir d;
  std::string content = "a,b,c\n";
  for (int i = 0; i < 300; ++i) content += std::to_string(i) + "," + std::to_string(i) + ".5,word\n";
  content += "x,1.5,word\n";          // line 302
  content += "1,-,word\n";            // line 303
  content += "y,2.5,word\n";          // line 304
  Csv h(Options().set("path", d.write("a.csv", content)));
  trestle::Schema s = h.open();
  EXPECT_EQ(s.require("a").type, Type::Int64);
  EXPECT_EQ(s.require("b").type, Type::Float64);
  EXPECT_EQ(s.require("c").type, Type::Utf8);
  while (h.next(10)) {
  }
  std::vector<std::string> w = warnings(h.recorded());
  ASSERT_EQ(w.size(), 2u);
  EXPECT_NE(w[0].find("column \"a\" is inferred as int64 although 2 of its 303 sampled values"), std::string::npos)
      << w[0];
  EXPECT_NE(w[0].find("\"x\" at " + d.file("a.csv") + ":302"), std::string::npos) << w[0];
  EXPECT_NE(w[1].find("column \"b\" is inferred as float64 although 1 of its 303"), std::string::npos) << w[1];
  EXPECT_EQ(h.recorded().rejected_records.size(), 3u);
}

TEST(CsvInference, AColumnOfStringsStaysUtf8) {
  TempDir d;
  std::string content = "name,code\n";
  for (int i = 0; i < 1000; ++i) content += "user" + std::to_string(i) + "," + (i % 3 ? "A" : "7") + "\n";
  Csv h(Options().set("path", d.write("a.csv", content)));
  trestle::Schema s = h.open();
  EXPECT_EQ(s.require("name").type, Type::Utf8);
  EXPECT_EQ(s.require("code").type, Type::Utf8);  // a third are numbers: far over 1 %
  auto bs = h.drain();
  EXPECT_EQ(test::total_rows(bs), 1000);
  EXPECT_TRUE(h.recorded().rejected_records.empty());
  EXPECT_TRUE(warnings(h.recorded()).empty());
}

TEST(CsvInference, ASmallFileWithOneBadValueStaysUtf8) {
  TempDir d;
  Csv h(Options().set("path", d.write("a.csv", "x\n1\n2\n3\n4\nfive\n6\n7\n8\n9\n10\n")));
  EXPECT_EQ(h.open().require("x").type, Type::Utf8);
  auto bs = h.drain();
  EXPECT_EQ(test::total_rows(bs), 10);
  EXPECT_TRUE(h.recorded().rejected_records.empty());
  EXPECT_TRUE(warnings(h.recorded()).empty());
}

TEST(CsvInference, NullValuesAreNeitherFitsNorMisfits) {
  TempDir d;
  std::string content = "id,x\n";
  for (int i = 0; i < 150; ++i)
    content += std::to_string(i) + "," + (i % 2 ? std::to_string(i) : std::string(i % 4 ? "NA" : "")) + "\n";
  content += "150,bad\n";  // line 152
  Csv h(Options().set("path", d.write("a.csv", content)));
  // 75 numbers are too few to outvote "bad"; the 75 nulls count neither way.
  EXPECT_EQ(h.open().require("x").type, Type::Utf8);
  for (int i = 0; i < 30; ++i) content += "1" + std::to_string(i) + ",5\n";
  Csv g(Options().set("path", d.write("b.csv", content)));
  EXPECT_EQ(g.open().require("x").type, Type::Int64);  // 105 numbers, 1 misfit
  auto bs = g.drain();
  EXPECT_EQ(test::total_rows(bs), 180);
  ASSERT_EQ(g.recorded().rejected_records.size(), 1u);
  EXPECT_EQ(g.recorded().rejected_records[0].location, d.file("b.csv") + ":152");
}

TEST(CsvInference, ADeclaredColumnsReasonHasNoInferenceHint) {
  TempDir d;
  Csv h(Options().set("path", d.write("a.csv", "x\n1\nzz\n")).set("schema", trestle::StringMap{{"x", {"int64"}}}));
  h.open();
  h.drain();
  ASSERT_EQ(h.recorded().rejected_records.size(), 1u);
  EXPECT_EQ(h.recorded().rejected_records[0].reason, "column \"x\": \"zz\" is not an int64");
}

TEST(CsvInference, TimestampAndBoolColumnsTolerateAMisfit) {
  TempDir d;
  std::string content = "t,b\n";
  for (int i = 0; i < 200; ++i) content += "2024-01-01 00:00:" + std::to_string(10 + i % 50) + ",true\n";
  content += "soon,maybe\n";
  Csv h(Options().set("path", d.write("a.csv", content)));
  trestle::Schema s = h.open();
  EXPECT_EQ(s.require("t").type, Type::TimestampUs);
  EXPECT_EQ(s.require("b").type, Type::Bool);
  auto bs = h.drain();
  EXPECT_EQ(test::total_rows(bs), 200);
  ASSERT_EQ(h.recorded().rejected_records.size(), 1u);
  // The first column that does not parse names the row's reason.
  EXPECT_EQ(h.recorded().rejected_records[0].reason, std::string("column \"t\": \"soon\" is not a timestamp") + kHint);
  EXPECT_EQ(warnings(h.recorded()).size(), 2u);
}

// ---- jsonl_source

using Jsonl = Harness<JsonlSource>;

TEST(JsonlInference, ANumberColumnWithOneStringIsADeadLetter) {
  for (int bad_row : {1, 500, 1500}) {
    SCOPED_TRACE("bad value on line " + std::to_string(bad_row));
    TempDir d;
    std::string content;
    for (int i = 1; i <= 2000; ++i)
      content += "{\"id\": " + std::to_string(i) + ", \"v\": " +
                 (i == bad_row ? std::string("\"n/a\"") : std::to_string(i) + ".5") + "}\n";
    const std::string p = d.write("a.jsonl", content);
    Jsonl h(Options().set("path", p));
    trestle::Schema s = h.open();
    EXPECT_EQ(s.require("v").type, Type::Float64);
    auto bs = h.drain();
    EXPECT_EQ(test::total_rows(bs), 1999);
    const auto& rej = h.recorded().rejected_records;
    ASSERT_EQ(rej.size(), 1u);
    EXPECT_EQ(rej[0].location, p + ":" + std::to_string(bad_row));
    EXPECT_EQ(rej[0].reason, std::string("column \"v\": \"n/a\" is not a float64") + kHint);
    std::vector<std::string> w = warnings(h.recorded());
    if (bad_row <= 1000) {
      ASSERT_EQ(w.size(), 1u);
      EXPECT_EQ(w[0], "column \"v\" is inferred as float64 although 1 of its 1000 sampled values are not (the "
                      "first: \"n/a\" at " + p + ":" + std::to_string(bad_row) +
                      "); their lines are dead-lettered. To read them, declare the column types with the "
                      "\"schema\" option");
    } else {
      EXPECT_TRUE(w.empty());
    }
  }
}

TEST(JsonlInference, IntegerAndBoolColumnsTolerateAMisfit) {
  TempDir d;
  std::string content;
  for (int i = 0; i < 250; ++i) content += "{\"n\": " + std::to_string(i) + ", \"b\": true}\n";
  content += "{\"n\": \"x\", \"b\": 1}\n";     // line 251
  content += "{\"n\": [1], \"b\": false}\n";  // line 252
  const std::string p = d.write("a.jsonl", content);
  Jsonl h(Options().set("path", p));
  trestle::Schema s = h.open();
  EXPECT_EQ(s.require("n").type, Type::Int64);
  EXPECT_EQ(s.require("b").type, Type::Bool);
  auto bs = h.drain();
  EXPECT_EQ(test::total_rows(bs), 250);
  const auto& rej = h.recorded().rejected_records;
  ASSERT_EQ(rej.size(), 2u);
  EXPECT_EQ(rej[0].reason, std::string("column \"n\": \"x\" is not an int64") + kHint);
  EXPECT_EQ(rej[1].reason, std::string("column \"n\": an array is not an int64") + kHint);
  std::vector<std::string> w = warnings(h.recorded());
  ASSERT_EQ(w.size(), 2u);
  EXPECT_NE(w[0].find("column \"n\" is inferred as int64 although 2 of its 252 sampled values are not (the first: "
                      "\"x\" at " + p + ":251)"),
            std::string::npos)
      << w[0];
  EXPECT_NE(w[1].find("column \"b\" is inferred as bool although 1 of its 252 sampled values are not (the first: 1 "
                      "at " + p + ":251)"),
            std::string::npos)
      << w[1];
}

TEST(JsonlInference, AFewFloatsMakeAFloat64ColumnNotMisfits) {
  TempDir d;
  std::string content;
  for (int i = 0; i < 300; ++i) content += "{\"n\": " + std::to_string(i) + "}\n";
  content += "{\"n\": 0.5}\n{\"n\": \"x\"}\n";
  Jsonl h(Options().set("path", d.write("a.jsonl", content)));
  EXPECT_EQ(h.open().require("n").type, Type::Float64);  // 1 misfit ("x") rather than 2
  EXPECT_EQ(test::total_rows(h.drain()), 301);
}

TEST(JsonlInference, StringsAndSmallSamplesStayUtf8) {
  TempDir d;
  std::string strings;
  for (int i = 0; i < 1000; ++i)
    strings += "{\"s\": " + (i % 4 ? "\"w" + std::to_string(i) + "\"" : std::to_string(i)) + "}\n";
  Jsonl h(Options().set("path", d.write("a.jsonl", strings)));
  EXPECT_EQ(h.open().require("s").type, Type::Utf8);
  EXPECT_EQ(test::total_rows(h.drain()), 1000);
  EXPECT_TRUE(warnings(h.recorded()).empty());

  std::string small;
  for (int i = 0; i < 10; ++i) small += "{\"x\": " + (i == 4 ? std::string("\"five\"") : std::to_string(i)) + "}\n";
  Jsonl g(Options().set("path", d.write("b.jsonl", small)));
  EXPECT_EQ(g.open().require("x").type, Type::Utf8);
  EXPECT_EQ(test::strs(g.drain(), "x")[4], "five");
  EXPECT_TRUE(g.recorded().rejected_records.empty());
}

TEST(JsonlInference, NestedValuesInAUtf8ColumnAreWarnedAbout) {
  TempDir d;
  Jsonl h(Options().set("path", d.write("a.jsonl", "{\"a\": \"x\"}\n{\"a\": {\"k\": 1}}\n{\"a\": \"y\"}\n")));
  EXPECT_EQ(h.open().require("a").type, Type::Utf8);
  auto bs = h.drain();
  EXPECT_EQ(test::strs(bs, "a"), (std::vector<std::optional<std::string>>{"x", "y"}));
  std::vector<std::string> w = warnings(h.recorded());
  ASSERT_EQ(w.size(), 1u);
  EXPECT_NE(w[0].find("the first: an object at " + d.file("a.jsonl") + ":2"), std::string::npos) << w[0];
}

TEST(JsonlInference, InvalidLinesInTheSampleAddNoColumns) {
  TempDir d;
  Jsonl h(Options().set("path", d.write("a.jsonl", "{\"a\": 1, \"ghost\": 2\n[1]\n7\n{\"a\": 2}\n")));
  EXPECT_EQ(h.open().names(), (std::vector<std::string>{"a"}));
}

}  // namespace
}  // namespace trestle_io
