// sqlite_sink and sqlite_source through the real `trestle` binary: a daily CSV load in
// replace_partition mode re-run to the same table, a failed and a killed run leaving the
// table as it was, and validate naming a column whose type does not fit the table. The
// table is read back by a second pipeline (sqlite_source -> csv_sink), so the test needs
// no SQLite of its own.
#include <signal.h>
#include <sys/stat.h>

#include <fstream>
#include <sstream>
#include <thread>

#include "cli_fixture.h"

namespace trestle::clitest {
namespace {

constexpr const char* kLoad = R"(pipeline: daily-scores
nodes:
  - name: events
    type: csv_source
    options:
      path: in/scores-${RUN_DATE}.csv
      schema: {day: utf8, customer: int64, score: float64}
  - name: store
    type: sqlite_sink
    inputs: [events]
    options: {path: out/insights.db, table: scores, mode: replace_partition, partition_by: [day], create: true}
)";

constexpr const char* kDump = R"(pipeline: dump
nodes:
  - name: read
    type: sqlite_source
    options: {path: out/insights.db, query: "SELECT * FROM scores ORDER BY day, customer"}
  - name: out
    type: csv_sink
    inputs: [read]
    options: {path: dump.csv}
)";

class SqliteCliTest : public CliTest {
 protected:
  void SetUp() override {
    CliTest::SetUp();
    Write("load.yaml", kLoad);
    Write("dump.yaml", kDump);
    Write("in/scores-2026-12-01.csv", "day,customer,score\n2026-12-01,1,0.5\n2026-12-01,2,0.25\n");
    Write("in/scores-2026-12-02.csv", "day,customer,score\n2026-12-02,1,0.75\n2026-12-02,3,1\n");
  }
  void Load(const std::string& date) {
    ProcessResult r = Trestle({"run", "load.yaml", "--date", date, "-q"});
    ASSERT_EXIT_CODE(r, 0);
  }
  std::string Dump() {
    ProcessResult r = Trestle({"run", "dump.yaml", "-q"});
    EXPECT_EXIT_CODE(r, 0);
    return Read("dump.csv");
  }
};

TEST_F(SqliteCliTest, ReplacePartitionRunTwiceGivesTheSameTable) {
  Load("2026-12-01");
  Load("2026-12-02");
  const std::string once = Dump();
  EXPECT_EQ(once,
            "day,customer,score\n2026-12-01,1,0.5\n2026-12-01,2,0.25\n2026-12-02,1,0.75\n2026-12-02,3,1\n");
  Load("2026-12-02");
  Load("2026-12-01");
  EXPECT_EQ(Dump(), once);
  // A corrected file for one day replaces that day alone.
  Write("in/scores-2026-12-02.csv", "day,customer,score\n2026-12-02,4,0.125\n");
  Load("2026-12-02");
  EXPECT_EQ(Dump(), "day,customer,score\n2026-12-01,1,0.5\n2026-12-01,2,0.25\n2026-12-02,4,0.125\n");
}

TEST_F(SqliteCliTest, AFailedRunLeavesTheTableUnchanged) {
  Load("2026-12-01");
  const std::string before = Dump();
  // 100 rows through a transform that crashes at id 55: the sink has staged rows by then.
  Write("fail.yaml", R"(pipeline: failing
nodes:
  - name: seq
    type: sequence
    options: {rows: 100}
  - name: t
    type: scripted
    inputs: [seq]
    options: {throw_id: 55}
    on_error: fail
  - name: store
    type: sqlite_sink
    inputs: [t]
    options: {path: out/insights.db, table: seq, create: true}
execution: {batch_rows: 10}
)");
  ProcessResult r = Trestle({"run", "fail.yaml", "-q"});
  ASSERT_EXIT_CODE(r, 1);
  EXPECT_EQ(Dump(), before);
  // The table "seq" the failed run would have created does not exist either.
  Write("count.yaml", R"(pipeline: count
nodes:
  - name: read
    type: sqlite_source
    options: {path: out/insights.db, query: "SELECT count(*) AS n FROM sqlite_master WHERE name = 'seq'", schema: {n: [int64]}}
  - name: out
    type: csv_sink
    inputs: [read]
    options: {path: count.csv}
)");
  ProcessResult c = Trestle({"run", "count.yaml", "-q"});
  ASSERT_EXIT_CODE(c, 0);
  EXPECT_EQ(Read("count.csv"), "n\n0\n");
}

TEST_F(SqliteCliTest, ValidateNamesTheColumnWhoseTypeDoesNotFit) {
  Load("2026-12-01");
  Write("in/scores-2026-12-03.csv", "day,customer,score\n2026-12-03,1,high\n");
  std::string p = kLoad;
  p.replace(p.find("score: float64"), 14, "score: utf8");
  Write("bad.yaml", p);
  ProcessResult r = Trestle({"validate", "bad.yaml", "--date", "2026-12-03"});
  ASSERT_EXIT_CODE(r, 78);
  EXPECT_TRUE(Contains(r.err, "\"store\"")) << r.err;
  EXPECT_TRUE(Contains(r.err, "table \"scores\" column \"score\" is declared REAL, which does not hold the input's utf8 values"))
      << r.err;
  // And a run refuses before writing anything.
  r = Trestle({"run", "bad.yaml", "--date", "2026-12-03", "-q"});
  EXPECT_EXIT_CODE(r, 78);
  EXPECT_EQ(Dump(), "day,customer,score\n2026-12-01,1,0.5\n2026-12-01,2,0.25\n");
}

