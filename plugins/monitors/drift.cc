#include "drift.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>
#include <set>

#include "stats.hpp"

namespace monitors {
namespace {

using trestle::InvalidArgument;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

const std::set<std::string> kNumericStats = {"psi", "js", "ks", "ks_p", "wasserstein"};
const std::set<std::string> kCategoricalStats = {"psi", "js", "chi2_p", "linf"};

bool applies(const std::string& statistic, Kind k) {
  return (k == Kind::Numeric ? kNumericStats : kCategoricalStats).count(statistic) > 0;
}
bool is_p_value(const std::string& statistic) { return statistic == "ks_p" || statistic == "chi2_p"; }

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g", v);
  return buf;
}

uint64_t splitmix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

double quantile_of_sorted(const std::vector<double>& v, double q) {
  if (v.empty()) return kNaN;
  return v[static_cast<size_t>(std::floor(q * static_cast<double>(v.size() - 1)))];
}

// The categorical bins of a window: the reference values, then "other" when the
// reference folded values (window values outside its domain go there), else one bin
// for values the reference never saw (only when the window has some).
struct CategoricalBins {
  std::vector<double> reference, window;
  bool unseen_bin = false;
};

CategoricalBins categorical_bins(const FeatureAccumulator& a) {
  const FeatureReference& r = a.reference();
  CategoricalBins b;
  b.reference = r.counts;
  b.window.reserve(a.known.size() + 1);
  for (int64_t k : a.known) b.window.push_back(static_cast<double>(k));
  if (!r.complete()) {
    b.reference.push_back(r.other);
    b.window.push_back(static_cast<double>(a.unseen));
  } else if (a.unseen > 0) {
    b.reference.push_back(0);
    b.window.push_back(static_cast<double>(a.unseen));
    b.unseen_bin = true;
  }
  return b;
}

}  // namespace

uint64_t fnv1a(const std::string& s) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : s) h = (h ^ c) * 0x100000001b3ULL;
  return h;
}

trestle::OperatorSpec& drift_params(trestle::OperatorSpec& spec) {
  return spec
      .param<std::string>("statistic",
                          "the alerting statistic: auto (numeric: wasserstein > 0.1 with a significant ks_p; categorical: "
                          "linf > 0.05 or unseen_share > 0.005 with a significant chi2_p; docs/monitors.md), or one of psi, js, ks, "
                          "ks_p, wasserstein, chi2_p, linf for every feature it applies to (the others keep auto)",
                          std::string("auto"))
      .one_of({"auto", "psi", "js", "ks", "ks_p", "wasserstein", "chi2_p", "linf"})
      .param<double>("threshold",
                     "the limit of `statistic` (an alert above it; for ks_p and chi2_p the test level, an alert below it after "
                     "the correction). Default: psi 0.2, js 0.1, ks 0.1, wasserstein 0.1, linf 0.1, p-values 0.05")
      .min(0)
      .param<std::string>("correction",
                          "multiple-testing correction of the p-value tests of a window: bh (Benjamini-Hochberg), bonferroni "
                          "or none",
                          std::string("bh"))
      .one_of({"bh", "bonferroni", "none"})
      .param<int64_t>("large_window",
                      "no longer used: the default rule now asks for an effect size and a test together at every window "
                      "size (docs/monitors.md); accepted so that older pipeline files still validate",
                      int64_t{1000})
      .min(1)
      .param<int64_t>("min_samples", "no alert for a feature with fewer values than this in a window", int64_t{20})
      .min(1)
      .param<int64_t>("sample_size",
                      "numeric features keep a uniform sample (reservoir) of at most this many values per window for ks, "
                      "ks_p and wasserstein",
                      int64_t{10000})
      .min(10)
      .param<int64_t>("seed", "seed of the reservoir samples (with the feature name and the window number)", int64_t{1})
      .param<int64_t>("max_top_values", "categorical findings list this many values with the biggest share changes",
                      int64_t{5})
      .min(0);
}

double default_threshold(const std::string& statistic, bool* below) {
  *below = is_p_value(statistic);
  if (statistic == "psi") return 0.2;
  if (*below) return 0.05;
  return 0.1;  // js, ks, wasserstein, linf
}

