// `trestle run --shard I/N`: N processes of one batch pipeline, each reading its share
// of a SQLite table (a WHERE clause over ${SHARD_COUNT} and ${SHARD_INDEX}) and
// replacing its own partition (run_date, shard) of the output table, make exactly the
// table one process makes; a shard killed mid-run publishes nothing and its re-run
// repairs the table; the same shard of a date runs once at a time; a sharded run whose
// sources are not sharded is refused; bad --shard values are usage errors.
#include <signal.h>
#include <sys/stat.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include "cli_fixture.h"

namespace trestle::clitest {
namespace {

using std::chrono::seconds;

constexpr const char* kDate = "2026-12-01";

// The input table in/events.db:events, loaded from a CSV by trestle itself.
constexpr const char* kLoadInput = R"(pipeline: load-input
nodes:
  - name: csv
    type: csv_source
    options: {path: in/events.csv, schema: {day: utf8, id: int64, amount: float64}}
  - name: db
    type: sqlite_sink
    inputs: [csv]
    options: {path: in/events.db, table: events, mode: replace_partition, partition_by: [day], create: true}
)";

// The sharded batch job. TABLE picks the output table (the reference run writes "ref");
// PACE_MS slows every batch down, for the tests that need a run to be caught mid-way.
constexpr const char* kSharded = R"(pipeline: shard-scores
nodes:
  - name: events
    type: sqlite_source
    options:
      path: in/events.db
      query: "SELECT day, id, amount FROM events WHERE day = ?1 AND abs(id) % ?2 = ?3"
      params: ["${RUN_DATE}", "${SHARD_COUNT}", "${SHARD_INDEX}"]
  - name: pace
    type: scripted
    inputs: [events]
    options: {sleep_ms: "${PACE_MS:-0}"}
  - name: big
    type: filter
    inputs: [pace]
    options: {column: amount, op: ">=", value: "10"}
  - name: tag
    type: add_columns
    inputs: [big]
    options:
      columns: {run_date: "${RUN_DATE}", shard: "${SHARD_INDEX}"}
      types: {shard: int64}
  - name: store
    type: sqlite_sink
    inputs: [tag]
    options:
      path: out/insights.db
      table: "${TABLE:-scores}"
      mode: replace_partition
      partition_by: [run_date, shard]
      create: true
      busy_timeout_ms: 120000
execution: {batch_rows: 5}
)";

// The same job with a source that reads everything: only the output is keyed by shard.
constexpr const char* kUnsharded = R"(pipeline: unsharded
nodes:
  - name: events
    type: sqlite_source
    options:
      path: in/events.db
      query: "SELECT day, id, amount FROM events WHERE day = ?1"
      params: ["${RUN_DATE}"]
  - name: tag
    type: add_columns
    inputs: [events]
    options: {columns: {run_date: "${RUN_DATE}", shard: "${SHARD_INDEX}"}, types: {shard: int64}}
  - name: store
    type: sqlite_sink
    inputs: [tag]
    options: {path: out/unsharded.db, table: scores, mode: replace_partition, partition_by: [run_date, shard], create: true}
)";

// A table's rows without the shard column, in one order: what must not depend on how
// many processes made the table.
constexpr const char* kDump = R"(pipeline: dump
nodes:
  - name: read
    type: sqlite_source
    options:
      path: out/insights.db
      query: "SELECT run_date, id, amount FROM ${TABLE} ORDER BY run_date, id"
  - name: out
    type: csv_sink
    inputs: [read]
    options: {path: "dump-${TABLE}.csv"}
)";

// Rows per shard of the sharded table.
constexpr const char* kPerShard = R"(pipeline: per-shard
nodes:
  - name: read
    type: sqlite_source
    options:
      path: out/insights.db
      query: "SELECT shard, count(*) AS n FROM scores GROUP BY shard ORDER BY shard"
      schema: {n: [int64]}
  - name: out
    type: csv_sink
    inputs: [read]
    options: {path: per-shard.csv}
)";

