#include "select.hpp"

#include <algorithm>
#include <set>

namespace features {

using trestle::InvalidArgument;

trestle::OperatorSpec Select::spec() {
  return trestle::OperatorSpec("select", "Keep, drop, reorder and rename columns; the values are shared, not copied.")
      .param<trestle::StringList>("keep", "the columns to keep, in this order; empty keeps every column (not with drop)", trestle::StringList{})
      .param<trestle::StringList>("drop", "the columns to remove; the others keep their order (not with keep)", trestle::StringList{})
      .param<trestle::StringMap>("rename", "old name -> new name, e.g. {amt: amount}; applies to the columns that remain", trestle::StringMap{})
      .input_doc("any columns; each column named in keep, drop or rename must exist")
      .output_doc("the kept columns (in keep's order, else in input order) under their new names, values unchanged")
      .reentrant();
}

Select::Select(const trestle::Options& o) : keep_(o.get<trestle::StringList>("keep")), drop_(o.get<trestle::StringList>("drop")) {
  if (!keep_.empty() && !drop_.empty())
    throw InvalidArgument("options \"keep\" and \"drop\" cannot both be given: list the columns to keep, or those to drop");
  std::set<std::string> seen;
  for (const auto& k : keep_)
    if (!seen.insert(k).second) throw InvalidArgument("option \"keep\" names column \"" + k + "\" twice");
  for (const auto& [from, to] : o.get<trestle::StringMap>("rename")) {
    if (to.size() != 1)
      throw InvalidArgument("option \"rename\" must give column \"" + from + "\" exactly one new name, not " + std::to_string(to.size()));
    if (to[0].empty()) throw InvalidArgument("option \"rename\" gives column \"" + from + "\" an empty name");
    rename_[from] = to[0];
  }
}

trestle::Schema Select::open(const trestle::Schema& in) {
  auto index = [&](const std::string& name, const char* option) {
    int i = in.index_of(name);
    if (i < 0)
      throw InvalidArgument(std::string("option \"") + option + "\" names column \"" + name + "\", which the input lacks (input columns: " +
                            in.names_list() + ")");
    return static_cast<size_t>(i);
  };
  picked_.clear();
  for (const auto& k : keep_) picked_.push_back(index(k, "keep"));
  if (keep_.empty()) {
    for (const auto& d : drop_) index(d, "drop");
    for (size_t i = 0; i < in.size(); ++i)
      if (std::find(drop_.begin(), drop_.end(), in.field(i).name) == drop_.end()) picked_.push_back(i);
    if (picked_.empty()) throw InvalidArgument("option \"drop\" removes every column; at least one must remain");
  }
  for (const auto& [from, to] : rename_) {
    size_t i = index(from, "rename");
    if (std::find(picked_.begin(), picked_.end(), i) == picked_.end())
      throw InvalidArgument("option \"rename\" renames column \"" + from + "\", which option \"" + (keep_.empty() ? "drop" : "keep") + "\" removes");
  }
  std::vector<trestle::Field> fields;
  std::map<std::string, std::string> origin;  // output name -> input name
  for (size_t i : picked_) {
    trestle::Field f = in.field(i);
    auto r = rename_.find(f.name);
    std::string from = f.name;
    if (r != rename_.end()) f.name = r->second;
    auto [it, fresh] = origin.emplace(f.name, from);
    if (!fresh)
      throw InvalidArgument("option \"rename\" would give columns \"" + it->second + "\" and \"" + from + "\" the same name \"" + f.name + "\"");
    fields.push_back(std::move(f));
  }
  out_ = trestle::Schema(std::move(fields));
  return out_;
}

trestle::Batch Select::process(trestle::Batch in, trestle::Context&) {
  std::vector<trestle::Column> columns;
  columns.reserve(picked_.size());
  for (size_t i : picked_) columns.push_back(in.column(i));
  return trestle::Batch(out_, std::move(columns));
}

}  // namespace features
