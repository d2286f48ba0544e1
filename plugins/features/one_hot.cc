#include "one_hot.hpp"

#include <algorithm>
#include <set>

#include "numeric.hpp"
#include "rows.hpp"

namespace features {

using trestle::InvalidArgument;

trestle::OperatorSpec OneHot::spec() {
  return trestle::OperatorSpec("one_hot", "Encode string columns as one 0/1 column per known category.")
      .param<trestle::StringList>("columns", "the utf8 columns to encode")
      .required()
      .min(1)
      .param<trestle::StringMap>("categories",
                                 "column -> its known categories, in output order, e.g. {country: [DE, FR, US]}; every column in "
                                 "columns needs an entry")
      .required()
      .param<std::string>("unknown",
                          "a value outside the categories: bucket sets the extra column <column>=__unknown__ to 1, reject "
                          "rejects the row, ignore leaves every column of it 0",
                          std::string("bucket"))
      .one_of({"bucket", "reject", "ignore"})
      .param<bool>("keep_original", "keep the encoded input columns too", false)
      .input_doc("each column in columns, as utf8")
      .output_doc("the input columns (without the encoded ones unless keep_original), then for each encoded column one float64 "
                  "column \"<column>=<category>\" per category, 1 where the value equals the category and 0 elsewhere, and with "
                  "unknown: bucket \"<column>=__unknown__\". A null value gives 0 in all of them (it is not unknown). Counter "
                  "unknown_<column> counts unknown values")
      .reentrant();
}

OneHot::OneHot(const trestle::Options& o) : keep_original_(o.get<bool>("keep_original")) {
  const std::string unknown = o.get<std::string>("unknown");
  if (unknown == "bucket") unknown_ = Unknown::Bucket;
  else if (unknown == "reject") unknown_ = Unknown::Reject;
  else if (unknown == "ignore") unknown_ = Unknown::Ignore;
  else throw InvalidArgument("option \"unknown\" must be bucket, reject or ignore, not \"" + unknown + "\"");

  const auto columns = o.get<trestle::StringList>("columns");
  const auto categories = o.get<trestle::StringMap>("categories");
  if (columns.empty()) throw InvalidArgument("option \"columns\" is empty: name at least one column to encode");
  for (const auto& [column, cats] : categories)
    if (std::find(columns.begin(), columns.end(), column) == columns.end())
      throw InvalidArgument("option \"categories\" has an entry for column \"" + column + "\", which option \"columns\" does not list");
  encoded_.reserve(columns.size());
  for (const auto& c : columns) {
    auto it = categories.find(c);
    if (it == categories.end()) throw InvalidArgument("option \"categories\" has no entry for column \"" + c + "\"");
    if (it->second.empty()) throw InvalidArgument("option \"categories\" gives column \"" + c + "\" no categories");
    for (const auto& e : encoded_)
      if (e.column == c) throw InvalidArgument("option \"columns\" names column \"" + c + "\" twice");
    Encoded e{c, it->second, {}, 0};
    for (size_t k = 0; k < e.categories.size(); ++k) {
      const std::string& cat = e.categories[k];
      if (unknown_ == Unknown::Bucket && cat == kUnknown)
        throw InvalidArgument("option \"categories\" gives column \"" + c + "\" the category \"" + cat +
                              "\", which unknown: bucket reserves for unknown values");
      if (!e.code.emplace(cat, static_cast<int32_t>(k)).second)
        throw InvalidArgument("option \"categories\" gives column \"" + c + "\" the category \"" + cat + "\" twice");
    }
    encoded_.push_back(std::move(e));
  }
}

trestle::Schema OneHot::open(const trestle::Schema& in) {
  std::set<size_t> encoded_index;
  for (auto& e : encoded_) {
    in.require(e.column, trestle::Type::Utf8);
    e.index = static_cast<size_t>(in.index_of(e.column));
    encoded_index.insert(e.index);
  }
  std::vector<trestle::Field> fields;
  passed_.clear();
  for (size_t i = 0; i < in.size(); ++i) {
    if (keep_original_ || encoded_index.count(i) == 0) {
      passed_.push_back(i);
      fields.push_back(in.field(i));
    }
  }
  auto add = [&](const std::string& column, const std::string& cat) {
    std::string name = column + "=" + cat;
    for (const auto& f : fields)
      if (f.name == name)
        throw InvalidArgument("encoding column \"" + column + "\" makes column \"" + name + "\", which already exists; rename one of them");
    fields.push_back(trestle::Field{name, trestle::Type::Float64, false});
  };
  for (const auto& e : encoded_) {
    for (const auto& cat : e.categories) add(e.column, cat);
    if (unknown_ == Unknown::Bucket) add(e.column, kUnknown);
  }
  out_ = trestle::Schema(std::move(fields));
  return out_;
}

int32_t OneHot::Encoded::find(std::string_view value) const {
  constexpr size_t kCompared = 8;
  if (categories.size() <= kCompared) {
    for (size_t k = 0; k < categories.size(); ++k)
      if (categories[k] == value) return static_cast<int32_t>(k);
    return -1;
  }
  auto it = code.find(value);
  return it == code.end() ? -1 : it->second;
}

trestle::Batch OneHot::process(trestle::Batch in, trestle::Context& ctx) {
  constexpr int32_t kNull = -2, kOther = -1;
  const auto rows = static_cast<size_t>(in.num_rows());
  std::vector<trestle::Column> columns;
  for (size_t i : passed_) columns.push_back(in.column(i));
  std::vector<uint8_t> keep(rows, 1);
  std::vector<int32_t> code(rows);
  for (const auto& e : encoded_) {
    const trestle::Column& c = in.column(e.index);
    int64_t unknown = 0;
    for (size_t r = 0; r < rows; ++r) {
      const auto row = static_cast<int64_t>(r);
      if (c.is_null(row)) {
        code[r] = kNull;
        continue;
      }
      code[r] = e.find(c.str(row));
      if (code[r] != kOther) continue;
      ++unknown;
      if (unknown_ == Unknown::Reject && keep[r]) {
        keep[r] = 0;
        ctx.reject(row, "column \"" + e.column + "\": unknown category \"" + std::string(c.str(row)) + "\"");
      }
    }
    if (unknown_ != Unknown::Reject) ctx.count("unknown_" + e.column, static_cast<double>(unknown));
    const size_t width = e.categories.size() + (unknown_ == Unknown::Bucket ? 1 : 0);
    std::vector<std::vector<double>> hot(width, std::vector<double>(rows, 0.0));
    for (size_t r = 0; r < rows; ++r) {
      if (code[r] >= 0) hot[static_cast<size_t>(code[r])][r] = 1.0;
      else if (code[r] == kOther && unknown_ == Unknown::Bucket) hot.back()[r] = 1.0;
    }
    for (auto& h : hot) columns.push_back(f64_column(std::move(h)));
  }
  return keep_rows(trestle::Batch(out_, std::move(columns)), keep);
}

}  // namespace features