// Whether process `pid` holds SQLite's RESERVED lock on the file with inode `inode`:
// a POSIX write lock on byte 0x40000001, which a connection takes when its write
// transaction begins (so the sink is staging rows).
bool HoldsSqliteWriteLock(pid_t pid, ino_t inode) {
  std::ifstream locks("/proc/locks");
  std::string line;
  while (std::getline(locks, line)) {
    // "1: POSIX  ADVISORY  WRITE 1234 08:01:5678 1073741825 1073741825"
    std::istringstream fields(line);
    std::string ordinal, kind, advisory, mode, device_inode, first_byte;
    pid_t holder = 0;
    fields >> ordinal >> kind >> advisory >> mode >> holder >> device_inode >> first_byte;
    if (kind == "POSIX" && mode == "WRITE" && holder == pid && first_byte == "1073741825" &&
        device_inode.substr(device_inode.rfind(':') + 1) == std::to_string(inode))
      return true;
  }
  return false;
}

class ShardTest : public CliTest {
 protected:
  void SetUp() override {
    CliTest::SetUp();
    Write("load.yaml", kLoadInput);
    Write("p.yaml", kSharded);
    Write("dump.yaml", kDump);
    Write("per-shard.yaml", kPerShard);
    // 90 rows on the run date (ids 1..90; about a third below the filter's 10), and
    // rows of another day that no shard of the run date may read.
    LoadInput(0.0);
  }

  // (Re)loads in/events.db from a CSV whose amounts are shifted by `shift`.
  void LoadInput(double shift) {
    std::string csv = "day,id,amount\n";
    for (int id = 1; id <= 90; ++id)
      csv += std::string(kDate) + "," + std::to_string(id) + "," + std::to_string((id * 7) % 30 + shift) + "\n";
    for (int id = 1; id <= 9; ++id) csv += "2026-12-02," + std::to_string(id) + ",50\n";
    Write("in/events.csv", csv);
    ASSERT_EXIT_CODE(Trestle({"run", "load.yaml", "-q", "--no-store"}), 0);
  }

  ProcessOptions Env(const std::string& table, int pace_ms = 0) const {
    ProcessOptions o;
    o.env["TABLE"] = table;
    o.env["PACE_MS"] = std::to_string(pace_ms);
    o.unset_env = {"TRESTLE_SHARD"};
    return o;
  }

  // The run of one shard (or, with shard empty, of the whole input).
  ProcessResult RunShard(const std::string& shard, const std::string& table = "scores") {
    std::vector<std::string> args = {"run", "p.yaml", "--date", kDate, "-q"};
    if (!shard.empty()) args.insert(args.end(), {"--shard", shard});
    return Trestle(args, Env(table));
  }

  // The reference: one process, no --shard (its rows land in partition shard = 0).
  void RunReference() { ASSERT_EXIT_CODE(RunShard("", "ref"), 0); }

  std::string Dump(const std::string& table) {
    ProcessOptions o;
    o.env["TABLE"] = table;
    ProcessResult r = Trestle({"run", "dump.yaml", "-q", "--no-store"}, o);
    EXPECT_EXIT_CODE(r, 0);
    return Read("dump-" + table + ".csv");
  }

  std::string PerShard() {
    ProcessResult r = Trestle({"run", "per-shard.yaml", "-q", "--no-store"});
    EXPECT_EXIT_CODE(r, 0);
    return Read("per-shard.csv");
  }

  // `trestle runs --pipeline shard-scores --from D --to D --format json`.
  nlohmann::json DateLines() {
    ProcessResult r =
        TrestleRaw({"runs", "--pipeline", "shard-scores", "--from", kDate, "--to", kDate, "--format", "json"});
    EXPECT_EXIT_CODE(r, 0);
    return nlohmann::json::parse(r.out, nullptr, false);
  }

  // The line of `lines` for shard `index` of `count` (null: the unsharded runs).
  static nlohmann::json LineOf(const nlohmann::json& lines, int index, int count) {
    for (const auto& l : lines) {
      if (count == 0 && l["shard"].is_null()) return l;
      if (count > 0 && l["shard"].is_object() && l["shard"]["index"] == index && l["shard"]["count"] == count)
        return l;
    }
    ADD_FAILURE() << "no line for shard " << index << "/" << count << " in " << lines.dump();
    return nlohmann::json::object();
  }