TEST_F(SqliteCliTest, ASourceAndASinkMayShareOneDatabaseFile) {
  // The nightly shape: read the day's rows from one table, write results into another
  // table of the same file. The source's read lock ends with its last row, before the
  // sink commits.
  Load("2026-12-01");
  Load("2026-12-02");
  Write("derive.yaml", R"(pipeline: derive
nodes:
  - name: read
    type: sqlite_source
    options:
      path: out/insights.db
      query: "SELECT day, count(*) AS customers, avg(score) AS mean_score FROM scores WHERE day = ?1 GROUP BY day"
      params: ["${RUN_DATE}"]
      schema: {customers: [int64], mean_score: [float64]}
  - name: store
    type: sqlite_sink
    inputs: [read]
    options: {path: out/insights.db, table: daily, mode: upsert, key: [day], create: true}
)");
  for (const char* date : {"2026-12-01", "2026-12-02", "2026-12-01"}) {
    ProcessResult r = Trestle({"run", "derive.yaml", "--date", date, "-q"});
    ASSERT_EXIT_CODE(r, 0);
  }
  Write("dump_daily.yaml", R"(pipeline: dump-daily
nodes:
  - name: read
    type: sqlite_source
    options: {path: out/insights.db, query: "SELECT * FROM daily ORDER BY day"}
  - name: out
    type: csv_sink
    inputs: [read]
    options: {path: daily.csv}
)");
  ProcessResult r = Trestle({"run", "dump_daily.yaml", "-q"});
  ASSERT_EXIT_CODE(r, 0);
  EXPECT_EQ(Read("daily.csv"), "day,customers,mean_score\n2026-12-01,2,0.375\n2026-12-02,2,0.875\n");
}

// Whether process `pid` holds SQLite's RESERVED lock (a POSIX write lock on byte
// 0x40000001) on the file with inode `inode`: its write transaction has begun.
bool HoldsWriteLock(pid_t pid, ino_t inode) {
  std::ifstream locks("/proc/locks");
  std::string line;
  while (std::getline(locks, line)) {
    std::istringstream in(line);
    std::string id, kind, advisory, mode, dev_inode, start;
    pid_t owner = 0;
    in >> id >> kind >> advisory >> mode >> owner >> dev_inode >> start;
    if (kind != "POSIX" || mode != "WRITE" || owner != pid || start != "1073741825") continue;
    if (dev_inode.substr(dev_inode.rfind(':') + 1) == std::to_string(inode)) return true;
  }
  return false;
}

TEST_F(SqliteCliTest, ARunKilledMidWayLeavesTheTableAsBefore) {
  Load("2026-12-01");
  const std::string before = Dump();
  Write("slow.yaml", R"(pipeline: slow
nodes:
  - name: seq
    type: sequence
    options: {rows: 0, sleep_ms: 20}
  - name: store
    type: sqlite_sink
    inputs: [seq]
    options: {path: out/insights.db, table: endless, create: true}
execution: {batch_rows: 10}
)");
  struct stat st{};
  ASSERT_EQ(::stat(Path("out/insights.db").c_str(), &st), 0);
  auto p = StartTrestle({"run", "slow.yaml", "-q"});
  ASSERT_TRUE(p);
  // Wait (bounded) until the sink holds the database's write lock, i.e. stages rows.
  bool locked = false;
  for (int i = 0; i < 3000 && !locked && p->Running(); ++i) {
    locked = HoldsWriteLock(p->pid(), st.st_ino);
    if (!locked) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_TRUE(locked) << "the run never took the write lock: " << p->Stderr();
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // some batches staged
  p->Signal(SIGKILL);
  ProcessResult r = p->Wait();
  EXPECT_EQ(r.term_signal, SIGKILL);
  EXPECT_EQ(Dump(), before);
  // The database is usable at once: the next run takes the lock and writes.
  Load("2026-12-02");
  EXPECT_TRUE(Contains(Dump(), "2026-12-02,3,1\n"));
}

TEST_F(SqliteCliTest, ADrainedReplacePartitionRunReplacesNothing) {
  // A drain publishes what was read so far; for replace_partition that would replace
  // whole partitions with part of their rows, so the sink refuses and the run fails.
  Write("slow.yaml", R"(pipeline: slow
nodes:
  - name: seq
    type: sequence
    options: {rows: 0, sleep_ms: 20}
  - name: store
    type: sqlite_sink
    inputs: [seq]
    options: {path: out/slow.db, table: ids, mode: replace_partition, partition_by: [id], create: true}
execution: {batch_rows: 10}
)");
  auto p = StartTrestle({"run", "slow.yaml"});
  ASSERT_TRUE(p);
  ASSERT_TRUE(WaitUntil([&] { return Contains(p->Stderr(), "started; run directory"); }, std::chrono::seconds(30)))
      << p->Stderr();
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  p->Signal(SIGTERM);
  ProcessResult r = p->Wait();
  EXPECT_EXIT_CODE(r, 1);
  EXPECT_TRUE(Contains(r.err, "with part of their rows would lose the rest")) << r.err;
  EXPECT_FALSE(Exists("out/slow.db"));  // created by this run, removed with its failure
}

}  // namespace
}  // namespace trestle::clitest
