#pragma once
/// The Prometheus text exposition (format 0.0.4) of one run: process, per-node,
/// per-source, per-model, shadow, monitor and plugin-defined metrics, every series
/// labelled with `pipeline` and (except the process ones) `node`. The names and their
/// meaning are listed in docs/monitoring.md.
///
/// Rendering reads the plan's counters (atomics, and a few short-held mutexes) and never
/// waits for the data path; it may run on any thread while the run goes on.

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "graph/plan.h"

namespace trestle::core {

class FlowRunner;

/// The Content-Type of the exposition.
inline constexpr const char* kPrometheusContentType = "text/plain; version=0.0.4; charset=utf-8";

/// What the exposition needs from a run besides its plan. SnapshotRun fills it from a
/// FlowRunner; tests fill it by hand.
struct RunSnapshot {
  std::string run_id;
  bool ready = false;
  double start_time_seconds = 0;  ///< Unix seconds the run started; 0 = not exported
  double progress = -1;           ///< fraction of the finite inputs read; < 0 = unknown
  int64_t dead_letter_rows = 0;   ///< rows written to the dead-letter file
  std::vector<int64_t> rows_read; ///< by node index; read for sources only
};

/// A snapshot of `runner`, which runs `plan`. Safe while the runner runs.
RunSnapshot SnapshotRun(const Plan& plan, const FlowRunner& runner, std::string run_id, double start_time_seconds);

/// The whole exposition. Every family is rendered once with # HELP and # TYPE, its
/// series together; families without series are left out.
std::string RenderPrometheus(const Plan& plan, const RunSnapshot& run);

// Building blocks (public for tests and for anything else that exports metrics).

/// Label value escaping: backslash, double quote and newline.
std::string EscapeLabelValue(std::string_view value);
/// # HELP text escaping: backslash and newline.
std::string EscapeHelp(std::string_view text);
/// A sample value: the shortest decimal that reads back as `value`, plain from 1e-4 to
/// 1e15 ("0.00025", "1", "1795603351.04"), with an exponent outside ("1e+20", "1e-07");
/// "NaN", "+Inf", "-Inf".
std::string FormatSampleValue(double value);
/// A plugin-defined metric name as a Prometheus name part: lower-case snake_case of
/// [a-z0-9_] (camelCase split, other characters become '_', runs of '_' collapsed,
/// leading and trailing '_' dropped). Empty when nothing is left.
std::string SanitizeMetricName(std::string_view raw);

/// Collects families and renders them. A family's samples are rendered together in the
/// order added; a series (name and labels) added twice keeps its first value.
class Exposition {
 public:
  enum class Type { kCounter, kGauge, kHistogram };
  using Labels = std::vector<std::pair<std::string, std::string>>;

  /// Declares family `name` (kept when already declared with the same type). Returns
  /// false when it exists with another type: its samples would be invalid, so callers
  /// skip them.
  bool Declare(const std::string& name, Type type, const std::string& help);
  /// A sample of family `family`; `suffix` is "" or, for histograms, "_bucket", "_sum",
  /// "_count". Ignored for an undeclared family.
  void Add(const std::string& family, const Labels& labels, int64_t value, const std::string& suffix = "");
  void Add(const std::string& family, const Labels& labels, double value, const std::string& suffix = "");
  /// A histogram from per-bucket (not cumulative) counts, counts.size() == bounds.size()
  /// + 1 (the last above every bound): cumulative _bucket series with le="+Inf" last,
  /// _sum, and _count equal to the +Inf bucket.
  void AddHistogram(const std::string& family, const Labels& labels, const std::vector<double>& bounds,
                    const std::vector<uint64_t>& counts, double sum);

  std::string Render() const;

 private:
  struct Family {
    std::string name, help;
    Type type;
    std::vector<std::string> lines;
  };
  void AddLine(const std::string& family, const Labels& labels, const std::string& value, const std::string& suffix);

  std::vector<Family> families_;             ///< in declaration order
  std::map<std::string, size_t> index_;      ///< family name -> families_ index
  std::set<std::string> series_;             ///< "name{labels}" of every sample added
};

}  // namespace trestle::core
