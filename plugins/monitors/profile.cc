#include "profile.hpp"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>
#include <sstream>

#include <nlohmann/json.hpp>
#include <trestle/error.hpp>

#include "atomic_file.hpp"
#include "values.hpp"

namespace monitors {

using nlohmann::json;
using ojson = nlohmann::ordered_json;
using trestle::InvalidArgument;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Quantiles written into a profile for people (readers recompute them from the sketch).
const std::pair<const char*, double> kQuantiles[] = {{"p01", 0.01}, {"p05", 0.05}, {"p10", 0.10}, {"p25", 0.25}, {"p50", 0.50},
                                                     {"p75", 0.75}, {"p90", 0.90}, {"p95", 0.95}, {"p99", 0.99}};
constexpr int kHistogramBins = 20;

ojson number(double d) { return std::isfinite(d) ? ojson(d) : ojson(nullptr); }

// Indented JSON with arrays of scalars on one line: a person can read a profile, and its
// bucket counts or categorical values do not take several lines each.
void pretty(const ojson& j, int indent, std::string& out) {
  auto flat = [](const ojson& a) {
    return std::all_of(a.begin(), a.end(), [](const ojson& e) { return !e.is_structured(); });
  };
  const std::string pad(static_cast<size_t>(indent + 1), ' ');
  // Small flat objects (a categorical value with its count and share) stay on one line.
  if (j.is_object() && !j.empty() && !(flat(j) && j.size() <= 3)) {
    out += "{\n";
    size_t i = 0;
    for (auto it = j.begin(); it != j.end(); ++it, ++i) {
      out += pad + ojson(it.key()).dump() + ": ";
      pretty(it.value(), indent + 1, out);
      out += i + 1 < j.size() ? ",\n" : "\n";
    }
    out += std::string(static_cast<size_t>(indent), ' ') + "}";
  } else if (j.is_array() && !j.empty() && !flat(j)) {
    out += "[\n";
    for (size_t i = 0; i < j.size(); ++i) {
      out += pad;
      pretty(j[i], indent + 1, out);
      out += i + 1 < j.size() ? ",\n" : "\n";
    }
    out += std::string(static_cast<size_t>(indent), ' ') + "]";
  } else {
    out += j.dump();
  }
}

// Equal-width histogram over [min, max] of the sketch's buckets (each bucket's count goes
// to the bin of its representative value): informational, at the sketch's resolution.
ojson histogram(const ColumnProfile& c) {
  const NumericSummary& s = c.numeric;
  ojson edges = ojson::array(), counts = ojson::array();
  if (s.count == 0) return ojson{{"edges", edges}, {"counts", counts}};
  if (!(s.max > s.min)) return ojson{{"edges", ojson::array({s.min, s.max})}, {"counts", ojson::array({s.count})}};
  std::vector<int64_t> bins(kHistogramBins, 0);
  const double width = (s.max - s.min) / kHistogramBins;
  for (const auto& [v, n] : s.sketch.points()) {
    double x = std::clamp(v, s.min, s.max);
    auto b = static_cast<int>((x - s.min) / width);
    bins[static_cast<size_t>(std::clamp(b, 0, kHistogramBins - 1))] += n;
  }
  for (int i = 0; i <= kHistogramBins; ++i) edges.push_back(i == kHistogramBins ? s.max : s.min + width * i);
  for (int64_t b : bins) counts.push_back(b);
  return ojson{{"edges", edges}, {"counts", counts}};
}

ojson store_json(const QuantileSketch::Store& s) {
  return ojson{{"offset", s.offset}, {"counts", s.counts}, {"collapsed", s.collapsed}};
}

// Reads fields of one JSON object, naming the file, column and field in every error.
class Reader {
 public:
  Reader(const json& j, std::string where) : j_(j), where_(std::move(where)) {
    if (!j_.is_object()) fail("", "must be an object");
  }
  [[noreturn]] void fail(const std::string& field, const std::string& what) const {
    throw InvalidArgument(where_ + (field.empty() ? "" : " field \"" + field + "\"") + " " + what);
  }
  const json& at(const std::string& f) const {
    auto it = j_.find(f);
    if (it == j_.end()) fail(f, "is missing");
    return *it;
  }
  bool has(const std::string& f) const { return j_.contains(f); }
  int64_t count(const std::string& f) const {
    const json& v = at(f);
    if (!v.is_number_integer() || v.get<int64_t>() < 0) fail(f, "must be a non-negative integer");
    return v.get<int64_t>();
  }
  int64_t integer(const std::string& f) const {
    const json& v = at(f);
    if (!v.is_number_integer()) fail(f, "must be an integer");
    return v.get<int64_t>();
  }
  // A number, or null for "not finite / not defined".
  double number(const std::string& f) const {
    const json& v = at(f);
    if (v.is_null()) return kNaN;
    if (!v.is_number()) fail(f, "must be a number or null");
    return v.get<double>();
  }
  std::string string(const std::string& f) const {
    const json& v = at(f);
    if (!v.is_string()) fail(f, "must be a string");
    return v.get<std::string>();
  }
  bool boolean(const std::string& f) const {
    const json& v = at(f);
    if (!v.is_boolean()) fail(f, "must be true or false");
    return v.get<bool>();
  }
  Reader object(const std::string& f) const { return Reader(at(f), where_ + " field \"" + f + "\":"); }
  const std::string& where() const { return where_; }