DriftOptions read_drift_options(const trestle::Options& o) {
  DriftOptions d;
  d.statistic = o.get_or<std::string>("statistic", "auto");
  if (d.statistic != "auto" && !applies(d.statistic, Kind::Numeric) && !applies(d.statistic, Kind::Categorical))
    throw InvalidArgument("option \"statistic\" must be auto, psi, js, ks, ks_p, wasserstein, chi2_p or linf, not \"" +
                          d.statistic + "\"");
  d.correction = o.get_or<std::string>("correction", "bh");
  if (d.correction != "bh" && d.correction != "bonferroni" && d.correction != "none")
    throw InvalidArgument("option \"correction\" must be bh, bonferroni or none, not \"" + d.correction + "\"");
  bool below = false;
  if (o.has("threshold")) {
    if (d.statistic == "auto")
      throw InvalidArgument("option \"threshold\" needs option \"statistic\" (the default rule has its own thresholds, "
                            "docs/monitors.md)");
    d.threshold = o.get<double>("threshold");
    default_threshold(d.statistic, &below);
    if (below && !(d.threshold > 0 && d.threshold < 1))
      throw InvalidArgument("option \"threshold\" of statistic " + d.statistic + " is a test level and must be in (0, 1), got " +
                            num(d.threshold));
    if (!below && !(d.threshold >= 0 && std::isfinite(d.threshold)))
      throw InvalidArgument("option \"threshold\" must be a finite number >= 0");
    if (below) d.alpha = d.threshold;
  } else if (d.statistic != "auto") {
    d.threshold = default_threshold(d.statistic, &below);
  }
  d.large_window = o.get_or<int64_t>("large_window", 1000);
  d.min_samples = o.get_or<int64_t>("min_samples", 20);
  d.sample_size = o.get_or<int64_t>("sample_size", 10000);
  d.seed = o.get_or<int64_t>("seed", 1);
  d.max_top_values = o.get_or<int64_t>("max_top_values", 5);
  if (d.large_window < 1) throw InvalidArgument("option \"large_window\" must be at least 1");
  if (d.min_samples < 1) throw InvalidArgument("option \"min_samples\" must be at least 1");
  if (d.sample_size < 10) throw InvalidArgument("option \"sample_size\" must be at least 10");
  if (d.max_top_values < 0) throw InvalidArgument("option \"max_top_values\" must be 0 or more");
  return d;
}

std::vector<std::unique_ptr<FeatureReference>> resolve_features(const Profile& profile, const trestle::Schema& input,
                                                                const std::vector<std::string>& names, const std::string& what,
                                                                const std::string& reference_path,
                                                                std::vector<int>* input_index) {
  std::vector<std::unique_ptr<FeatureReference>> refs;
  std::set<std::string> seen;
  input_index->clear();
  for (const auto& name : names) {
    if (!seen.insert(name).second) throw InvalidArgument("option \"" + what + "\" names \"" + name + "\" twice");
    const ColumnProfile* c = profile.find(name);
    if (c == nullptr) {
      std::string have;
      for (const auto& col : profile.columns) have += (have.empty() ? "" : ", ") + col.name;
      throw InvalidArgument("option \"" + what + "\" names \"" + name + "\", which the reference profile \"" + reference_path +
                            "\" does not have (it has: " + (have.empty() ? "none" : have) + ")");
    }
    const int i = input.index_of(name);
    if (i < 0)
      throw InvalidArgument("option \"" + what + "\" names \"" + name + "\", a column of the reference profile \"" +
                            reference_path + "\" which the input does not have (columns: " + input.names_list() +
                            "); drop it from \"" + what + "\" or restore the column upstream");
    std::string why;
    if (!compatible(*c, input.field(static_cast<size_t>(i)).type, &why))
      throw InvalidArgument("option \"" + what + "\": column \"" + name + "\" cannot be compared with the reference profile \"" +
                            reference_path + "\": " + why);
    refs.push_back(std::make_unique<FeatureReference>(*c));
    input_index->push_back(i);
  }
  return refs;
}

