#pragma once
// A small, strict parser of the Prometheus text exposition format 0.0.4 for the tests:
// it checks what a scraper relies on (TYPE before a family's samples, a family's samples
// together, valid names, escaped label values, no duplicate series, counters named
// *_total, histograms cumulative with le="+Inf" equal to _count) and records every
// violation in `errors`, so a test can both look values up and assert validity.
// Header-only; the CLI test (tests/cli/admin_test.cc) includes it as well.

#include <cstdlib>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace trestle::prom_test {

using LabelSet = std::map<std::string, std::string>;
inline constexpr double kInf = std::numeric_limits<double>::infinity();

struct Sample {
  std::string name;  ///< as written, e.g. x_bucket
  LabelSet labels;
  double value = 0;
  std::string family;  ///< the family it belongs to
};

struct Exposition {
  std::map<std::string, std::string> types;  ///< family -> counter|gauge|histogram|summary|untyped
  std::map<std::string, std::string> helps;
  std::vector<Sample> samples;
  std::vector<std::string> errors;

  /// The value of the series `name` with exactly `labels`; nullopt when absent.
  std::optional<double> Get(const std::string& name, const LabelSet& labels) const {
    for (const auto& s : samples)
      if (s.name == name && s.labels == labels) return s.value;
    return std::nullopt;
  }
  /// Every sample named `name`.
  std::vector<Sample> All(const std::string& name) const {
    std::vector<Sample> out;
    for (const auto& s : samples)
      if (s.name == name) out.push_back(s);
    return out;
  }
  std::string ErrorText() const {
    std::string t;
    for (const auto& e : errors) t += e + "\n";
    return t;
  }
};

inline bool ValidMetricName(const std::string& n) {
  if (n.empty()) return false;
  for (size_t i = 0; i < n.size(); ++i) {
    const char c = n[i];
    const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
    if (!alpha && !(i > 0 && c >= '0' && c <= '9')) return false;
  }
  return true;
}

inline bool ValidLabelName(const std::string& n) {
  return ValidMetricName(n) && n.find(':') == std::string::npos && n.rfind("__", 0) != 0;
}

inline bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

inline std::optional<double> ParseValue(const std::string& v) {
  if (v == "+Inf") return kInf;
  if (v == "-Inf") return -kInf;
  if (v == "NaN") return std::numeric_limits<double>::quiet_NaN();
  if (v.empty()) return std::nullopt;
  char* end = nullptr;
  double d = std::strtod(v.c_str(), &end);
  if (end != v.c_str() + v.size()) return std::nullopt;
  return d;
}