 private:
  const json& j_;
  std::string where_;
};

QuantileSketch::Store read_store(const Reader& r) {
  QuantileSketch::Store s;
  int64_t off = r.integer("offset");
  if (off < std::numeric_limits<int32_t>::min() || off > std::numeric_limits<int32_t>::max()) r.fail("offset", "is out of range");
  s.offset = static_cast<int32_t>(off);
  const json& counts = r.at("counts");
  if (!counts.is_array()) r.fail("counts", "must be an array of counts");
  for (const auto& c : counts) {
    if (!c.is_number_integer() || c.get<int64_t>() < 0) r.fail("counts", "must hold non-negative integers");
    s.counts.push_back(c.get<int64_t>());
  }
  s.collapsed = r.boolean("collapsed");
  return s;
}

ColumnProfile read_column(const json& j, const std::string& origin, size_t index) {
  std::string where = "profile \"" + origin + "\": columns[" + std::to_string(index) + "]";
  if (j.is_object() && j.contains("name") && j["name"].is_string()) where += " (\"" + j["name"].get<std::string>() + "\")";
  Reader r(j, where + ":");
  ColumnProfile c;
  c.name = r.string("name");
  if (!trestle::type_from_name(r.string("type"), &c.type)) r.fail("type", "is not a column type: \"" + r.string("type") + "\"");
  const std::string kind = r.string("kind");
  if (kind == "numeric") c.kind = Kind::Numeric;
  else if (kind == "categorical") c.kind = Kind::Categorical;
  else r.fail("kind", "must be \"numeric\" or \"categorical\", not \"" + kind + "\"");
  if (c.kind == Kind::Numeric && c.type == trestle::Type::Utf8) r.fail("kind", "cannot be numeric for a utf8 column");
  c.count = r.count("count");
  c.null_count = r.count("null_count");
  if (c.kind == Kind::Numeric) {
    c.nan_count = r.count("nan_count");
    c.inf_count = r.count("inf_count");
    Reader n = r.object("numeric");
    Reader sk = n.object("sketch");
    double alpha = sk.number("relative_accuracy");
    int64_t buckets = sk.integer("max_buckets");
    if (buckets < 16 || buckets > (1 << 20)) sk.fail("max_buckets", "must be in [16, 1048576]");
    try {
      c.numeric.sketch = QuantileSketch::from_parts(alpha, static_cast<int32_t>(buckets), sk.count("zero_count"),
                                                    read_store(sk.object("positive")), read_store(sk.object("negative")));
    } catch (const InvalidArgument& e) {
      throw InvalidArgument(sk.where() + " " + e.what());
    }
    c.numeric.count = n.count("count");
    if (c.numeric.count != c.numeric.sketch.count())
      n.fail("count", "is " + std::to_string(c.numeric.count) + " but the sketch holds " + std::to_string(c.numeric.sketch.count()) +
                          " values");
    if (c.numeric.count + c.nan_count + c.inf_count != c.count)
      r.fail("count", "must equal numeric.count + nan_count + inf_count");
    if (c.numeric.count > 0) {
      c.numeric.min = n.number("min");
      c.numeric.max = n.number("max");
      c.numeric.mean = n.number("mean");
      double var = n.number("variance");
      if (!std::isfinite(c.numeric.min) || !std::isfinite(c.numeric.max) || c.numeric.min > c.numeric.max)
        n.fail("min", "and max must be finite with min <= max");
      if (!std::isfinite(c.numeric.mean)) n.fail("mean", "must be finite");
      if (!(var >= 0)) n.fail("variance", "must be a non-negative number");
      c.numeric.m2 = var * static_cast<double>(c.numeric.count);
    }
    // Profiles written before "ascending" existed say nothing about the order.
    c.ascending = r.has("ascending") && r.boolean("ascending");
  } else {
    Reader k = r.object("categorical");
    c.categorical.cap = k.count("max_categories");
    if (c.categorical.cap < 1) k.fail("max_categories", "must be at least 1");
    c.categorical.other = k.count("other_count");
    const json& values = k.at("values");
    if (!values.is_array()) k.fail("values", "must be an array");
    for (size_t i = 0; i < values.size(); ++i) {
      Reader v(values[i], k.where() + " values[" + std::to_string(i) + "]:");
      std::string value = v.string("value");
      if (!c.categorical.counts.emplace(value, v.count("count")).second) v.fail("value", "\"" + value + "\" is listed twice");
    }
    if (c.categorical.total() != c.count) r.fail("count", "must equal the sum of the value counts and other_count");
  }
  return c;
}

}  // namespace

