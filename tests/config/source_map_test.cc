#include "config/source_map.h"

#include <gtest/gtest.h>

#include "config/field_path.h"

namespace trestle::core {
namespace {

TEST(FieldPathTest, Helpers) {
  EXPECT_EQ(JoinPath("", "pipeline"), "pipeline");
  EXPECT_EQ(JoinPath("nodes[0]", "name"), "nodes[0].name");
  EXPECT_EQ(IndexPath("nodes", 3), "nodes[3]");
  EXPECT_EQ(ParentPath("nodes[0].options.columns[1]"), "nodes[0].options.columns");
  EXPECT_EQ(ParentPath("nodes[0].options"), "nodes[0]");
  EXPECT_EQ(ParentPath("nodes[0]"), "nodes");
  EXPECT_EQ(ParentPath("nodes"), "");
  EXPECT_EQ(ParentPath(""), "");
  EXPECT_TRUE(PathIsUnder("nodes[1].name", "nodes[1]"));
  EXPECT_TRUE(PathIsUnder("nodes[1]", "nodes[1]"));
  EXPECT_FALSE(PathIsUnder("nodes[10]", "nodes[1"));
  EXPECT_FALSE(PathIsUnder("executions", "execution"));
  EXPECT_EQ(NodeIndexOf("nodes[12].options.x"), 12);
  EXPECT_EQ(NodeIndexOf("nodes[x]"), std::nullopt);
  EXPECT_EQ(NodeIndexOf("execution"), std::nullopt);
}

TEST(SourceMapTest, LookupFallsBackToLongestRecordedPrefix) {
  SourceMap map;
  map.Record("pipeline", {1, 11, {}});
  map.Record("nodes", {2, 3, {}});
  map.Record("nodes[0]", {3, 5, {}});
  map.Record("nodes[0].options", {6, 7, {}});
  map.Record("nodes[0].options.columns[1]", {7, 22, {}});

  EXPECT_EQ(map.Lookup("nodes[0].options.columns[1]").column, 22);
  EXPECT_EQ(map.Lookup("nodes[0].options.model").line, 6);  // missing: its parent
  EXPECT_EQ(map.Lookup("nodes[0].type").line, 3);
  EXPECT_EQ(map.Lookup("nodes[5].type").line, 2);
  EXPECT_EQ(map.Lookup("execution.batch_rows").line, 0);  // nothing on the way up
  EXPECT_EQ(map.Find("nodes[0].type"), nullptr);
  ASSERT_NE(map.Find("pipeline"), nullptr);
  EXPECT_EQ(map.Find("pipeline")->column, 11);
}

TEST(SourceMapTest, EraseUnderForgetsASubtree) {
  SourceMap map;
  map.Record("nodes[1].options.columns", {4, 1, {}});
  map.Record("nodes[1].options.columns[0]", {4, 2, {}});
  map.Record("nodes[1].options.columnsx", {5, 1, {}});
  map.Record("nodes[1].options.threshold", {6, 1, {}});
  map.RecordText("nodes[1].options.columns[0]", "1.50");
  map.EraseUnder("nodes[1].options.columns");
  EXPECT_EQ(map.Find("nodes[1].options.columns"), nullptr);
  EXPECT_EQ(map.Find("nodes[1].options.columns[0]"), nullptr);
  EXPECT_EQ(map.OriginalText("nodes[1].options.columns[0]"), nullptr);
  EXPECT_NE(map.Find("nodes[1].options.columnsx"), nullptr);
  EXPECT_NE(map.Find("nodes[1].options.threshold"), nullptr);
  map.Record("nodes[1].options.columns", {0, 0, "--set features.columns"});
  EXPECT_EQ(map.Lookup("nodes[1].options.columns[3]").origin, "--set features.columns");
}

}  // namespace
}  // namespace trestle::core