  // Starts shard `shard` slowed down and waits (bounded) until its sink holds the
  // output database's write lock, i.e. has staged rows that are not yet published.
  std::unique_ptr<Process> StartSlowShardAndWaitForItsWrites(const std::string& shard) {
    struct stat st {};
    EXPECT_EQ(::stat(Path("out/insights.db").c_str(), &st), 0) << "the output database must exist";
    auto p = StartTrestle({"run", "p.yaml", "--date", kDate, "--shard", shard, "-q"}, Env("scores", 1000));
    if (!p) return nullptr;
    const bool writing =
        WaitUntil([&] { return !p->Running() || HoldsSqliteWriteLock(p->pid(), st.st_ino); }, seconds(60));
    EXPECT_TRUE(writing && p->Running()) << "the slow shard never began to write: " << p->Stderr();
    return p;
  }
};

TEST_F(ShardTest, ThreeShardProcessesMakeTheTableOneProcessMakes) {
  RunReference();
  const std::string reference = Dump("ref");
  ASSERT_GT(SplitLines(reference).size(), 40u) << reference;

  std::vector<std::unique_ptr<Process>> shards;
  for (const char* s : {"0/3", "1/3", "2/3"})
    shards.push_back(StartTrestle({"run", "p.yaml", "--date", kDate, "--shard", s, "-q"}, Env("scores")));
  for (auto& p : shards) {
    ASSERT_TRUE(p);
    EXPECT_EXIT_CODE(p->Wait(), 0);
  }
  EXPECT_EQ(Dump("scores"), reference);
  // Each shard replaced its own partition: three of them, none empty.
  const std::vector<std::string> per_shard = SplitLines(PerShard());
  ASSERT_EQ(per_shard.size(), 4u) << PerShard();
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(per_shard[i + 1].rfind(std::to_string(i) + ",", 0), 0u) << per_shard[i + 1];
    EXPECT_NE(per_shard[i + 1], std::to_string(i) + ",0");
  }

  // Re-running one shard is idempotent.
  ASSERT_EXIT_CODE(RunShard("1/3"), 0);
  EXPECT_EQ(Dump("scores"), reference);

  // The run store has each run's shard; the runs listing shows it.
  ProcessResult runs = TrestleRaw({"runs", "--pipeline", "shard-scores", "--format", "json"});
  ASSERT_EXIT_CODE(runs, 0);
  nlohmann::json list = nlohmann::json::parse(runs.out);
  ASSERT_EQ(list.size(), 5u) << list.dump();
  int sharded = 0;
  for (const auto& r : list) {
    EXPECT_EQ(r["status"], "succeeded") << r.dump();
    if (r["shard"].is_object()) {
      ++sharded;
      EXPECT_EQ(r["shard"]["count"], 3);
    }
  }
  EXPECT_EQ(sharded, 4);
  const std::string table = TrestleRaw({"runs", "--pipeline", "shard-scores"}).out;
  EXPECT_TRUE(Contains(table, "SHARD")) << table;
  EXPECT_TRUE(Contains(table, "1/3")) << table;

  // Per date: the unsharded reference run and each of the three shards, with its runs.
  nlohmann::json lines = DateLines();
  ASSERT_EQ(lines.size(), 4u) << lines.dump();
  EXPECT_EQ(LineOf(lines, 0, 0)["status"], "succeeded");
  for (int i = 0; i < 3; ++i) EXPECT_EQ(LineOf(lines, i, 3)["status"], "succeeded") << i;
  EXPECT_EQ(LineOf(lines, 1, 3)["runs"], 2);
  EXPECT_EQ(LineOf(lines, 2, 3)["runs"], 1);
}