const char* kind_name(Kind k) { return k == Kind::Numeric ? "numeric" : "categorical"; }

Kind kind_of(trestle::Type t, bool declared_categorical) {
  switch (t) {
    case trestle::Type::Utf8:
    case trestle::Type::Bool: return Kind::Categorical;
    case trestle::Type::Int32:
    case trestle::Type::Int64: return declared_categorical ? Kind::Categorical : Kind::Numeric;
    default: return Kind::Numeric;
  }
}

std::string_view categorical_value(const trestle::Column& c, int64_t row, char (&buf)[24]) {
  switch (c.type()) {
    case trestle::Type::Utf8: return c.str(row);
    case trestle::Type::Bool: return c.bool_at(row) ? "true" : "false";
    default: {
      int64_t v = c.type() == trestle::Type::Int32 ? c.i32(row) : c.i64(row);
      auto res = std::to_chars(buf, buf + sizeof buf, v);
      return std::string_view(buf, static_cast<size_t>(res.ptr - buf));
    }
  }
}

// ---- NumericSummary

void NumericSummary::add(double x) {
  if (count == 0) min = max = x;
  else min = std::min(min, x), max = std::max(max, x);
  ++count;
  const double d = x - mean;
  mean += d / static_cast<double>(count);
  m2 += d * (x - mean);
  sketch.add(x);
}

void NumericSummary::merge(const NumericSummary& o) {
  sketch.merge(o.sketch);
  if (o.count == 0) return;
  if (count == 0) {
    count = o.count, min = o.min, max = o.max, mean = o.mean, m2 = o.m2;
    return;
  }
  // Chan, Golub and LeVeque: pairwise update of the mean and the sum of squares.
  const double na = static_cast<double>(count), nb = static_cast<double>(o.count), n = na + nb;
  const double delta = o.mean - mean;
  mean += delta * nb / n;
  m2 += o.m2 + delta * delta * na * nb / n;
  count += o.count;
  min = std::min(min, o.min);
  max = std::max(max, o.max);
}

double NumericSummary::variance() const { return count > 0 ? m2 / static_cast<double>(count) : kNaN; }

// ---- CategoricalCounts

void CategoricalCounts::add(std::string_view v, int64_t n) {
  auto it = counts.find(v);
  if (it != counts.end()) {
    it->second += n;
    return;
  }
  counts.emplace(std::string(v), n);
  if (counts.size() > 2 * static_cast<size_t>(cap)) fold(static_cast<size_t>(cap));
}

void CategoricalCounts::merge(const CategoricalCounts& o) {
  cap = std::min(cap, o.cap);
  for (const auto& [v, n] : o.counts) {
    auto it = counts.find(v);
    if (it != counts.end()) it->second += n;
    else counts.emplace(v, n);
  }
  other += o.other;
  fold(static_cast<size_t>(cap));
}

void CategoricalCounts::fold(size_t keep) {
  if (counts.size() <= keep) return;
  auto all = sorted();
  for (size_t i = keep; i < all.size(); ++i) {
    other += all[i].second;
    counts.erase(all[i].first);
  }
}

std::vector<std::pair<std::string, int64_t>> CategoricalCounts::sorted() const {
  std::vector<std::pair<std::string, int64_t>> v(counts.begin(), counts.end());
  std::sort(v.begin(), v.end(), [](const auto& a, const auto& b) { return a.second != b.second ? a.second > b.second : a.first < b.first; });
  return v;
}

int64_t CategoricalCounts::total() const {
  int64_t t = other;
  for (const auto& [v, n] : counts) t += n;
  return t;
}

// ---- ColumnProfile / Profile

