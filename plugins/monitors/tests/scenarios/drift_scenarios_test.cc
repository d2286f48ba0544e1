// The default settings of drift_monitor against generated scenarios whose truth is
// known (docs/monitors.md, "How the defaults were chosen"): a reference of 50,000 rows,
// then seven daily runs of 20,000 rows each, one window per run (the defaults), with
// one column changed from day 4 on. Every other column never changes. For each scenario
// the table gives the day the change was first flagged and the findings on anything
// that did not change (false positives).
//
// TRESTLE_SCENARIO_TABLE=path also writes the table as markdown to that path.
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>

#include "../support.hpp"
#include "drift_monitor.hpp"

namespace mt {
namespace {

using monitors::DriftMonitor;

constexpr size_t kReferenceRows = 50000;
constexpr size_t kDayRows = 20000;
constexpr int kDays = 7;
constexpr int kChangeDay = 4;

// The column that changes: numeric with CV 0.5 (mean 60, sd 30) or categorical.
constexpr double kMean = 60, kSd = 30;
const std::vector<std::string> kCountries = {"DE", "FR", "IT"};
const std::vector<double> kCountryWeights = {0.45, 0.30, 0.25};
const std::vector<std::string> kPlans = {"basic", "plus", "pro", "max"};
const std::vector<double> kPlanWeights = {0.5, 0.3, 0.15, 0.05};

enum class Change { None, Mean, Sd, NewCategory, Shares, Missing };

struct Scenario {
  std::string name;
  Change change;
  double size;         // relative mean shift, sd factor, the new category's share, or the share moved
  bool must_detect;    // the defaults must flag it on the change day
};

std::vector<double> lognormal(size_t n, double mu, double sigma, uint64_t seed) {
  std::vector<double> v = normal(n, mu, sigma, seed);
  for (double& x : v) x = std::exp(x);
  return v;
}

std::vector<std::optional<int64_t>> counts(size_t n, double mean, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::poisson_distribution<int64_t> d(mean);
  std::vector<std::optional<int64_t>> v(n);
  for (auto& x : v) x = d(rng);
  return v;
}

// One day's rows (day 0: the reference). `seed` varies with the scenario and the day.
Batch day_rows(const Scenario& s, int day, size_t n, uint64_t seed) {
  const bool changed = day >= kChangeDay;
  std::vector<std::optional<int64_t>> ids(n);
  for (size_t i = 0; i < n; ++i) ids[i] = static_cast<int64_t>(day) * 1000000 + static_cast<int64_t>(i);
  BatchBuilder b;
  b.i64("id", ids)
      .f64("price", opt(normal(n, 100, 25, seed + 1)))
      .f64("tenure", opt(lognormal(n, 3, 0.6, seed + 2)))
      .i64("calls", counts(n, 3, seed + 3))
      .str("plan", categories(n, kPlans, kPlanWeights, seed + 4));
  if (s.change == Change::NewCategory || s.change == Change::Shares) {
    std::vector<std::string> values = kCountries;
    std::vector<double> weights = kCountryWeights;
    if (changed && s.change == Change::NewCategory) {
      for (double& w : weights) w *= 1 - s.size;
      values.push_back("ES");
      weights.push_back(s.size);
    }
    if (changed && s.change == Change::Shares) {  // from the most frequent value to the least
      weights.front() -= s.size;
      weights.back() += s.size;
    }
    b.str("target", categories(n, values, weights, seed + 5));
  } else if (!(s.change == Change::Missing && changed)) {
    double mean = kMean, sd = kSd;
    if (changed && s.change == Change::Mean) mean *= 1 + s.size;
    if (changed && s.change == Change::Sd) sd *= s.size;
    b.f64("target", opt(normal(n, mean, sd, seed + 5)));
  }
  return b.build();
}

struct Outcome {
  int first_day = 0;              // first day with a finding on the target (0: never)
  int days_flagged = 0;           // from the change day on
  int false_positives = 0;        // findings on unchanged columns, or on the target before the change
  std::string statistic, value;   // of the change day's finding on the target
  std::string psi;                // the target's PSI on the change day (the old default's statistic)
  double noise_wasserstein = 0;   // the largest wasserstein of an unchanged numeric column
  double noise_linf = 0;          // the largest linf of an unchanged categorical column
  std::vector<std::string> false_positive_texts;
};

std::string short_number(double v) {
  std::ostringstream o;
  o.precision(3);
  o << v;
  return o.str();
}

Outcome evaluate(const Scenario& s, uint64_t base_seed) {
  TempDir dir;
  const std::string ref = write_reference(dir, {day_rows(s, 0, kReferenceRows, base_seed)});
  Outcome out;
  for (int day = 1; day <= kDays; ++day) {
    const Batch rows = day_rows(s, day, kDayRows, base_seed + 100 * static_cast<uint64_t>(day));
    std::unique_ptr<Harness<DriftMonitor>> h;
    const std::vector<json> fs = run_once(h, rows, Options().set("reference", ref));  // every other option at its default
    const std::vector<json> ws = windows(*h);
    EXPECT_EQ(ws.size(), 1u) << s.name << " day " << day << ": one window per run by default";
    for (const json& w : ws) {
      for (const json& f : w["features"]) {
        const json& sc = f["scores"];
        if (f["feature"] == "target") {
          if (day == kChangeDay && sc.contains("psi") && sc["psi"].is_number()) out.psi = short_number(sc["psi"].get<double>());
          continue;
        }
        if (sc.contains("wasserstein") && sc["wasserstein"].is_number())
          out.noise_wasserstein = std::max(out.noise_wasserstein, sc["wasserstein"].get<double>());
        if (sc.contains("linf") && sc["linf"].is_number()) out.noise_linf = std::max(out.noise_linf, sc["linf"].get<double>());
      }
    }
    bool target = false;
    for (const json& f : fs) {
      if (f["feature"] == "target" && day >= kChangeDay) {
        if (!target && day == kChangeDay) {
          out.statistic = f["statistic"].get<std::string>();
          if (f["value"].is_number()) out.value = short_number(f["value"].get<double>());
        }
        target = true;
        continue;
      }
      ++out.false_positives;
      out.false_positive_texts.push_back("day " + std::to_string(day) + ": " + f.dump());
    }
    if (target) {
      ++out.days_flagged;
      if (out.first_day == 0) out.first_day = day;
    }
  }
  return out;
}

std::string change_text(const Scenario& s) {
  std::ostringstream o;
  switch (s.change) {
    case Change::None: return "nothing changes";
    case Change::Mean: o << "mean +" << s.size * 100 << "% (" << s.size * kMean / kSd << " sd)"; return o.str();
    case Change::Sd: o << "sd x" << s.size; return o.str();
    case Change::NewCategory: o << "new category at " << s.size * 100 << "%"; return o.str();
    case Change::Shares: o << s.size * 100 << "% of rows move from one category to another"; return o.str();
    case Change::Missing: return "column missing";
  }
  return "";
}

TEST(DriftScenarios, TheDefaultsFlagPracticalShiftsOnTheirDayAndNothingElse) {
  const std::vector<Scenario> scenarios = {
      {"none", Change::None, 0, false},          {"mean5", Change::Mean, 0.05, false},
      {"mean10", Change::Mean, 0.10, true},      {"mean15", Change::Mean, 0.15, true},
      {"mean30", Change::Mean, 0.30, true},      {"sd1.1", Change::Sd, 1.1, false},
      {"sd1.5", Change::Sd, 1.5, true},          {"new1", Change::NewCategory, 0.01, true},
      {"new5", Change::NewCategory, 0.05, true}, {"new10", Change::NewCategory, 0.10, true},
      {"shares3", Change::Shares, 0.03, false},  {"shares10", Change::Shares, 0.10, true},
      {"missing", Change::Missing, 0, true},
  };
  std::ostringstream table;
  table << "| scenario (from day " << kChangeDay << ") | first flagged | days flagged (of " << kDays - kChangeDay + 1
        << ") | finding on day " << kChangeDay << " | its PSI | false positives | unchanged columns: largest wasserstein, linf |\n"
        << "|---|---|---:|---|---:|---:|---|\n";
  // TRESTLE_SCENARIO_SEED: other data, to see how far the table depends on the draw.
  const char* seed_text = std::getenv("TRESTLE_SCENARIO_SEED");
  uint64_t seed = 1000 + (seed_text ? std::strtoull(seed_text, nullptr, 10) * 1000003 : 0);
  for (const Scenario& s : scenarios) {
    const Outcome o = evaluate(s, seed);
    seed += 10000;
    table << "| " << change_text(s) << " | " << (o.first_day ? "day " + std::to_string(o.first_day) : "never") << " | "
          << o.days_flagged << " | " << (o.statistic.empty() ? "-" : o.statistic + " " + o.value) << " | "
          << (o.psi.empty() ? "-" : o.psi) << " | " << o.false_positives << " | " << short_number(o.noise_wasserstein) << ", "
          << short_number(o.noise_linf) << " |\n";
    for (const auto& t : o.false_positive_texts) ADD_FAILURE() << s.name << ": false positive " << t;
    if (s.change == Change::None) {
      EXPECT_EQ(o.first_day, 0) << s.name;
    }
    if (s.must_detect) {
      EXPECT_EQ(o.first_day, kChangeDay) << s.name << " was not flagged on the day it began";
      EXPECT_EQ(o.days_flagged, kDays - kChangeDay + 1) << s.name << " was not flagged every day after";
    }
  }
  std::cout << table.str();
  if (const char* path = std::getenv("TRESTLE_SCENARIO_TABLE")) std::ofstream(path) << table.str();
}

}  // namespace
}  // namespace mt
