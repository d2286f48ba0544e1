#include "type_inference.h"

#include "schema_option.h"
#include "timestamp_text.hpp"
#include "value_parser.h"

namespace trestle_io {

int pick_candidate(const Candidate* candidates, size_t n) {
  for (size_t k = 0; k < n; ++k)
    if (candidates[k].fits > 0 && candidates[k].misfits == 0) return static_cast<int>(k);
  int best = -1;
  for (size_t k = 0; k < n; ++k) {
    const Candidate& c = candidates[k];
    const int64_t total = c.fits + c.misfits;
    if (c.fits < kMinFits || c.misfits * 100 > total * kMaxMisfitPercent) continue;
    if (best < 0 || c.misfits < candidates[static_cast<size_t>(best)].misfits) best = static_cast<int>(k);
  }
  return best;
}

void TypeGuess::observe(std::string_view value, int64_t line) {
  ++values_;
  std::string_view v = trim(value);
  int64_t i;
  double d;
  bool b;
  int64_t t;
  bool ok[kKinds];
  ok[kInt] = parse_int64(v, &i);
  ok[kFloat] = ok[kInt] || parse_float64(v, &d);
  ok[kBool] = parse_bool(v, &b);
  ok[kTimestamp] = !ok[kFloat] && trestle_support::parse_timestamp(v, &t);
  // 1/0 parse as bool, but an all-0/1 column is int64 (first among the candidates).
  if (ok[kBool] && v.size() == 1) {
    ++bool_digits_;
  } else if (ok[kBool]) {
    ++fits_[kBool];
  }
  for (int k = 0; k < kKinds; ++k) {
    if (k != kBool && ok[k]) ++fits_[k];
    if (!ok[k] && first_misfit_[k].empty()) {
      first_misfit_[k] = quote_excerpt(value);
      first_misfit_line_[k] = line;
    }
  }
}

InferredType TypeGuess::infer() const {
  static constexpr trestle::Type kTypes[kKinds] = {trestle::Type::Int64, trestle::Type::Float64, trestle::Type::Bool,
                                                   trestle::Type::TimestampUs};
  Candidate c[kKinds];
  for (int k = 0; k < kKinds; ++k) c[k] = Candidate{kTypes[k], fits_[k], values_ - fits_[k]};
  InferredType out;
  out.values = values_;
  const int pick = pick_candidate(c, kKinds);
  if (pick < 0) return out;  // utf8 takes every value
  out.type = kTypes[pick];
  // Rows are dead-lettered only for values that do not parse (1/0 in a bool column do).
  out.misfits = pick == kBool ? values_ - fits_[kBool] - bool_digits_ : c[pick].misfits;
  if (out.misfits > 0) {
    out.first_misfit = first_misfit_[pick];
    out.first_misfit_line = first_misfit_line_[pick];
  }
  return out;
}

}  // namespace trestle_io
