#pragma once
// Shared by the monitors tests: temporary files, reference profiles built from batches,
// and the recorded events parsed back with nlohmann::json.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <optional>
#include <random>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <trestle/testing.hpp>

#include "profile.hpp"

namespace mt {

using nlohmann::json;
using trestle::Batch;
using trestle::Options;
using trestle::StringList;
using trestle::Type;
using trestle::testing::BatchBuilder;
using trestle::testing::Harness;
using ::testing::HasSubstr;

using Doubles = std::vector<std::optional<double>>;
using Strings = std::vector<std::optional<std::string>>;

inline std::string testdata(const std::string& file) { return std::string(MONITORS_TESTDATA) + "/" + file; }

/// A fresh directory under the test temp dir, removed at destruction.
class TempDir {
 public:
  TempDir() {
    static std::atomic<int> counter{0};
    path_ = std::filesystem::path(::testing::TempDir()) /
            ("monitors-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string file(const std::string& name) const { return (path_ / name).string(); }
  std::vector<std::string> list() const {
    std::vector<std::string> v;
    for (const auto& e : std::filesystem::directory_iterator(path_)) v.push_back(e.path().filename().string());
    return v;
  }

 private:
  std::filesystem::path path_;
};

/// The profile of `batches`.
inline monitors::Profile profile_of(const std::vector<Batch>& batches, monitors::ProfileOptions o = {}) {
  monitors::ProfileBuilder b(batches.at(0).schema(), o);
  for (const auto& x : batches) b.add(x);
  return b.finish();
}

/// Writes the profile of `batches` to dir/name and returns the path.
inline std::string write_reference(const TempDir& dir, const std::vector<Batch>& batches, monitors::ProfileOptions o = {},
                                   const std::string& name = "reference.profile") {
  std::string path = dir.file(name);
  monitors::write_profile(path, profile_of(batches, o));
  return path;
}

inline std::vector<double> normal(size_t n, double mean, double sd, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> d(mean, sd);
  std::vector<double> v(n);
  for (auto& x : v) x = d(rng);
  return v;
}

inline Doubles opt(const std::vector<double>& v) { return Doubles(v.begin(), v.end()); }

/// `n` categories drawn with the given weights.
inline Strings categories(size_t n, const std::vector<std::string>& values, const std::vector<double>& weights, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::discrete_distribution<size_t> d(weights.begin(), weights.end());
  Strings v;
  for (size_t i = 0; i < n; ++i) v.push_back(values[d(rng)]);
  return v;
}

/// Payloads of the recorded events of `kind`, parsed.
template <typename Op>
std::vector<json> events(Harness<Op>& h, const std::string& kind) {
  std::vector<json> v;
  for (const auto& e : h.recorded().events)
    if (e.kind == kind) v.push_back(json::parse(e.json));
  return v;
}
template <typename Op>
std::vector<json> findings(Harness<Op>& h) { return events(h, "finding"); }
template <typename Op>
std::vector<json> windows(Harness<Op>& h) { return events(h, "monitor_window"); }

/// Creates a monitor with options `o` in `h` (replacing what it held), shows it `b` and
/// closes it; returns its findings. `h` keeps the monitor for looking at its windows.
template <typename Op>
std::vector<json> run_once(std::unique_ptr<Harness<Op>>& h, const Batch& b, const Options& o) {
  h = std::make_unique<Harness<Op>>(o);
  h->open(b.schema());
  h->observe(b);
  h->close();
  return findings(*h);
}

/// Findings with code `code`.
inline std::vector<json> with_code(const std::vector<json>& fs, const std::string& code) {
  std::vector<json> v;
  for (const auto& f : fs)
    if (f["code"] == code) v.push_back(f);
  return v;
}

/// The entry of `feature` in a window's "features".
inline json feature_of(const json& window, const std::string& feature) {
  for (const auto& f : window["features"])
    if (f["feature"] == feature) return f;
  ADD_FAILURE() << "no feature " << feature << " in " << window.dump();
  return json();
}

/// The message of the trestle::Error that f throws (a test failure when none).
template <typename F>
std::string error_of(F&& f, int32_t code = TRESTLE_INVALID_ARGUMENT) {
  try {
    f();
  } catch (const trestle::Error& e) {
    EXPECT_EQ(e.code(), code) << e.what();
    return e.what();
  }
  ADD_FAILURE() << "expected a trestle::Error";
  return "";
}

}  // namespace mt