TEST_F(ShardTest, AShardKilledMidRunPublishesNothingAndItsRerunRepairsTheTable) {
  // Yesterday's table, complete.
  for (const char* s : {"0/3", "1/3", "2/3"}) ASSERT_EXIT_CODE(RunShard(s), 0);
  const std::string before = Dump("scores");
  const std::vector<std::string> per_shard_before = SplitLines(PerShard());
  ASSERT_EQ(per_shard_before.size(), 4u);
  // Today the input changed: the reference is computed from the new data.
  LoadInput(100.0);
  RunReference();
  const std::string reference = Dump("ref");
  ASSERT_NE(reference, before);

  ASSERT_EXIT_CODE(RunShard("0/3"), 0);
  ASSERT_EXIT_CODE(RunShard("2/3"), 0);
  auto slow = StartSlowShardAndWaitForItsWrites("1/3");
  ASSERT_TRUE(slow);
  slow->Signal(SIGKILL);
  ProcessResult killed = slow->Wait();
  EXPECT_EQ(killed.term_signal, SIGKILL);

  // Shard 1's partition still holds the old rows: the table is neither the old one nor
  // the reference, and shows which shard is behind.
  const std::string torn = Dump("scores");
  EXPECT_NE(torn, reference);
  EXPECT_NE(torn, before);
  const std::vector<std::string> per_shard = SplitLines(PerShard());
  ASSERT_EQ(per_shard.size(), 4u);
  EXPECT_EQ(per_shard[1], "0,30");  // every amount now passes the filter
  EXPECT_EQ(per_shard[2], per_shard_before[2]);
  EXPECT_EQ(per_shard[3], "2,30");
  nlohmann::json lines = DateLines();  // (records the killed run as failed)
  EXPECT_EQ(LineOf(lines, 1, 3)["status"], "failed") << lines.dump();
  EXPECT_EQ(LineOf(lines, 0, 3)["status"], "succeeded") << lines.dump();

  // The scheduler's retry of that one shard repairs the table.
  ASSERT_EXIT_CODE(RunShard("1/3"), 0);
  EXPECT_EQ(Dump("scores"), reference);
  EXPECT_EQ(LineOf(DateLines(), 1, 3)["status"], "succeeded");
}

TEST_F(ShardTest, TheSameShardOfADateRunsOnceAtATimeAndOtherShardsRunBeside) {
  ASSERT_EXIT_CODE(RunShard("0/3"), 0);  // creates the output database
  auto slow = StartSlowShardAndWaitForItsWrites("1/3");
  ASSERT_TRUE(slow);
  ProcessResult second = RunShard("1/3");
  EXPECT_EXIT_CODE(second, 75);
  EXPECT_TRUE(Contains(second.err, "pipeline \"shard-scores\" is already running for 2026-12-01 shard 1/3"))
      << second.err;
  EXPECT_TRUE(Exists(".trestle/locks/shard-scores@2026-12-01.shard-1-of-3.lock"));
  // Another shard of the same date is not held up by the lock (its sink waits for the
  // database's write lock, then loads).
  EXPECT_EXIT_CODE(RunShard("2/3"), 0);
  EXPECT_EXIT_CODE(slow->Wait(), 0);
  RunReference();
  EXPECT_EQ(Dump("scores"), Dump("ref"));
}

TEST_F(ShardTest, AShardedRunWhoseSourcesReadEverythingIsRefused) {
  Write("u.yaml", kUnsharded);
  ProcessResult r = Trestle({"run", "u.yaml", "--date", kDate, "--shard", "1/3"});
  EXPECT_EXIT_CODE(r, 78);
  EXPECT_TRUE(Contains(r.err, "--shard 1/3: no source of pipeline \"unsharded\" is sharded (sources: \"events\")"))
      << r.err;
  EXPECT_TRUE(Contains(r.err, "each row 3 times")) << r.err;
  EXPECT_FALSE(Exists("out/unsharded.db"));
  ProcessResult v = Trestle({"validate", "u.yaml", "--date", kDate, "--shard", "1/3"});
  EXPECT_EXIT_CODE(v, 78);
  EXPECT_TRUE(Contains(v.err, "no source of pipeline \"unsharded\" is sharded")) << v.err;
  // The refused date is recorded as that shard's failure.
  ProcessResult lines =
      TrestleRaw({"runs", "--pipeline", "unsharded", "--from", kDate, "--to", kDate, "--format", "json"});
  ASSERT_EXIT_CODE(lines, 0);
  nlohmann::json j = nlohmann::json::parse(lines.out);
  ASSERT_EQ(j.size(), 3u) << j.dump();  // shards 0 and 2 never ran
  EXPECT_EQ(j[1]["shard"]["index"], 1);
  EXPECT_EQ(j[1]["status"], "failed");
  EXPECT_EQ(j[0]["status"], "missing");
  // One process, or one shard of one, reads everything: that is allowed.
  EXPECT_EXIT_CODE(Trestle({"run", "u.yaml", "--date", kDate, "-q"}), 0);
  EXPECT_EXIT_CODE(Trestle({"run", "u.yaml", "--date", kDate, "--shard", "0/1", "-q"}), 0);
  // A sharded file validates as any shard, and says which.
  ProcessResult ok = Trestle({"validate", "p.yaml", "--date", kDate, "--shard", "2/3"});
  EXPECT_EXIT_CODE(ok, 0);
  EXPECT_TRUE(Contains(ok.out, "shard 2/3)")) << ok.out;
}