bool ColumnProfile::identifier() const {
  if (kind == Kind::Numeric) {
    const bool integers = type == trestle::Type::Int32 || type == trestle::Type::Int64;
    return integers && ascending && numeric.count >= kIdentifierMinValues && nan_count == 0 && inf_count == 0;
  }
  // The kept values are the most frequent ones: if each was seen once, so was every
  // folded value.
  if (count < kIdentifierMinValues) return false;
  for (const auto& kv : categorical.counts)
    if (kv.second > 1) return false;
  return true;
}

double ColumnProfile::null_share() const {
  return rows() > 0 ? static_cast<double>(null_count) / static_cast<double>(rows()) : 0.0;
}

const ColumnProfile* Profile::find(const std::string& name) const {
  for (const auto& c : columns)
    if (c.name == name) return &c;
  return nullptr;
}

double profile_quantile(const ColumnProfile& c, double q) {
  const NumericSummary& s = c.numeric;
  if (s.count == 0) return kNaN;
  return std::clamp(s.sketch.quantile(q), s.min, s.max);
}

// ---- ProfileBuilder

ProfileBuilder::ProfileBuilder(const trestle::Schema& schema, ProfileOptions options) : schema_(schema) {
  QuantileSketch proto(options.relative_accuracy, options.max_buckets);  // checks the parameters
  if (options.max_categories < 1) throw InvalidArgument("max_categories must be at least 1");
  for (const auto& name : options.categorical) {
    int i = schema.index_of(name);
    if (i < 0) throw InvalidArgument("option \"categorical\" names column \"" + name + "\", which the input does not have (columns: " +
                                     schema.names_list() + ")");
    trestle::Type t = schema.field(static_cast<size_t>(i)).type;
    if (kind_of(t, true) != Kind::Categorical)
      throw InvalidArgument("option \"categorical\" names column \"" + name + "\", which is " + trestle::type_name(t) +
                            "; only int32, int64, utf8 and bool columns can be categorical");
  }
  for (const auto& f : schema.fields()) {
    ColumnProfile c;
    c.name = f.name;
    c.type = f.type;
    c.kind = kind_of(f.type, options.categorical.count(f.name) > 0);
    c.numeric = NumericSummary(proto);
    c.categorical.cap = options.max_categories;
    profile_.columns.push_back(std::move(c));
  }
}

void ProfileBuilder::add(const trestle::Batch& batch) {
  profile_.rows += batch.num_rows();
  for (size_t i = 0; i < profile_.columns.size(); ++i) {
    ColumnProfile& p = profile_.columns[i];
    const trestle::Column& c = batch.column(i);
    const int64_t nulls = c.null_count();
    p.null_count += nulls;
    p.count += c.size() - nulls;
    if (p.kind == Kind::Numeric) {
      for_each_number(c, [&](int64_t, double v) {
        if (std::isnan(v)) {
          ++p.nan_count;
        } else if (std::isinf(v)) {
          ++p.inf_count;
        } else {
          if (p.numeric.count > 0 && !(v > p.numeric.max)) p.ascending = false;
          p.numeric.add(v);
        }
      });
    } else {
      char buf[24];
      for (int64_t r = 0; r < c.size(); ++r)
        if (c.is_valid(r)) p.categorical.add(categorical_value(c, r, buf));
    }
  }
}

Profile ProfileBuilder::finish() const {
  Profile p = profile_;
  for (auto& c : p.columns) c.categorical.finish();
  return p;
}

Profile merge(const Profile& a, const Profile& b) {
  if (a.columns.size() != b.columns.size())
    throw InvalidArgument("cannot merge profiles with " + std::to_string(a.columns.size()) + " and " +
                          std::to_string(b.columns.size()) + " columns");
  Profile m = a;
  m.rows += b.rows;
  for (size_t i = 0; i < a.columns.size(); ++i) {
    ColumnProfile& x = m.columns[i];
    const ColumnProfile& y = b.columns[i];
    if (x.name != y.name || x.type != y.type || x.kind != y.kind)
      throw InvalidArgument("cannot merge profiles: column " + std::to_string(i) + " is \"" + x.name + "\" " +
                            trestle::type_name(x.type) + " " + kind_name(x.kind) + " in one and \"" + y.name + "\" " +
                            trestle::type_name(y.type) + " " + kind_name(y.kind) + " in the other");
    // a's rows come before b's.
    x.ascending = x.ascending && y.ascending &&
                  (x.numeric.count == 0 || y.numeric.count == 0 || x.numeric.max < y.numeric.min);
    x.count += y.count;
    x.null_count += y.null_count;
    x.nan_count += y.nan_count;
    x.inf_count += y.inf_count;
    try {
      if (x.kind == Kind::Numeric) x.numeric.merge(y.numeric);
      else x.categorical.merge(y.categorical);
    } catch (const InvalidArgument& e) {
      throw InvalidArgument("cannot merge profiles: column \"" + x.name + "\": " + e.what());
    }
  }
  return m;
}