DriftEngine::DriftEngine(DriftOptions options, std::vector<std::unique_ptr<FeatureReference>> references,
                         std::vector<int> input_index)
    : opt_(std::move(options)), refs_(std::move(references)), seed_(static_cast<uint64_t>(opt_.seed)) {
  AccumulatorOptions ao;
  ao.sample_size = opt_.sample_size;
  for (size_t i = 0; i < refs_.size(); ++i) acc_.emplace_back(refs_[i].get(), input_index[i], ao);
}

void DriftEngine::begin_window(int64_t index) {
  for (auto& a : acc_) a.reset(splitmix(seed_ ^ splitmix(fnv1a(a.reference().name()) ^ splitmix(static_cast<uint64_t>(index)))));
}

void DriftEngine::accumulate(const trestle::Batch& rows) {
  for (auto& a : acc_) a.add(rows.column(static_cast<size_t>(a.input_index())));
}

namespace {
// Shares per value for the report's histogram: share[V] in the window and
// reference_share[V] in the reference, for the kShownValues most frequent reference
// values and the kShownValues most frequent new ones; the rest are summed into
// "(other)" on each side, so both sides add up to 1.
void categorical_shares(const FeatureAccumulator& a, std::map<std::string, double>* s) {
  constexpr size_t kShownValues = 20;
  const FeatureReference& r = a.reference();
  const double n = static_cast<double>(a.n());
  double ref_total = r.other;
  for (double c : r.counts) ref_total += c;
  if (n <= 0 || ref_total <= 0) return;
  double other = static_cast<double>(a.unseen), ref_other = r.other;
  for (size_t i = 0; i < r.values.size(); ++i) {
    if (i < kShownValues) {
      (*s)["share[" + r.values[i] + "]"] = static_cast<double>(a.known[i]) / n;
      (*s)["reference_share[" + r.values[i] + "]"] = r.counts[i] / ref_total;
    } else {
      other += static_cast<double>(a.known[i]);
      ref_other += r.counts[i];
    }
  }
  std::vector<std::pair<std::string, int64_t>> fresh(a.new_values.begin(), a.new_values.end());
  std::sort(fresh.begin(), fresh.end(), [](const auto& x, const auto& y) { return x.second != y.second ? x.second > y.second : x.first < y.first; });
  for (size_t i = 0; i < fresh.size() && i < kShownValues; ++i) {
    (*s)["share[" + fresh[i].first + "]"] = static_cast<double>(fresh[i].second) / n;
    other -= static_cast<double>(fresh[i].second);
  }
  if (other > 0 || ref_other > 0) {
    (*s)["share[(other)]"] = other / n;
    (*s)["reference_share[(other)]"] = ref_other / ref_total;
  }
}
}  // namespace

void describe(const FeatureAccumulator& a, trestle::FeatureWindow* w) {
  std::vector<double> sorted = a.sample;
  std::sort(sorted.begin(), sorted.end());
  describe(a, sorted, w);
}