inline Exposition ParseExposition(const std::string& text) {
  Exposition x;
  std::set<std::string> closed, series;
  std::string current;
  std::istringstream in(text);
  std::string line;
  int lineno = 0;
  auto error = [&](const std::string& m) { x.errors.push_back("line " + std::to_string(lineno) + ": " + m + ": " + line); };
  if (!text.empty() && text.back() != '\n') x.errors.push_back("the exposition does not end with a newline");
  while (std::getline(in, line)) {
    ++lineno;
    if (line.empty()) continue;
    if (line[0] == '#') {
      std::istringstream ls(line.substr(1));
      std::string kw, name;
      ls >> kw >> name;
      if (kw != "HELP" && kw != "TYPE") continue;
      if (!ValidMetricName(name)) error("invalid metric name in " + kw);
      if (kw == "TYPE") {
        std::string type;
        ls >> type;
        if (x.types.count(name)) error("second TYPE for " + name);
        if (type != "counter" && type != "gauge" && type != "histogram" && type != "summary" && type != "untyped")
          error("unknown type " + type);
        if (closed.count(name) || current == name) error("TYPE after samples of " + name);
        x.types[name] = type;
      } else {
        std::string help;
        std::getline(ls, help);
        if (!help.empty() && help[0] == ' ') help.erase(0, 1);
        if (x.helps.count(name)) error("second HELP for " + name);
        x.helps[name] = help;
      }
      continue;
    }
    Sample s;
    size_t i = 0;
    while (i < line.size() && line[i] != '{' && line[i] != ' ') ++i;
    s.name = line.substr(0, i);
    if (!ValidMetricName(s.name)) error("invalid metric name");
    if (i < line.size() && line[i] == '{') {
      ++i;
      while (i < line.size() && line[i] != '}') {
        size_t eq = line.find('=', i);
        if (eq == std::string::npos) {
          error("label without =");
          break;
        }
        std::string lname = line.substr(i, eq - i);
        if (!ValidLabelName(lname)) error("invalid label name \"" + lname + "\"");
        i = eq + 1;
        if (i >= line.size() || line[i] != '"') {
          error("label value not quoted");
          break;
        }
        ++i;
        std::string value;
        bool closed_quote = false;
        while (i < line.size()) {
          char c = line[i++];
          if (c == '"') {
            closed_quote = true;
            break;
          }
          if (c == '\\') {
            if (i >= line.size()) break;
            char e = line[i++];
            if (e == 'n') value += '\n';
            else if (e == '\\') value += '\\';
            else if (e == '"') value += '"';
            else error(std::string("invalid escape \\") + e);
          } else {
            value += c;
          }
        }
        if (!closed_quote) error("unterminated label value");
        if (s.labels.count(lname)) error("label " + lname + " twice");
        s.labels[lname] = value;
        if (i < line.size() && line[i] == ',') ++i;
      }
      if (i >= line.size() || line[i] != '}') error("labels not closed");
      ++i;
    }
    if (i >= line.size() || line[i] != ' ') {
      error("no value");
      continue;
    }
    std::string rest = line.substr(i + 1);
    std::string value = rest.substr(0, rest.find(' '));
    auto v = ParseValue(value);
    if (!v) error("value \"" + value + "\" is not a number");
    s.value = v.value_or(0);
    // The family: histogram samples carry a suffix.
    s.family = s.name;
    for (const char* suffix : {"_bucket", "_sum", "_count"}) {
      if (!EndsWith(s.name, suffix)) continue;
      std::string base = s.name.substr(0, s.name.size() - std::string(suffix).size());
      if (x.types.count(base) && (x.types[base] == "histogram" || x.types[base] == "summary")) s.family = base;
    }
    if (!x.types.count(s.family)) error("sample of a family without TYPE");
    if (s.family != current) {
      if (closed.count(s.family)) error("samples of " + s.family + " are not together");
      if (!current.empty()) closed.insert(current);
      current = s.family;
    }
    const std::string type = x.types.count(s.family) ? x.types[s.family] : "";
    if (type == "counter" && !EndsWith(s.name, "_total")) error("counter not named *_total");
    if (type == "counter" && !(s.value >= 0)) error("negative counter");
    if (type == "histogram" && s.name == s.family) error("histogram sample without _bucket/_sum/_count");
    if (type == "histogram" && EndsWith(s.name, "_bucket") && !s.labels.count("le")) error("bucket without le");
    std::ostringstream key;
    key << s.name;
    for (const auto& [k, val] : s.labels) key << "|" << k << "=" << val;
    if (!series.insert(key.str()).second) error("duplicate series");
    x.samples.push_back(std::move(s));
  }
  // Histograms: buckets cumulative in le order, +Inf present and equal to _count.
  for (const auto& [family, type] : x.types) {
    if (type != "histogram") continue;
    std::map<LabelSet, std::vector<std::pair<double, double>>> buckets;
    for (const auto& s : x.samples) {
      if (s.name != family + "_bucket") continue;
      LabelSet base = s.labels;
      auto le = ParseValue(base["le"]);
      base.erase("le");
      if (!le) x.errors.push_back(family + ": le \"" + s.labels.at("le") + "\" is not a number");
      buckets[base].emplace_back(le.value_or(0), s.value);
    }
    for (const auto& [labels, list] : buckets) {
      double last_le = -kInf, last_count = 0;
      for (const auto& [le, count] : list) {
        if (!(le > last_le)) x.errors.push_back(family + ": le not increasing");
        if (count < last_count) x.errors.push_back(family + ": buckets not cumulative");
        last_le = le;
        last_count = count;
      }
      if (list.empty() || list.back().first != kInf) x.errors.push_back(family + ": no le=\"+Inf\" bucket last");
      auto count = x.Get(family + "_count", labels);
      auto sum = x.Get(family + "_sum", labels);
      if (!count || !sum) x.errors.push_back(family + ": _count or _sum missing");
      else if (*count != last_count) x.errors.push_back(family + ": _count differs from the +Inf bucket");
    }
  }
  return x;
}

}  // namespace trestle::prom_test
