#include "feature_window.hpp"

#include <algorithm>
#include <cmath>

#include "values.hpp"

namespace monitors {
namespace {

// Which categorical values compare equal: utf8 with utf8, bool with bool, any integer
// width with any other (both are spelled in decimal).
int categorical_group(trestle::Type t) {
  switch (t) {
    case trestle::Type::Utf8: return 0;
    case trestle::Type::Bool: return 1;
    case trestle::Type::Int32:
    case trestle::Type::Int64: return 2;
    default: return -1;
  }
}

}  // namespace

FeatureReference::FeatureReference(const ColumnProfile& c) : column(c) {
  if (c.kind == Kind::Numeric) {
    const QuantileSketch& s = c.numeric.sketch;
    if (!s.empty()) {
      for (int d = 1; d <= 9; ++d) {
        const double e = s.quantile(d / 10.0);
        if (edges.empty() || e > edges.back()) edges.push_back(e);
      }
      for (double e : edges) thresholds.push_back(s.upper_bound_of(e));
    }
    bin_counts.assign(edges.size() + 1, 0.0);
    const auto points = s.points();
    for (const auto& [v, n] : points) {
      const auto bin = static_cast<size_t>(std::lower_bound(edges.begin(), edges.end(), v) - edges.begin());
      bin_counts[bin] += static_cast<double>(n);
    }
    distribution = stats::Distribution::from_points(points);
    const double var = c.numeric.variance();
    std = var > 0 ? std::sqrt(var) : 0.0;
  } else {
    for (auto& [v, n] : c.categorical.sorted()) {
      index.emplace(v, static_cast<int64_t>(values.size()));
      values.push_back(v);
      counts.push_back(static_cast<double>(n));
    }
    other = static_cast<double>(c.categorical.other);
  }
}

bool compatible(const ColumnProfile& ref, trestle::Type input, std::string* why) {
  bool ok;
  if (ref.kind == Kind::Numeric) ok = input != trestle::Type::Utf8 && input != trestle::Type::Bool;
  else ok = categorical_group(input) >= 0 && categorical_group(input) == categorical_group(ref.type);
  if (!ok && why != nullptr)
    *why = std::string("the reference has it as ") + trestle::type_name(ref.type) + " (" + kind_name(ref.kind) +
           "), the input as " + trestle::type_name(input);
  return ok;
}

FeatureAccumulator::FeatureAccumulator(const FeatureReference* reference, int input_index, AccumulatorOptions options)
    : ref_(reference), input_(input_index), opt_(options) {
  reset(0);
}

void FeatureAccumulator::reset(uint64_t seed) {
  rows = nulls = nan = inf = finite = out_of_range = unseen = 0;
  mean = m2 = min = max = lowest_out = highest_out = 0;
  bins.assign(ref_->bin_counts.size(), 0);
  sample.clear();
  known.assign(ref_->values.size(), 0);
  new_values.clear();
  rng_.seed(seed);
}

void FeatureAccumulator::add_number(double v) {
  if (std::isnan(v)) {
    ++nan;
    return;
  }
  if (std::isinf(v)) {
    ++inf;
    return;
  }
  ++finite;
  if (finite == 1) min = max = v;
  else min = std::min(min, v), max = std::max(max, v);
  const double d = v - mean;
  mean += d / static_cast<double>(finite);
  m2 += d * (v - mean);
  const auto& t = ref_->thresholds;
  ++bins[static_cast<size_t>(std::lower_bound(t.begin(), t.end(), v) - t.begin())];
  if (v < opt_.range_lo || v > opt_.range_hi) {
    if (out_of_range == 0) lowest_out = highest_out = v;
    else lowest_out = std::min(lowest_out, v), highest_out = std::max(highest_out, v);
    ++out_of_range;
  }
  if (!opt_.keep_sample) return;
  // Algorithm R: the i-th value replaces a random slot with probability k / i.
  if (static_cast<int64_t>(sample.size()) < opt_.sample_size) {
    sample.push_back(v);
  } else {
    const uint64_t j = rng_() % static_cast<uint64_t>(finite);
    if (j < static_cast<uint64_t>(opt_.sample_size)) sample[j] = v;
  }
}

void FeatureAccumulator::add(const trestle::Column& c) {
  rows += c.size();
  nulls += c.null_count();
  if (ref_->kind() == Kind::Numeric) {
    for_each_number(c, [this](int64_t, double v) { add_number(v); });
    return;
  }
  char buf[24];
  for (int64_t r = 0; r < c.size(); ++r) {
    if (c.is_null(r)) continue;
    const std::string_view v = categorical_value(c, r, buf);
    auto it = ref_->index.find(v);
    if (it != ref_->index.end()) {
      ++known[static_cast<size_t>(it->second)];
      continue;
    }
    ++unseen;
    auto jt = new_values.find(v);
    if (jt != new_values.end()) ++jt->second;
    else if (static_cast<int64_t>(new_values.size()) < opt_.max_new_values) new_values.emplace(std::string(v), 1);
  }
}

}  // namespace monitors
