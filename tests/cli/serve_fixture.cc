#include "serve_fixture.h"

#include <signal.h>

#include <atomic>
#include <cstdlib>
#include <mutex>
#include <optional>
#include <regex>
#include <thread>
#include <utility>

namespace trestle::clitest {

void ServeTest::WritePipeline(const std::string& gate_options, const std::string& execution,
                              const std::string& gate_extra, const std::string& tail) {
  Write("m.json", LinearModel(10, "7"));
  Write("p.yaml", "pipeline: srv\nnodes:\n"
                  "  - {name: seq, type: sequence, options: {rows: 0}}\n"
                  "  - {name: gate, type: scripted, inputs: [seq], options: " + gate_options + gate_extra + "}\n"
                  "  - {name: score, type: linear, inputs: [gate], options: {model: m.json}}\n"
                  "  - {name: out, type: jsonl_sink, inputs: [score], options: {path: out.jsonl}}\n"
                  "execution: {max_dead_letter_share: 1" + (execution.empty() ? "" : ", " + execution) + "}\n" +
                      tail);
}

void ServeTest::Publish(int v, const std::string& model_json) {
  const std::string tmp = "models/m/.tmp-" + std::to_string(v);
  Write(tmp + "/linear.json", model_json);
  fs::rename(Path(tmp), Path("models/m/" + std::to_string(v)));
}

std::unique_ptr<Process> ServeTest::Serve(std::vector<std::string> args, const std::string& file,
                                          ProcessOptions options) {
  std::vector<std::string> all = {"serve",  file,  "--listen", "127.0.0.1:0", "--no-admin", "--run-dir",
                                  "run",    "--report", "report.json"};
  all.insert(all.end(), args.begin(), args.end());
  auto p = StartTrestle(all, options);
  if (!p) return nullptr;
  static const std::regex re("serving endpoint listening on 127\\.0\\.0\\.1:([0-9]+)");
  int port = 0;
  WaitUntil(
      [&] {
        const std::string err = p->Stderr();
        std::smatch m;
        if (std::regex_search(err, m, re)) port = std::stoi(m[1]);
        return port > 0 || !p->Running();
      },
      seconds(60));
  if (port <= 0 || port > 65535) {
    ADD_FAILURE() << "no \"serving endpoint listening on\" line: " << p->Stderr();
    return nullptr;
  }
  port_ = static_cast<uint16_t>(port);
  return p;
}

bool ServeTest::WaitReady(Process& p) {
  Reply last;
  const bool ready = WaitUntil(
      [&] { return (last = Call(port_, "GET", "/v2/health/ready")).status == 200 || !p.Running(); }, seconds(60));
  if (!ready || last.status != 200) {
    ADD_FAILURE() << "not ready: " << last.Describe() << "\n" << p.Stderr();
    return false;
  }
  return true;
}

prom_test::Exposition ServeTest::Scrape() {
  Reply r = Call(port_, "GET", "/metrics");
  EXPECT_EQ(r.status, 200) << r.Describe();
  prom_test::Exposition x = prom_test::ParseExposition(r.body);
  EXPECT_TRUE(x.errors.empty()) << x.ErrorText() << r.body;
  return x;
}

double ServeTest::BatchesAbove(const prom_test::Exposition& x, double rows) {
  const double count = x.Get("trestle_serving_batch_rows_count", {{"model", model_}}).value_or(0);
  for (const auto& s : x.All("trestle_serving_batch_rows_bucket"))
    if (s.labels.count("le") && s.labels.at("le") != "+Inf" && std::stod(s.labels.at("le")) == rows)
      return count - s.value;
  ADD_FAILURE() << "no bucket le=" << rows;
  return -1;
}

std::map<std::string, json> ServeTest::ServeRows(const Csv& csv, const std::string& key) {
  Reply metadata = Call(port_, "GET", "/v2/models/" + model_);
  EXPECT_EQ(metadata.status, 200) << metadata.Describe();
  const json inputs = metadata.Json()["inputs"];
  EXPECT_EQ(inputs.size(), csv.header.size()) << inputs.dump();
  std::vector<std::string> datatypes;
  for (size_t c = 0; c < csv.header.size() && c < inputs.size(); ++c) {
    EXPECT_EQ(inputs[c]["name"], csv.header[c]) << "the request's columns are the CSV's, in order";
    datatypes.push_back(inputs[c]["datatype"].get<std::string>());
  }
  size_t key_column = 0;
  while (key_column < csv.header.size() && csv.header[key_column] != key) ++key_column;

  struct Sent {
    std::vector<std::string> keys;
    std::vector<std::vector<json>> values;  // row -> column
  };
  std::vector<Sent> requests;
  const std::vector<size_t> sizes = {1, 7, 2, 30, 5, 64, 3, 17, 11};
  Sent next;
  for (const auto& fields : csv.rows) {
    if (fields.size() != csv.header.size() || datatypes.size() != csv.header.size()) continue;
    std::vector<json> values;
    for (size_t c = 0; c < fields.size(); ++c) {
      std::optional<json> v = FieldValue(fields[c], datatypes[c]);
      if (!v) break;
      values.push_back(std::move(*v));
    }
    if (values.size() != fields.size()) continue;
    next.keys.push_back(fields[key_column]);
    next.values.push_back(std::move(values));
    if (next.keys.size() == sizes[requests.size() % sizes.size()]) requests.push_back(std::move(next)), next = {};
  }
  if (!next.keys.empty()) requests.push_back(std::move(next));

  auto body_of = [&](size_t q) {
    const Sent& s = requests[q];
    json body = {{"id", "r" + std::to_string(q)}};
    if (q % 2 == 0) {
      body["instances"] = json::array();
      for (const auto& row : s.values) {
        json instance = json::object();
        for (size_t c = 0; c < row.size(); ++c) instance[csv.header[c]] = row[c];
        body["instances"].push_back(instance);
      }
    } else {
      body["inputs"] = json::array();
      for (size_t c = 0; c < csv.header.size(); ++c) {
        json data = json::array();
        for (const auto& row : s.values) data.push_back(row[c]);
        body["inputs"].push_back(
            {{"name", csv.header[c]}, {"shape", {s.values.size()}}, {"datatype", datatypes[c]}, {"data", data}});
      }
    }
    return body.dump();
  };

  std::map<std::string, json> answered;
  std::mutex mu;
  std::atomic<size_t> next_request{0};
  std::vector<std::thread> clients;
  for (int t = 0; t < 4; ++t) {
    clients.emplace_back([&] {
      Connection conn(port_);
      for (size_t q; (q = next_request.fetch_add(1)) < requests.size();) {
        Reply r = conn.Request("POST", InferPath(), body_of(q));
        std::lock_guard<std::mutex> l(mu);
        if (r.status != 200) {
          ADD_FAILURE() << "request " << q << ": " << r.Describe();
          continue;
        }
        std::vector<json> rows = ResponseRows(r.Json());
        if (rows.size() != requests[q].keys.size()) {
          ADD_FAILURE() << "request " << q << ": " << rows.size() << " rows for " << requests[q].keys.size();
          continue;
        }
        for (size_t i = 0; i < rows.size(); ++i) {
          EXPECT_FALSE(rows[i].contains("error")) << rows[i].dump();
          EXPECT_EQ(rows[i][key], requests[q].values[i][key_column]) << "request " << q << " row " << i;
          EXPECT_TRUE(answered.emplace(requests[q].keys[i], rows[i]).second) << "key " << requests[q].keys[i] << " twice";
        }
      }
    });
  }
  for (auto& t : clients) t.join();
  return answered;
}

void ServeTest::ExpectSameScores(const Csv& batch, const std::map<std::string, json>& served, const std::string& key,
                                 const std::vector<std::string>& columns) {
  ASSERT_FALSE(batch.rows.empty());
  std::map<std::string, size_t> index;
  for (size_t c = 0; c < batch.header.size(); ++c) index[batch.header[c]] = c;
  ASSERT_TRUE(index.count(key)) << "no column " << key;
  for (const auto& c : columns) ASSERT_TRUE(index.count(c)) << "no column " << c;
  EXPECT_EQ(served.size(), batch.rows.size()) << "the batch run scored other rows than the server";
  size_t compared = 0;
  for (const auto& fields : batch.rows) {
    ASSERT_EQ(fields.size(), batch.header.size());
    auto it = served.find(fields[index[key]]);
    if (it == served.end()) {
      ADD_FAILURE() << "row " << fields[index[key]] << " of the batch output was not answered";
      continue;
    }
    for (const auto& c : columns) {
      const std::string& text = fields[index[c]];
      const json& got = it->second[c];
      ASSERT_TRUE(got.is_number()) << it->second.dump();
      const double served_value = got.get<double>();
      // A float32 column (XGBoost's scores) is served as the widened float and written
      // to CSV with the fewest digits that read back as the float: compared as float32.
      const bool float32 = static_cast<double>(static_cast<float>(served_value)) == served_value;
      char* end = nullptr;
      const double want = float32 ? static_cast<double>(std::strtof(text.c_str(), &end)) : std::strtod(text.c_str(), &end);
      ASSERT_EQ(end, text.c_str() + text.size()) << "not a number: " << text;
      EXPECT_EQ(Bits(served_value), Bits(want))
          << "row " << fields[index[key]] << " column " << c << ": served " << got.dump() << ", batch " << text;
    }
    ++compared;
  }
  EXPECT_EQ(compared, batch.rows.size());
}

ProcessResult ServeTest::Terminate(Process& p) {
  p.Signal(SIGTERM);
  return p.Wait();
}

}  // namespace trestle::clitest