void describe(const FeatureAccumulator& a, const std::vector<double>& sorted, trestle::FeatureWindow* w) {
  const FeatureReference& r = a.reference();
  auto& s = w->stats;
  s["rows"] = static_cast<double>(a.rows);
  s["count"] = static_cast<double>(a.rows - a.nulls);
  s["null_count"] = static_cast<double>(a.nulls);
  s["null_share"] = a.rows > 0 ? static_cast<double>(a.nulls) / static_cast<double>(a.rows) : kNaN;
  s["reference_null_share"] = r.column.null_share();
  if (r.kind() == Kind::Numeric) {
    s["nan_count"] = static_cast<double>(a.nan);
    s["inf_count"] = static_cast<double>(a.inf);
    const bool any = a.finite > 0;
    s["mean"] = any ? a.mean : kNaN;
    s["std"] = any ? std::sqrt(a.m2 / static_cast<double>(a.finite)) : kNaN;
    s["min"] = any ? a.min : kNaN;
    s["max"] = any ? a.max : kNaN;
    if (!sorted.empty()) {
      s["p05"] = quantile_of_sorted(sorted, 0.05);
      s["p50"] = quantile_of_sorted(sorted, 0.50);
      s["p95"] = quantile_of_sorted(sorted, 0.95);
      s["sampled"] = static_cast<double>(a.sample.size());
    }
    s["reference_mean"] = r.column.numeric.count > 0 ? r.column.numeric.mean : kNaN;
    s["reference_std"] = r.column.numeric.count > 0 ? r.std : kNaN;
    // The histogram the scores compare: counts per reference decile bin, K = 0 for
    // (-inf, bin_edge_0], ..., K = edges for (bin_edge_last, inf).
    for (size_t k = 0; k < a.bins.size() && k < r.bin_counts.size(); ++k) {
      s["bin_" + std::to_string(k)] = static_cast<double>(a.bins[k]);
      s["ref_bin_" + std::to_string(k)] = r.bin_counts[k];
      if (k < r.edges.size()) s["bin_edge_" + std::to_string(k)] = r.edges[k];
    }
  } else {
    int64_t distinct = static_cast<int64_t>(a.new_values.size());
    for (int64_t k : a.known) distinct += k > 0;
    s["distinct"] = static_cast<double>(distinct);
    s["unseen_count"] = static_cast<double>(a.unseen);
    const int64_t n = a.n();
    s["unseen_share"] = n > 0 ? static_cast<double>(a.unseen) / static_cast<double>(n) : kNaN;
    categorical_shares(a, &s);
  }
}

std::vector<trestle::TopValue> top_share_changes(const FeatureAccumulator& a, size_t limit) {
  const FeatureReference& r = a.reference();
  const double n = static_cast<double>(a.n());
  double ref_total = r.other;
  for (double c : r.counts) ref_total += c;
  struct Change {
    std::string value;
    int64_t count;
    double share, delta;
  };
  std::vector<Change> changes;
  if (n <= 0) return {};
  for (size_t i = 0; i < r.values.size(); ++i) {
    const double ws = static_cast<double>(a.known[i]) / n;
    const double rs = ref_total > 0 ? r.counts[i] / ref_total : 0;
    changes.push_back({r.values[i], a.known[i], ws, std::fabs(ws - rs)});
  }
  for (const auto& [v, c] : a.new_values) changes.push_back({v, c, static_cast<double>(c) / n, static_cast<double>(c) / n});
  std::sort(changes.begin(), changes.end(),
            [](const Change& x, const Change& y) { return x.delta != y.delta ? x.delta > y.delta : x.value < y.value; });
  std::vector<trestle::TopValue> top;
  for (size_t i = 0; i < changes.size() && i < limit; ++i)
    if (changes[i].delta > 0) top.push_back({changes[i].value, changes[i].count, changes[i].share});
  return top;
}

