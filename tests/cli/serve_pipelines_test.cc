// `trestle serve` end to end: the pipelines serving refuses, and the serve section that
// names the response node while the other sinks run as in a batch run.

#include <algorithm>

#include "serve_fixture.h"

namespace trestle::clitest {
namespace {

TEST_F(ServeTest, PipelinesThatCannotBeServedAreRefusedWithExit78) {
  Write("m.json", LinearModel(10));
  struct Refused {
    std::string name, yaml;
    std::vector<std::string> args;
    std::string message;
  };
  const std::string seq = "  - {name: seq, type: sequence, options: {rows: 5}}\n";
  const std::vector<Refused> cases = {
      {"two-sources",
       seq + "  - {name: seq2, type: sequence, options: {rows: 5}}\n"
             "  - {name: out, type: jsonl_sink, inputs: [seq], options: {path: a.jsonl}}\n"
             "  - {name: out2, type: jsonl_sink, inputs: [seq2], options: {path: b.jsonl}}\n",
       {},
       "a served pipeline has exactly one source (its rows become the requests); this one has 2: \"seq\", \"seq2\""},
      {"aggregating",
       seq + "  - {name: count, type: modulo_count, inputs: [seq]}\n"
             "  - {name: out, type: jsonl_sink, inputs: [count], options: {path: a.jsonl}}\n",
       {},
       "node \"count\" (modulo_count) aggregates"},
      {"two-sinks",
       seq + "  - {name: score, type: linear, inputs: [seq], options: {model: m.json}}\n"
             "  - {name: out1, type: jsonl_sink, inputs: [score], options: {path: a.jsonl}}\n"
             "  - {name: out2, type: jsonl_sink, inputs: [score], options: {path: b.jsonl}}\n",
       {},
       "several sinks receive the rows of source \"seq\" (\"out1\", \"out2\"); name the one"},
      {"response-not-a-sink",
       seq + "  - {name: score, type: linear, inputs: [seq], options: {model: m.json}}\n"
             "  - {name: out, type: jsonl_sink, inputs: [score], options: {path: a.jsonl}}\n",
       {"--response", "score"},
       "node \"score\" is a"},
      {"response-unknown",
       seq + "  - {name: out, type: jsonl_sink, inputs: [seq], options: {path: a.jsonl}}\n",
       {"--response", "nope"},
       "no node \"nope\""},
  };
  for (const Refused& c : cases) {
    Write(c.name + ".yaml", "pipeline: " + c.name + "\nnodes:\n" + c.yaml);
    std::vector<std::string> args = {"serve", c.name + ".yaml", "--listen", "127.0.0.1:0", "--no-admin"};
    args.insert(args.end(), c.args.begin(), c.args.end());
    ProcessResult r = Trestle(args);
    EXPECT_EXIT_CODE(r, 78) << c.name;
    EXPECT_TRUE(Contains(r.err, "cannot serve pipeline \"" + c.name + "\"")) << c.name << ": " << r.err;
    EXPECT_TRUE(Contains(r.err, c.message)) << c.name << ": " << r.err;
    if (c.name == "response-not-a-sink") {
      EXPECT_TRUE(Contains(r.err, "not a sink")) << r.err;
    }
    EXPECT_FALSE(Contains(r.err, "listening on")) << c.name;
  }
  ProcessResult backfill = Trestle({"serve", "two-sinks.yaml", "--from", "2026-01-01", "--to", "2026-01-02"});
  EXPECT_EXIT_CODE(backfill, 2);
}

TEST_F(ServeTest, TheServeSectionNamesTheResponseAndTheOtherSinksRunAsInABatchRun) {
  Write("m.json", LinearModel(10));
  Write("p.yaml", R"(pipeline: srv
nodes:
  - {name: seq, type: sequence, options: {rows: 5}}
  - {name: score, type: linear, inputs: [seq], options: {model: m.json}}
  - {name: answers, type: jsonl_sink, inputs: [score], options: {path: answers.jsonl}}
  - {name: archive, type: jsonl_sink, inputs: [score], options: {path: archive.jsonl}}
serve: {response: answers, max_queue_delay_us: 0}
)");
  auto p = Serve({});
  ASSERT_TRUE(p);
  ASSERT_TRUE(WaitReady(*p));
  ExpectScored(Infer(Instances(Rows(7, 3), "a")), Rows(7, 3), "a", 10);
  ExpectScored(Infer(V2(Rows(20, 2), "b")), Rows(20, 2), "b", 10);
  ASSERT_EXIT_CODE(Terminate(*p), 0);
  EXPECT_FALSE(Exists("answers.jsonl")) << "the response node's own file was written";
  std::vector<int64_t> archived;
  for (const auto& row : ReadJsonLines("archive.jsonl")) {
    archived.push_back(row["id"].get<int64_t>());
    EXPECT_EQ(row["score"].get<double>(), row["x"].get<double>() + 10) << row.dump();
  }
  std::sort(archived.begin(), archived.end());
  EXPECT_EQ(archived, (std::vector<int64_t>{7, 8, 9, 20, 21}));
}

}  // namespace
}  // namespace trestle::clitest
