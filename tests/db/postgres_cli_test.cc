// The postgres operators end to end: the real `trestle` executable against a real
// PostgreSQL server, with the faults of issue 11 injected — a refused connection, a
// server restarted mid-COPY, a slow query, schema drift between runs, rows the table
// cannot hold, a killed run, a failing node elsewhere, and a second run of the same load.
#include <signal.h>

#include <chrono>
#include <map>

#include "db_fixture.h"

namespace trestle::dbtest {
namespace {

using clitest::Contains;
using clitest::ProcessOptions;
using clitest::ProcessResult;
using clitest::WaitUntil;

class PostgresCliTest : public DbCliTest {
 protected:
  ProcessOptions Env() const {
    ProcessOptions o;
    // The password is ignored by a trust server; it shows whether the secret leaks.
    o.env["PG_CONN"] = server_->ConnInfo() + " password=s3cr3t-pw";
    o.timeout = std::chrono::milliseconds(120'000);
    return o;
  }
  /// rows id = from..from+n-1, day, v = id * 0.5, as CSV.
  void WriteCsv(const std::string& path, int64_t from, int64_t n, const std::string& day) {
    std::string csv = "id,day,v\n";
    for (int64_t i = from; i < from + n; ++i) csv += std::to_string(i) + "," + day + "," + std::to_string(i * 0.5) + "\n";
    Write(path, csv);
  }
  /// csv (path) [-> slow (scripted, sleep_ms per batch)] -> load (postgres_sink with `sink_options`).
  void WritePipeline(const std::string& file, const std::string& csv, const std::string& sink_options,
                     int64_t sleep_ms = 0, const std::string& sink_extra = "", const std::string& execution = "") {
    std::string y = "pipeline: pg-load\nnodes:\n"
                    "  - name: csv\n    type: csv_source\n    options: {path: " + csv +
                    ", schema: {id: [int64], day: [utf8], v: [float64]}}\n";
    std::string input = "csv";
    if (sleep_ms > 0) {
      y += "  - name: slow\n    type: scripted\n    inputs: [csv]\n    options: {sleep_ms: " + std::to_string(sleep_ms) + "}\n";
      input = "slow";
    }
    y += "  - name: load\n    type: postgres_sink\n    inputs: [" + input + "]\n    options: {conninfo: \"${PG_CONN}\", " +
         sink_options + "}\n";
    if (!sink_extra.empty()) y += "    " + sink_extra + "\n";
    y += "execution: {batch_rows: 200" + (execution.empty() ? "" : ", " + execution) + "}\n";
    Write(file, y);
  }
  ProcessResult Run(const std::string& file, const std::string& report = "r.json") {
    return Trestle({"run", file, "--run-dir", "run-" + report, "--report", report}, Env());
  }
  bool CopyActive() {
    return server_->TryExec("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'trestle' AND query LIKE 'COPY%'")
               .Text() == "1";
  }
  bool AdvisoryLockHeld() {
    return server_->TryExec("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted").Text() == "1";
  }
  bool NoTrestleSessions() {
    return server_->TryExec("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'trestle'").Text() == "0";
  }
  static void ExpectNoSecret(const ProcessResult& r) {
    EXPECT_FALSE(Contains(r.out + r.err, "s3cr3t-pw")) << "the conninfo leaked: " << r.Describe();
  }
};

TEST_F(PostgresCliTest, ARefusedConnectionIsRetriedThenFailsNamingHostAndPortWithNothingWritten) {
  Sql("CREATE TABLE refused (id bigint, day text, v float8); INSERT INTO refused VALUES (-1, 'old', 0)");
  WriteCsv("in.csv", 0, 100, "2026-12-01");
  WritePipeline("p.yaml", "in.csv", "table: refused, connect_deadline_s: 1.5");
  std::string err;
  ASSERT_TRUE(server().Stop(&err)) << err;
  ProcessResult r = Run("p.yaml");
  ASSERT_TRUE(server().Start(&err)) << err;
  EXPECT_NE(r.exit_code, 0) << r.Describe();
  const std::string host_port = "127.0.0.1:" + std::to_string(server().port());
  EXPECT_TRUE(Contains(r.err + r.out, "cannot connect to postgres at " + host_port)) << r.Describe();
  EXPECT_TRUE(Contains(r.err + r.out, "Connection refused")) << r.Describe();
  EXPECT_FALSE(Contains(r.err + r.out, "after 1 attempt;")) << "not retried: " << r.Describe();
  ExpectNoSecret(r);
  EXPECT_EQ(Sql("SELECT id, day FROM refused"), "-1|old");
}

TEST_F(PostgresCliTest, AServerRestartMidCopyIsSurvivedAndTheTableIsExactAlsoAfterAReRun) {
  Sql("CREATE TABLE restarted (id bigint, day text, v float8);"
      "INSERT INTO restarted VALUES (1, '2026-12-01', -1), (7, '2026-11-30', 3.5)");
  WriteCsv("in.csv", 0, 6000, "2026-12-01");
  WritePipeline("p.yaml", "in.csv", "table: restarted, mode: replace_partition, partition_by: [day]", 60,
                "retry: {max_attempts: 20, initial_backoff_ms: 100, max_backoff_ms: 1000, deadline_s: 90}");
  auto run = StartTrestle({"run", "p.yaml", "--run-dir", "run", "--report", "r.json"}, Env());
  ASSERT_TRUE(run);
  ASSERT_TRUE(WaitUntil([&] { return CopyActive(); }, std::chrono::seconds(60))) << run->Stderr();
  std::string err;
  ASSERT_TRUE(server().Stop(&err)) << err;
  ASSERT_TRUE(server().Start(&err)) << err;
  ProcessResult r = run->Wait();
  ASSERT_EXIT_CODE(r, 0);
  ExpectNoSecret(r);
  EXPECT_TRUE(Contains(r.err, "replaying")) << "the staging was not replayed: " << r.Describe();
  nlohmann::json report = ReadJson("r.json");
  EXPECT_GE(ReportNode(report, "load")["retries"].get<int64_t>(), 1) << report.dump();
  const std::string want = "6000|6000|0|5999";
  const std::string q = "SELECT count(*), count(DISTINCT id), min(id), max(id) FROM restarted WHERE day = '2026-12-01'";
  EXPECT_EQ(Sql(q), want);
  EXPECT_EQ(Sql("SELECT id, v FROM restarted WHERE day <> '2026-12-01'"), "7|3.5");
  // The same date again: the same table.
  WritePipeline("again.yaml", "in.csv", "table: restarted, mode: replace_partition, partition_by: [day]");
  ProcessResult again = Run("again.yaml", "r2.json");
  ASSERT_EXIT_CODE(again, 0);
  EXPECT_EQ(Sql(q), want);
  EXPECT_EQ(Sql("SELECT count(*) FROM restarted"), "6001");
}

TEST_F(PostgresCliTest, ASlowQueryIsDeadlineExceededRetriedThenFailsUnderTheNodePolicy) {
  Write("p.yaml",
        "pipeline: pg-slow\nnodes:\n"
        "  - name: src\n    type: postgres_source\n"
        "    options: {conninfo: \"${PG_CONN}\", query: \"SELECT 1 AS z FROM pg_sleep(30)\", statement_timeout_ms: 300}\n"
        "    retry: {max_attempts: 3, initial_backoff_ms: 50}\n"
        "  - name: out\n    type: jsonl_sink\n    inputs: [src]\n    options: {path: out.jsonl}\n");
  ProcessResult r = Run("p.yaml");
  EXPECT_EXIT_CODE(r, 1);
  EXPECT_TRUE(Contains(r.err + r.out, "DEADLINE_EXCEEDED")) << r.Describe();
  EXPECT_TRUE(Contains(r.err + r.out, "after 3 attempts")) << r.Describe();
  EXPECT_TRUE(Contains(r.err + r.out, "statement_timeout_ms")) << r.Describe();
  nlohmann::json report = ReadJson("r.json");
  EXPECT_EQ(report["error"]["code"], "DEADLINE_EXCEEDED") << report.dump();
  EXPECT_EQ(ReportNode(report, "src")["retries"], 2) << report.dump();
  EXPECT_FALSE(Exists("out.jsonl"));
  EXPECT_EQ(Sql("SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(30)%' AND state = 'active' AND "
                "pid <> pg_backend_pid()"),
            "0")
      << "a cancelled query still runs";
}

TEST_F(PostgresCliTest, SchemaDriftBetweenRunsIsAValidateErrorNamingTheColumn) {
  Sql("CREATE TABLE drift (customer bigint, score float8, plan text)");
  Write("p.yaml",
        "pipeline: pg-drift\nnodes:\n"
        "  - name: src\n    type: postgres_source\n"
        "    options: {conninfo: \"${PG_CONN}\", query: \"SELECT customer, score, plan FROM drift ORDER BY customer\"}\n"
        "  - name: out\n    type: jsonl_sink\n    inputs: [src]\n    options: {path: out.jsonl}\n");
  ProcessResult ok = Trestle({"validate", "p.yaml"}, Env());
  ASSERT_EXIT_CODE(ok, 0);
  Sql("ALTER TABLE drift DROP COLUMN score");
  ProcessResult r = Trestle({"validate", "p.yaml"}, Env());
  EXPECT_EXIT_CODE(r, 78);
  EXPECT_TRUE(Contains(r.err + r.out, "column \"score\" does not exist")) << r.Describe();
  EXPECT_TRUE(Contains(r.err + r.out, "\"src\"")) << r.Describe();
  ExpectNoSecret(r);
  Sql("ALTER TABLE drift ADD COLUMN score float8; ALTER TABLE drift ALTER COLUMN plan TYPE jsonb USING to_jsonb(plan)");
  r = Trestle({"validate", "p.yaml"}, Env());
  EXPECT_EXIT_CODE(r, 78);
  EXPECT_TRUE(Contains(r.err + r.out, "column \"plan\" of option \"query\" has type jsonb")) << r.Describe();
  EXPECT_TRUE(Contains(r.err + r.out, "plan::text")) << r.Describe();
  // The sink side: a table whose column changed type.
  Sql("CREATE TABLE drift_out (id bigint, day text, v float8); ALTER TABLE drift_out ALTER COLUMN v TYPE text");
  WriteCsv("in.csv", 0, 3, "2026-12-01");
  WritePipeline("sink.yaml", "in.csv", "table: drift_out");
  r = Trestle({"validate", "sink.yaml"}, Env());
  EXPECT_EXIT_CODE(r, 78);
  EXPECT_TRUE(Contains(r.err + r.out, "column \"v\" is float64 in the input but text in table drift_out")) << r.Describe();
  // Offline, nothing connects: the sink's checks wait for the run.
  ProcessOptions offline = Env();
  offline.env["TRESTLE_OFFLINE"] = "1";
  r = Trestle({"validate", "sink.yaml"}, offline);
  EXPECT_EXIT_CODE(r, 0);
}

TEST_F(PostgresCliTest, RowsTheTableCannotHoldAreDeadLetteredAndTheAccountingBalances) {
  Sql("CREATE TABLE scores (id bigint PRIMARY KEY, score float8, small smallint); INSERT INTO scores VALUES (3, 0, 0)");
  Write("in.csv", "id,score,small\n1,0.5,1\n2,0.6,40000\n1,0.7,2\n,0.8,3\n3,0.9,4\n");
  Write("p.yaml",
        "pipeline: pg-rejects\nnodes:\n"
        "  - name: csv\n    type: csv_source\n    options: {path: in.csv, schema: {id: [int64], score: [float64], small: [int64]}}\n"
        "  - name: load\n    type: postgres_sink\n    inputs: [csv]\n"
        "    options: {conninfo: \"${PG_CONN}\", table: scores, mode: upsert, key: [id]}\n"
        "execution: {max_dead_letter_share: 1}\n");
  ProcessResult r = Run("p.yaml");
  ASSERT_EXIT_CODE(r, 0);
  EXPECT_EQ(Sql("SELECT id, score, small FROM scores ORDER BY id"), "1|0.5|1\n3|0.9|4");
  std::vector<nlohmann::json> dl = ReadJsonLines("run-r.json/dead_letter.jsonl");
  ASSERT_EQ(dl.size(), 3u);
  std::map<int64_t, std::string> reasons;
  for (auto d : dl) {
    EXPECT_EQ(d["node"], "load") << d.dump();
    reasons[d["row_index"].get<int64_t>()] = d["reason"].get<std::string>();
  }
  EXPECT_TRUE(Contains(reasons[1], "value 40000 of column \"small\" is out of the range of its type smallint")) << reasons[1];
  EXPECT_TRUE(Contains(reasons[2], "key (id=1) was already staged by this run")) << reasons[2];
  EXPECT_TRUE(Contains(reasons[3], "null in key column \"id\"")) << reasons[3];
  nlohmann::json report = ReadJson("r.json");
  EXPECT_EQ(report["accounting"]["balanced"], true) << report.dump();
  nlohmann::json path = report["accounting"]["sources"]["csv"]["paths"]["load"];
  EXPECT_EQ(report["accounting"]["sources"]["csv"]["read"], 5);
  EXPECT_EQ(path["reached"], 2);
  EXPECT_EQ(path["dead_lettered"], 3);
}

TEST_F(PostgresCliTest, EachModeIsCorrectAndReRunningTheSameDateIsIdempotent) {
  Sql("CREATE TABLE m_append (id bigint, day text, v float8);"
      "CREATE TABLE m_part (id bigint, day text, v float8); INSERT INTO m_part VALUES (99, '2026-11-30', 1);"
      "CREATE TABLE m_upsert (id bigint PRIMARY KEY, day text, v float8); INSERT INTO m_upsert VALUES (0, 'x', -1), (50, 'y', 2)");
  WriteCsv("d1.csv", 0, 10, "2026-12-01");
  WriteCsv("d2.csv", 5, 10, "2026-12-02");
  int runs = 0;
  auto run = [&](const std::string& table, const std::string& mode, const std::string& csv) {
    WritePipeline(table + ".yaml", csv, "table: " + table + ", " + mode);
    ProcessResult r = Run(table + ".yaml", "r" + std::to_string(++runs) + ".json");
    EXPECT_EXIT_CODE(r, 0);
    ExpectNoSecret(r);
  };
  const std::string part = "mode: replace_partition, partition_by: [day]", upsert = "mode: upsert, key: [id]";
  for (int i = 0; i < 2; ++i) run("m_part", part, "d1.csv");
  EXPECT_EQ(Sql("SELECT day, count(*), sum(id) FROM m_part GROUP BY day ORDER BY day"), "2026-11-30|1|99\n2026-12-01|10|45");
  run("m_part", part, "d2.csv");
  run("m_part", part, "d2.csv");
  EXPECT_EQ(Sql("SELECT day, count(*), sum(id) FROM m_part GROUP BY day ORDER BY day"),
            "2026-11-30|1|99\n2026-12-01|10|45\n2026-12-02|10|95");
  for (int i = 0; i < 2; ++i) run("m_upsert", upsert, "d1.csv");
  run("m_upsert", upsert, "d2.csv");
  EXPECT_EQ(Sql("SELECT count(*), sum(id), sum(v) FROM m_upsert"), "16|155|54.5");
  EXPECT_EQ(Sql("SELECT day, v FROM m_upsert WHERE id IN (0, 7, 50) ORDER BY id"),
            "2026-12-01|0\n2026-12-02|3.5\ny|2");
  run("m_append", "mode: append", "d1.csv");
  run("m_append", "mode: append", "d1.csv");
  EXPECT_EQ(Sql("SELECT count(*), count(DISTINCT id) FROM m_append"), "20|10");

  // postgres_source -> postgres_sink: one day of m_part into a new table, twice.
  Write("copy.yaml",
        "pipeline: pg-copy\nnodes:\n"
        "  - name: src\n    type: postgres_source\n"
        "    options: {conninfo: \"${PG_CONN}\", query: \"SELECT id, day, v FROM m_part WHERE day = $1 ORDER BY id\","
        " params: [\"2026-12-02\"], fetch_rows: 3}\n"
        "  - name: load\n    type: postgres_sink\n    inputs: [src]\n"
        "    options: {conninfo: \"${PG_CONN}\", table: m_copy, create: true, mode: upsert, key: [id]}\n");
  for (const char* report : {"copy1.json", "copy2.json"}) {
    ProcessResult r = Run("copy.yaml", report);
    ASSERT_EXIT_CODE(r, 0);
  }
  EXPECT_EQ(Sql("SELECT count(*), sum(id), min(day), max(day) FROM m_copy"), "10|95|2026-12-02|2026-12-02");
}

TEST_F(PostgresCliTest, AKilledRunLeavesTheTableUnchangedAndReleasesTheLock) {
  Sql("CREATE TABLE killed (id bigint, day text, v float8); INSERT INTO killed VALUES (1, '2026-12-01', 1)");
  WriteCsv("in.csv", 0, 20000, "2026-12-01");
  WritePipeline("p.yaml", "in.csv", "table: killed, mode: replace_partition, partition_by: [day], lock_key: killed-2026-12-01", 50);
  auto run = StartTrestle({"run", "p.yaml", "--run-dir", "run"}, Env());
  ASSERT_TRUE(run);
  ASSERT_TRUE(WaitUntil([&] { return CopyActive(); }, std::chrono::seconds(60))) << run->Stderr();
  run->Signal(SIGKILL);
  run->Wait();
  ASSERT_TRUE(WaitUntil([&] { return NoTrestleSessions(); }, std::chrono::seconds(30)));
  EXPECT_EQ(Sql("SELECT id, day, v FROM killed"), "1|2026-12-01|1");
  EXPECT_EQ(Sql("SELECT pg_try_advisory_lock(hashtext('killed-2026-12-01'))"), "t");
}

TEST_F(PostgresCliTest, ADrainedReplacePartitionLoadReplacesNothing) {
  // SIGTERM drains a run; a replace_partition load with part of the day's rows would
  // replace the whole day with them, so the sink refuses and the run fails.
  Sql("CREATE TABLE drained (id bigint, day text, v float8); INSERT INTO drained VALUES (1, '2026-12-01', 1)");
  WriteCsv("in.csv", 0, 20000, "2026-12-01");
  WritePipeline("p.yaml", "in.csv", "table: drained, mode: replace_partition, partition_by: [day]", 50);
  auto run = StartTrestle({"run", "p.yaml", "--run-dir", "run"}, Env());
  ASSERT_TRUE(run);
  ASSERT_TRUE(WaitUntil([&] { return CopyActive(); }, std::chrono::seconds(60))) << run->Stderr();
  run->Signal(SIGTERM);
  ProcessResult r = run->Wait();
  EXPECT_EXIT_CODE(r, 1);
  EXPECT_TRUE(Contains(r.err, "with part of their rows would lose the rest")) << r.Describe();
  ASSERT_TRUE(WaitUntil([&] { return NoTrestleSessions(); }, std::chrono::seconds(30)));
  EXPECT_EQ(Sql("SELECT id, day, v FROM drained"), "1|2026-12-01|1");
}

TEST_F(PostgresCliTest, AFailingNodeElsewhereRollsTheLoadBack) {
  Sql("CREATE TABLE rolled (id bigint, day text, v float8); INSERT INTO rolled VALUES (1, 'old', 1)");
  WriteCsv("in.csv", 0, 1000, "2026-12-01");
  Write("p.yaml",
        "pipeline: pg-rollback\nnodes:\n"
        "  - name: csv\n    type: csv_source\n    options: {path: in.csv, schema: {id: [int64], day: [utf8], v: [float64]}}\n"
        "  - name: load\n    type: postgres_sink\n    inputs: [csv]\n"
        "    options: {conninfo: \"${PG_CONN}\", table: rolled}\n"
        "  - name: check\n    type: scripted\n    inputs: [csv]\n    options: {data_error_id: 900}\n    on_error: fail\n"
        "  - name: out\n    type: jsonl_sink\n    inputs: [check]\n    options: {path: out.jsonl}\n"
        "execution: {batch_rows: 100}\n");
  ProcessResult r = Run("p.yaml");
  EXPECT_EXIT_CODE(r, 1);
  EXPECT_TRUE(Contains(r.err + r.out, "scripted bad batch at id 900")) << r.Describe();
  EXPECT_EQ(Sql("SELECT id, day FROM rolled"), "1|old");
  ASSERT_TRUE(WaitUntil([&] { return NoTrestleSessions(); }, std::chrono::seconds(30)));
}

TEST_F(PostgresCliTest, ASecondRunOfTheSameLoadIsBlockedByTheAdvisoryLock) {
  Sql("CREATE TABLE locked (id bigint, day text, v float8)");
  WriteCsv("a.csv", 0, 20000, "2026-12-01");
  WriteCsv("b.csv", 100000, 10, "2026-12-01");
  const std::string opts = "table: locked, mode: replace_partition, partition_by: [day], lock_key: nightly-2026-12-01";
  WritePipeline("a.yaml", "a.csv", opts, 50);
  WritePipeline("b.yaml", "b.csv", opts, 0, "retry: {max_attempts: 2, initial_backoff_ms: 50}");
  auto a = StartTrestle({"run", "a.yaml", "--run-dir", "run-a"}, Env());
  ASSERT_TRUE(a);
  ASSERT_TRUE(WaitUntil([&] { return CopyActive() && AdvisoryLockHeld(); }, std::chrono::seconds(60))) << a->Stderr();
  ProcessResult b = Run("b.yaml", "b.json");
  EXPECT_EXIT_CODE(b, 1);
  EXPECT_TRUE(Contains(b.err + b.out, "lock_key \"nightly-2026-12-01\" is held by another session")) << b.Describe();
  ProcessResult ra = a->Wait();
  ASSERT_EXIT_CODE(ra, 0);
  EXPECT_EQ(Sql("SELECT count(*), min(id), max(id) FROM locked"), "20000|0|19999");
}

}  // namespace
}  // namespace trestle::dbtest
