#pragma once
// The fixture of the tests of `trestle serve` (serve_*_test.cc): the served pipeline,
// starting the server on a port it picks itself (read back from its log), and the calls,
// scrapes and comparisons the tests share.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "../observe/exposition_parser.h"
#include "cli_fixture.h"
#include "example_csv.h"
#include "serve_bodies.h"
#include "serve_client.h"

#ifndef TRESTLE_PYTHON3
#define TRESTLE_PYTHON3 "/usr/bin/python3"
#endif

namespace trestle::clitest {

namespace fs = std::filesystem;
using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::seconds;

class ServeTest : public CliTest {
 protected:
  /// The served pipeline "srv": the sequence source's rows (id, x) go through `gate`, a
  /// scripted transform (`gate_options`), to a linear model score = x + 10 (version "7"),
  /// to the jsonl sink `out`, the response node.
  void WritePipeline(const std::string& gate_options = "{}", const std::string& execution = "",
                     const std::string& gate_extra = "", const std::string& tail = "");

  /// Publishes version `v` of models/m (written beside, then renamed into place).
  void Publish(int v, const std::string& model_json);

  /// Starts `trestle serve FILE` on a free port (no admin endpoint; run directory "run",
  /// report "report.json") and waits for the port in its log. Null (and a test failure)
  /// when it does not come.
  std::unique_ptr<Process> Serve(std::vector<std::string> args, const std::string& file = "p.yaml",
                                 ProcessOptions options = {});

  /// Polls GET /v2/health/ready until it is 200.
  bool WaitReady(Process& p);

  std::string InferPath() const { return "/v2/models/" + model_ + "/infer"; }
  Reply Infer(const std::string& body, const std::string& headers = "") {
    return Call(port_, "POST", InferPath(), body, headers);
  }

  prom_test::Exposition Scrape();
  double Gauge(const prom_test::Exposition& x, const std::string& name) {
    return x.Get(name, {{"model", model_}}).value_or(-1);
  }
  double Requests(const prom_test::Exposition& x, const std::string& version, int status) {
    return x.Get("trestle_serving_requests_total", {{"model", model_}, {"version", version}, {"status", std::to_string(status)}})
        .value_or(0);
  }
  /// Engine batches the batcher formed with more than `rows` rows (`rows` a bucket bound).
  double BatchesAbove(const prom_test::Exposition& x, double rows);

  /// Sends every row of `csv` that parses as the request schema (the others are the lines
  /// a batch run dead-letters) to the served pipeline, in requests of varying sizes from
  /// 4 client threads, alternating the instances and the v2 form, and checks each
  /// response row carries its request row's `key`. Returns the answered rows by key
  /// (the CSV text of the key field).
  std::map<std::string, json> ServeRows(const Csv& csv, const std::string& key);

  /// Every row of the batch output `batch` (keyed by `key`) was answered, and every
  /// answered row is in it, with `columns` equal as doubles, bit for bit.
  void ExpectSameScores(const Csv& batch, const std::map<std::string, json>& served, const std::string& key,
                        const std::vector<std::string>& columns);

  static ProcessResult Terminate(Process& p);

  uint16_t port_ = 0;
  std::string model_ = "srv";
};

}  // namespace trestle::clitest