ScoredFeature DriftEngine::score_one(const FeatureAccumulator& a) const {
  const FeatureReference& r = a.reference();
  ScoredFeature f;
  f.window.feature = r.name();
  f.window.kind = kind_name(r.kind());
  // The reservoir sorted once: for the quantiles and, rounded (which keeps the order),
  // for the window's distribution.
  std::vector<double> sorted = a.sample;
  std::sort(sorted.begin(), sorted.end());
  describe(a, sorted, &f.window);
  auto& sc = f.window.scores;
  const int64_t n = a.n();
  if (r.kind() == Kind::Numeric) {
    std::vector<double> window(a.bins.begin(), a.bins.end());
    const bool comparable = n > 0 && r.distribution.total > 0;
    sc["psi"] = comparable ? stats::psi(r.bin_counts, window) : kNaN;
    sc["js"] = comparable ? stats::js_distance(r.bin_counts, window) : kNaN;
    sc["ks"] = sc["ks_p"] = sc["wasserstein"] = kNaN;
    if (comparable && !sorted.empty()) {
      // The window's values as the reference sketch sees them, so that a value the
      // reference holds compares equal to it.
      std::vector<double> rounded;
      rounded.reserve(sorted.size());
      const QuantileSketch& sk = r.column.numeric.sketch;
      for (double v : sorted) rounded.push_back(sk.round(v));
      const stats::Distribution cur = stats::Distribution::from_values(std::move(rounded));
      const double ks = stats::ks_statistic(r.distribution, cur);
      sc["ks"] = ks;
      sc["ks_p"] = stats::ks_p_value(ks, r.distribution.total, cur.total);
      sc["wasserstein"] = stats::normed_wasserstein(r.distribution, cur, r.std);
    }
  } else {
    CategoricalBins b = categorical_bins(a);
    const bool comparable = n > 0 && std::any_of(b.reference.begin(), b.reference.end(), [](double c) { return c > 0; });
    sc["psi"] = comparable ? stats::psi(b.reference, b.window) : kNaN;
    sc["js"] = comparable ? stats::js_distance(b.reference, b.window) : kNaN;
    sc["chi2"] = sc["chi2_p"] = sc["linf"] = kNaN;
    if (comparable) {
      // Expected counts: reference shares scaled to the window; the unseen bin is
      // expected with share kZeroShare and the others give up that much.
      std::vector<double> expected = stats::shares(b.reference);
      const double scale = b.unseen_bin ? 1 - stats::kZeroShare : 1.0;
      for (double& e : expected) e *= scale * static_cast<double>(n);
      if (b.unseen_bin) expected.back() = stats::kZeroShare * static_cast<double>(n);
      const stats::ChiSquared chi = stats::chi_squared(b.window, expected);
      sc["chi2"] = chi.statistic;
      sc["chi2_p"] = chi.p_value;
      f.window.stats["chi2_df"] = chi.df;
      // L-infinity over single values: when the reference domain is complete, every new
      // value the window kept is a bin of its own (the rest of the new values one more).
      std::vector<double> ref = r.counts, win(a.known.begin(), a.known.end());
      if (!r.complete()) {
        ref.push_back(r.other);
        win.push_back(static_cast<double>(a.unseen));
      } else {
        int64_t kept = 0;
        for (const auto& [v, c] : a.new_values) ref.push_back(0), win.push_back(static_cast<double>(c)), kept += c;
        if (a.unseen > kept) ref.push_back(0), win.push_back(static_cast<double>(a.unseen - kept));
      }
      sc["linf"] = stats::linf(ref, win);
    }
  }

  // The alerting rule.
  bool below = false;
  if (opt_.statistic != "auto" && applies(opt_.statistic, r.kind())) {
    f.statistic = opt_.statistic;
    below = is_p_value(f.statistic);
    f.threshold = below ? opt_.alpha : opt_.threshold;
  } else if (r.kind() == Kind::Numeric) {
    f.statistic = "wasserstein";
    f.threshold = kAutoWasserstein;
    f.gate = "ks_p";
  } else {
    // The largest change of one value's share; new values of a column whose every value
    // the reference saw are flagged from a smaller share, as nothing explains them.
    f.statistic = "linf";
    f.threshold = kAutoLinf;
    f.gate = "chi2_p";
    auto& st = f.window.stats;
    if (r.complete()) {
      st["threshold_unseen_share"] = kAutoUnseenShare;
      const double unseen = st.count("unseen_share") ? st.at("unseen_share") : kNaN;
      const double linf = sc.count("linf") ? sc.at("linf") : kNaN;
      if (std::isfinite(unseen) && unseen > kAutoUnseenShare && !(linf > kAutoLinf)) {
        f.statistic = "unseen_share";
        f.threshold = kAutoUnseenShare;
      }
    }
  }
  f.p_value = below;
  if (f.statistic == "unseen_share") f.value = f.window.stats.at("unseen_share");
  else f.value = sc.count(f.statistic) ? sc.at(f.statistic) : kNaN;
  if (!f.gate.empty()) f.gate_p = sc.count(f.gate) ? sc.at(f.gate) : kNaN;
  if (n < opt_.min_samples || !std::isfinite(f.value) || (!f.gate.empty() && !std::isfinite(f.gate_p))) {
    f.statistic.clear();  // cannot alert in this window
    f.gate.clear();
    return f;
  }
  if (!below) f.alert = f.value > f.threshold;  // the default rule's test comes in score()
  return f;
}

