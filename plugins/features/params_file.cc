#include "params_file.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <trestle/error.hpp>

namespace features {

ParamsFile ParamsFile::load(const std::string& path) {
  auto fail = [&](const std::string& what) { return trestle::InvalidArgument("params_file \"" + path + "\" " + what); };
  std::ifstream in(path);
  if (!in) throw fail(std::string("cannot be opened: ") + std::strerror(errno));
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    throw fail(std::string("is not valid JSON: ") + e.what());
  }
  if (!doc.is_object()) throw fail("must hold a JSON object {\"column\": value or {\"statistic\": value}}");
  ParamsFile f;
  f.path_ = path;
  for (const auto& [column, v] : doc.items()) {
    Entry e;
    if (v.is_number()) {
      e.number = v.get<double>();
    } else if (v.is_object()) {
      for (const auto& [key, stat] : v.items()) {
        if (!stat.is_number()) throw fail("gives column \"" + column + "\" a \"" + key + "\" that is not a number");
        e.stats[key] = stat.get<double>();
      }
    } else {
      throw fail("gives column \"" + column + "\" a " + v.type_name() + "; expected a number or an object of numbers");
    }
    f.entries_[column] = std::move(e);
  }
  return f;
}

std::optional<double> ParamsFile::number(const std::string& column) const {
  auto it = entries_.find(column);
  return it == entries_.end() ? std::nullopt : it->second.number;
}

double ParamsFile::stat(const std::string& column, const std::string& key) const {
  auto it = entries_.find(column);
  std::string where = "params_file \"" + path_ + "\" ";
  if (it == entries_.end()) throw trestle::InvalidArgument(where + "has no entry for column \"" + column + "\"");
  if (it->second.number)
    throw trestle::InvalidArgument(where + "gives column \"" + column + "\" a plain number; expected an object with \"" + key + "\"");
  auto s = it->second.stats.find(key);
  if (s == it->second.stats.end()) throw trestle::InvalidArgument(where + "gives column \"" + column + "\" no \"" + key + "\"");
  return s->second;
}

}  // namespace features