TEST_F(ShardTest, BadShardValuesAreUsageErrorsNamingTheFlag) {
  for (const char* bad : {"3/3", "-1/3", "1/0", "a/3", "1", "1/3/5", " 1/3", "1/3 ", "0x1/3", "1/100001", "/3", ""}) {
    // --shard=V: a value that starts with "-" is not taken for an option.
    std::vector<std::string> args = {"run", "p.yaml", "--date", kDate, std::string("--shard=") + bad};
    if (*bad == '\0') args = {"run", "p.yaml", "--date", kDate, "--shard", ""};
    ProcessResult r = Trestle(args, Env("scores"));
    EXPECT_EXIT_CODE(r, 2);
    EXPECT_TRUE(Contains(r.err, std::string("--shard \"") + bad + "\"")) << bad << ": " << r.err;
  }
  // The environment's TRESTLE_SHARD is checked the same way, and named.
  ProcessOptions env = Env("scores");
  env.unset_env.clear();
  env.env["TRESTLE_SHARD"] = "5/2";
  ProcessResult r = Trestle({"validate", "p.yaml", "--date", kDate}, env);
  EXPECT_EXIT_CODE(r, 2);
  EXPECT_TRUE(Contains(r.err, "TRESTLE_SHARD \"5/2\": INDEX must be less than COUNT")) << r.err;
  // A backfill checks --shard before it starts any date; serve has no shards.
  ProcessResult backfill = Trestle({"run", "p.yaml", "--from", kDate, "--to", "2026-12-02", "--shard", "3/3"});
  EXPECT_EXIT_CODE(backfill, 2);
  EXPECT_FALSE(Contains(backfill.err, "starting")) << backfill.err;
  EXPECT_EXIT_CODE(Trestle({"serve", "p.yaml", "--shard", "0/2"}), 2);
}

TEST_F(ShardTest, TrestleShardInTheEnvironmentAndBackfillsOfAShard) {
  RunReference();
  ProcessOptions env = Env("scores");
  env.unset_env.clear();
  for (const char* s : {"0/3", "1/3", "2/3"}) {
    env.env["TRESTLE_SHARD"] = s;  // as a Job template would set it
    ASSERT_EXIT_CODE(Trestle({"run", "p.yaml", "--date", kDate, "-q"}, env), 0);
  }
  EXPECT_EQ(Dump("scores"), Dump("ref"));
  // --shard wins over the environment.
  env.env["TRESTLE_SHARD"] = "0/3";
  ASSERT_EXIT_CODE(Trestle({"run", "p.yaml", "--date", kDate, "--shard", "2/3", "-q"}, env), 0);
  EXPECT_EQ(LineOf(DateLines(), 2, 3)["runs"], 2);
  EXPECT_EQ(LineOf(DateLines(), 0, 3)["runs"], 1);

  // A backfill of one shard runs that shard of every date.
  ASSERT_EXIT_CODE(Trestle({"run", "p.yaml", "--from", kDate, "--to", "2026-12-02", "--shard", "1/3", "-q"},
                           Env("scores")),
                   0);
  ProcessResult runs = TrestleRaw({"runs", "--pipeline", "shard-scores", "--from", "2026-12-02", "--to",
                                   "2026-12-02", "--format", "json"});
  ASSERT_EXIT_CODE(runs, 0);
  nlohmann::json j = nlohmann::json::parse(runs.out);
  EXPECT_EQ(LineOf(j, 1, 3)["status"], "succeeded") << j.dump();
  EXPECT_EQ(LineOf(j, 0, 3)["status"], "missing") << j.dump();
}

}  // namespace
}  // namespace trestle::clitest