// ---- JSON

std::string to_json(const Profile& p) {
  ojson cols = ojson::array();
  for (const auto& c : p.columns) {
    ojson j = {{"name", c.name},
              {"type", trestle::type_name(c.type)},
              {"kind", kind_name(c.kind)},
              {"count", c.count},
              {"null_count", c.null_count},
              {"null_share", c.null_share()}};
    if (c.kind == Kind::Numeric) {
      const NumericSummary& s = c.numeric;
      j["nan_count"] = c.nan_count;
      j["inf_count"] = c.inf_count;
      ojson q = ojson::object();
      for (const auto& [name, level] : kQuantiles) q[name] = number(profile_quantile(c, level));
      const bool any = s.count > 0;
      j["numeric"] = {{"count", s.count},
                      {"min", any ? number(s.min) : ojson(nullptr)},
                      {"max", any ? number(s.max) : ojson(nullptr)},
                      {"mean", any ? number(s.mean) : ojson(nullptr)},
                      {"variance", number(s.variance())},
                      {"std", number(std::sqrt(s.variance()))},
                      {"quantiles", q},
                      {"histogram", histogram(c)},
                      {"sketch",
                       {{"relative_accuracy", s.sketch.relative_accuracy()},
                        {"max_buckets", s.sketch.max_buckets()},
                        {"zero_count", s.sketch.zero_count()},
                        {"positive", store_json(s.sketch.positive())},
                        {"negative", store_json(s.sketch.negative())}}}};
    } else {
      ojson values = ojson::array();
      const double total = static_cast<double>(c.categorical.total());
      for (const auto& [v, n] : c.categorical.sorted())
        values.push_back({{"value", v}, {"count", n}, {"share", total > 0 ? static_cast<double>(n) / total : 0.0}});
      j["categorical"] = {{"max_categories", c.categorical.cap},
                          {"distinct", c.categorical.counts.size()},
                          {"other_count", c.categorical.other},
                          {"values", values}};
    }
    if (c.kind == Kind::Numeric) j["ascending"] = c.ascending;
    if (c.identifier())
      j["note"] = c.kind == Kind::Numeric
                      ? "identifier: integers each greater than the one before; drift_monitor leaves it out by default"
                      : "identifier: every value seen once; drift_monitor leaves it out by default";
    cols.push_back(std::move(j));
  }
  ojson doc = {{"format", kProfileFormat}, {"rows", p.rows}, {"columns", cols}};
  std::string out;
  pretty(doc, 0, out);
  return out + "\n";
}

Profile profile_from_json(const std::string& text, const std::string& origin) {
  json doc;
  try {
    doc = json::parse(text);
  } catch (const json::parse_error& e) {
    throw InvalidArgument("profile \"" + origin + "\" is not JSON: " + e.what());
  }
  Reader r(doc, "profile \"" + origin + "\":");
  const std::string format = r.string("format");
  if (format != kProfileFormat)
    r.fail("format", "is \"" + format + "\"; this version reads \"" + std::string(kProfileFormat) + "\"");
  Profile p;
  p.rows = r.count("rows");
  const json& cols = r.at("columns");
  if (!cols.is_array()) r.fail("columns", "must be an array");
  for (size_t i = 0; i < cols.size(); ++i) {
    p.columns.push_back(read_column(cols[i], origin, i));
    for (size_t k = 0; k < i; ++k)
      if (p.columns[k].name == p.columns[i].name)
        throw InvalidArgument("profile \"" + origin + "\": column \"" + p.columns[i].name + "\" is listed twice");
    if (p.columns[i].rows() != p.rows)
      throw InvalidArgument("profile \"" + origin + "\": column \"" + p.columns[i].name + "\" has " +
                            std::to_string(p.columns[i].rows()) + " rows (count + null_count) but the profile " +
                            std::to_string(p.rows));
  }
  return p;
}

Profile load_profile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InvalidArgument("cannot read profile \"" + path + "\": " + std::strerror(errno));
  std::ostringstream s;
  s << in.rdbuf();
  return profile_from_json(s.str(), path);
}

void write_profile(const std::string& path, const Profile& p) { trestle_support::write_file_atomically(path, to_json(p)); }

}  // namespace monitors
