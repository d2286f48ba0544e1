#include "aggregate_plan.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <set>

#include <trestle/error.hpp>

namespace trestle_aggregate {
namespace {

struct FnInfo {
  const char* name;
  Fn fn;
  int min_args, max_args;  // after the function name: column, then the argument
  const char* usage;
};

constexpr FnInfo kFns[] = {
    {"count", Fn::Count, 0, 1, "[count] (rows) or [count, column] (non-null values)"},
    {"sum", Fn::Sum, 1, 1, "[sum, column]"},
    {"mean", Fn::Mean, 1, 1, "[mean, column]"},
    {"min", Fn::Min, 1, 1, "[min, column]"},
    {"max", Fn::Max, 1, 1, "[max, column]"},
    {"count_distinct", Fn::CountDistinct, 1, 1, "[count_distinct, column]"},
    {"quantile", Fn::Quantile, 2, 2, "[quantile, column, q] with q in [0, 1], e.g. [quantile, score, \"0.9\"]"},
    {"share_above", Fn::ShareAbove, 2, 2, "[share_above, column, threshold], e.g. [share_above, score, \"0.5\"]"},
};

std::string list_text(const std::vector<std::string>& v) {
  std::string s = "[";
  for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + v[i];
  return s + "]";
}

[[noreturn]] void fail(const std::string& output, const std::string& problem) {
  throw trestle::InvalidArgument("option \"aggregates\": output column \"" + output + "\": " + problem);
}

double parse_number(const std::string& output, const std::string& text, const char* what) {
  const char* b = text.c_str();
  char* end = nullptr;
  errno = 0;
  const double v = std::strtod(b, &end);
  if (text.empty() || end != b + text.size() || errno == ERANGE || !std::isfinite(v))
    fail(output, std::string(what) + " \"" + text + "\" is not a finite number");
  return v;
}

size_t add_acc(std::vector<AccDecl>& accs, AccDecl d) {
  for (size_t i = 0; i < accs.size(); ++i)
    if (accs[i] == d) return i;
  accs.push_back(std::move(d));
  return accs.size() - 1;
}

bool needs_numeric(Fn f) { return f == Fn::Sum || f == Fn::Mean || f == Fn::Quantile || f == Fn::ShareAbove; }

const char* fn_name(Fn f) {
  for (const auto& i : kFns)
    if (i.fn == f) return i.name;
  return "?";
}

}  // namespace

AggregatePlan AggregatePlan::parse(const trestle::StringList& by, const trestle::StringMap& aggregates) {
  AggregatePlan p;
  if (by.empty()) throw trestle::InvalidArgument("option \"by\": give at least one group key column");
  std::set<std::string> seen;
  for (const auto& c : by) {
    if (c.empty()) throw trestle::InvalidArgument("option \"by\": a column name is empty");
    if (!seen.insert(c).second) throw trestle::InvalidArgument("option \"by\": column \"" + c + "\" is listed twice");
  }
  p.by = by;
  if (aggregates.empty()) throw trestle::InvalidArgument("option \"aggregates\": give at least one output column");
  for (const auto& [name, spec] : aggregates) {
    if (name.empty()) throw trestle::InvalidArgument("option \"aggregates\": an output column name is empty");
    if (seen.count(name)) fail(name, "has the name of a \"by\" column");
    if (spec.empty()) fail(name, "is empty; give [function, column?, argument?] with function one of count, sum, mean, min, max, count_distinct, quantile, share_above");
    const FnInfo* info = nullptr;
    for (const auto& i : kFns)
      if (spec[0] == i.name) info = &i;
    if (info == nullptr)
      fail(name, "unknown function \"" + spec[0] + "\" (known: count, sum, mean, min, max, count_distinct, quantile, share_above)");
    const int args = static_cast<int>(spec.size()) - 1;
    if (args < info->min_args) fail(name, std::string("too few arguments in ") + list_text(spec) + "; write " + info->usage);
    if (args > info->max_args) fail(name, std::string("too many arguments in ") + list_text(spec) + "; write " + info->usage);
    OutputDecl o;
    o.name = name;
    o.fn = info->fn;
    if (args >= 1) {
      o.column = spec[1];
      if (o.column.empty()) fail(name, "the column name is empty");
    }
    AccDecl acc;
    acc.column = o.column;
    switch (o.fn) {
      case Fn::Count: acc.kind = o.column.empty() ? AccKind::Rows : AccKind::NonNull; break;
      case Fn::Sum:
      case Fn::Mean: acc.kind = AccKind::Sum; break;
      case Fn::Min: acc.kind = AccKind::Min; break;
      case Fn::Max: acc.kind = AccKind::Max; break;
      case Fn::CountDistinct: acc.kind = AccKind::Distinct; break;
      case Fn::Quantile:
        acc.kind = AccKind::Sketch;
        o.arg = parse_number(name, spec[2], "quantile");
        if (o.arg < 0 || o.arg > 1) fail(name, "quantile " + spec[2] + " is outside [0, 1]");
        break;
      case Fn::ShareAbove:
        acc.kind = AccKind::Above;
        o.arg = parse_number(name, spec[2], "threshold");
        acc.threshold = o.arg;
        break;
    }
    o.acc = add_acc(p.accs, std::move(acc));
    p.outputs.push_back(std::move(o));
  }
  return p;
}

trestle::Schema AggregatePlan::bind(const trestle::Schema& input) {
  std::vector<trestle::Field> out;
  by_index.clear();
  by_types.clear();
  for (const auto& c : by) {
    const int i = input.index_of(c);
    if (i < 0) throw trestle::InvalidArgument("option \"by\": column \"" + c + "\" is not in the input (input columns: " + input.names_list() + ")");
    by_index.push_back(i);
    by_types.push_back(input.field(static_cast<size_t>(i)).type);
    out.push_back(trestle::Field{c, by_types.back(), true});
  }
  for (auto& a : accs) {
    if (a.kind == AccKind::Rows) continue;
    a.index = input.index_of(a.column);
    if (a.index >= 0) a.type = input.field(static_cast<size_t>(a.index)).type;
  }
  for (const auto& o : outputs) {
    const AccDecl& a = accs[o.acc];
    if (a.kind != AccKind::Rows && a.index < 0)
      fail(o.name, "column \"" + o.column + "\" is not in the input (input columns: " + input.names_list() + ")");
    if (needs_numeric(o.fn) && !trestle::is_numeric(a.type))
      fail(o.name, std::string(fn_name(o.fn)) + " needs a numeric column, but \"" + o.column + "\" is " + trestle::type_name(a.type));
    trestle::Type t = trestle::Type::Float64;
    if (o.fn == Fn::Count || o.fn == Fn::CountDistinct) t = trestle::Type::Int64;
    if (o.fn == Fn::Min || o.fn == Fn::Max) t = a.type;
    out.push_back(trestle::Field{o.name, t, true});
  }
  return trestle::Schema(std::move(out));
}

int64_t parse_byte_size(const std::string& text) {
  auto bad = [&](const std::string& why) {
    return trestle::InvalidArgument("option \"memory_budget\": \"" + text + "\" " + why +
                                    "; write bytes (\"268435456\") or a size with a unit (\"256MiB\", \"64MiB\", \"1GiB\", \"500MB\")");
  };
  size_t i = 0;
  while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
  const size_t digits = i;
  while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i;
  if (i == digits) throw bad("does not start with a number");
  const std::string number = text.substr(digits, i - digits);
  while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
  std::string unit = text.substr(i);
  while (!unit.empty() && std::isspace(static_cast<unsigned char>(unit.back()))) unit.pop_back();
  std::string u;
  for (char ch : unit) u.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(ch))));
  struct Unit { const char* name; int64_t factor; };
  static const Unit units[] = {{"", 1},         {"b", 1},           {"kib", 1 << 10},     {"mib", 1 << 20},
                               {"gib", 1 << 30}, {"kb", 1000},       {"mb", 1000000},      {"gb", 1000000000}};
  const Unit* found = nullptr;
  for (const auto& x : units)
    if (u == x.name) found = &x;
  if (found == nullptr) throw bad("has an unknown unit \"" + unit + "\"");
  if (number.size() > 18) throw bad("is too large");
  const int64_t n = std::stoll(number);
  if (n > std::numeric_limits<int64_t>::max() / found->factor) throw bad("is too large");
  return n * found->factor;
}

}  // namespace trestle_aggregate