std::vector<ScoredFeature> DriftEngine::score() const {
  std::vector<ScoredFeature> out;
  out.reserve(acc_.size());
  for (const auto& a : acc_) out.push_back(score_one(a));
  // The p-value tests of this window form one family.
  std::vector<size_t> tested;
  std::vector<double> ps;
  for (size_t i = 0; i < out.size(); ++i) {
    if (out[i].statistic.empty()) continue;
    if (out[i].p_value) tested.push_back(i), ps.push_back(out[i].value);
    else if (!out[i].gate.empty()) tested.push_back(i), ps.push_back(out[i].gate_p);
  }
  if (!tested.empty()) {
    const double m = static_cast<double>(tested.size());
    std::vector<bool> reject(tested.size(), false);
    double cutoff = opt_.alpha;
    if (opt_.correction == "bonferroni") cutoff = opt_.alpha / m;
    if (opt_.correction == "bh") {
      auto [r, c] = stats::benjamini_hochberg(ps, opt_.alpha);
      reject = r;
      cutoff = std::max(c, opt_.alpha / m);
    } else {
      for (size_t k = 0; k < ps.size(); ++k) reject[k] = ps[k] <= cutoff;
    }
    for (size_t k = 0; k < tested.size(); ++k) {
      ScoredFeature& f = out[tested[k]];
      if (f.p_value) {
        f.threshold = cutoff;
        f.alert = reject[k];
      } else {
        f.window.stats["threshold_" + f.gate] = cutoff;
        f.alert = f.alert && reject[k];
      }
    }
  }
  for (auto& f : out) {
    f.window.stats["alert"] = f.alert ? 1 : 0;
    if (!f.statistic.empty()) f.window.stats["threshold_" + f.statistic] = f.threshold;
    if (f.gate.empty()) continue;
    // The limits of the other effect sizes of the default rule, for the report's charts.
    if (f.window.kind == "numeric") f.window.stats["threshold_wasserstein"] = kAutoWasserstein;
    else f.window.stats["threshold_linf"] = kAutoLinf;
  }
  return out;
}

trestle::Finding DriftEngine::finding(const ScoredFeature& f, const WindowSpan& span) const {
  const FeatureAccumulator* acc = nullptr;
  for (const auto& a : acc_)
    if (a.reference().name() == f.window.feature) acc = &a;
  trestle::Finding out;
  out.time_us = span.end_us;
  out.window_start_us = span.start_us;
  out.feature = f.window.feature;
  out.code = "DRIFT";
  out.statistic = f.statistic;
  out.value = f.value;
  out.threshold = f.threshold;
  std::string rule = f.statistic + " " + num(f.value) + (f.p_value ? " <= " : " > ") + num(f.threshold);
  if (!f.gate.empty()) {
    const auto cut = f.window.stats.find("threshold_" + f.gate);
    rule += " and " + f.gate + " " + num(f.gate_p) + " <= " + num(cut != f.window.stats.end() ? cut->second : opt_.alpha);
  }
  if ((f.p_value || !f.gate.empty()) && opt_.correction != "none")
    rule += std::string(" (") + (opt_.correction == "bh" ? "Benjamini-Hochberg" : "Bonferroni") + " over the window's tests)";
  std::string detail;
  if (acc != nullptr && acc->reference().kind() == Kind::Categorical) {
    out.top_values = top_share_changes(*acc, static_cast<size_t>(opt_.max_top_values));
    if (!out.top_values.empty()) {
      const auto& t = out.top_values.front();
      const FeatureReference& r = acc->reference();
      double ref_total = r.other, ref_count = 0;
      for (size_t i = 0; i < r.values.size(); ++i) {
        ref_total += r.counts[i];
        if (r.values[i] == t.value) ref_count = r.counts[i];
      }
      detail = "; biggest change \"" + t.value + "\" " + num(ref_total > 0 ? ref_count / ref_total : 0) + " -> " + num(t.share);
    }
  } else if (acc != nullptr) {
    detail = "; mean " + num(acc->reference().column.numeric.mean) + " -> " + num(acc->mean);
  }
  out.message = "feature \"" + f.window.feature + "\" drifted: " + rule + " (" + f.window.kind + ", " +
                std::to_string(acc ? acc->n() : 0) + " values" + detail + ")";
  return out;
}

}  // namespace monitors
