#include "model_file.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <trestle/error.hpp>

namespace linear {

LinearModel load_model(const std::string& path) {
  auto fail = [&](const std::string& what) { return trestle::InvalidArgument("model file \"" + path + "\" " + what); };
  std::ifstream in(path);
  if (!in) throw fail(std::string("cannot be opened: ") + std::strerror(errno));
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    throw fail(std::string("is not valid JSON: ") + e.what());
  }
  if (!doc.is_object()) throw fail("must hold a JSON object with \"type\", \"features\", \"coefficients\" and \"intercept\"");

  LinearModel m;
  auto type = doc.find("type");
  if (type == doc.end() || !type->is_string()) throw fail("needs \"type\": \"linear\" or \"logistic\"");
  if (*type == "linear") m.kind = LinearModel::Kind::Linear;
  else if (*type == "logistic") m.kind = LinearModel::Kind::Logistic;
  else throw fail("has unknown \"type\" \"" + type->get<std::string>() + "\"; expected \"linear\" or \"logistic\"");

  auto features = doc.find("features");
  if (features == doc.end() || !features->is_array() || features->empty()) throw fail("needs \"features\": a non-empty list of column names");
  std::set<std::string> seen;
  for (const auto& f : *features) {
    if (!f.is_string()) throw fail("lists a feature that is not a string: " + f.dump());
    if (!seen.insert(f.get<std::string>()).second) throw fail("lists feature \"" + f.get<std::string>() + "\" twice");
    m.features.push_back(f.get<std::string>());
  }

  auto coefs = doc.find("coefficients");
  if (coefs == doc.end()) throw fail("needs \"coefficients\": a list (one per feature) or an object {\"feature\": coefficient}");
  auto number = [&](const nlohmann::json& v, const std::string& what) {
    if (!v.is_number()) throw fail("has " + what + " that is not a number: " + v.dump());
    return v.get<double>();
  };
  if (coefs->is_array()) {
    if (coefs->size() != m.features.size())
      throw fail("has " + std::to_string(m.features.size()) + " features but " + std::to_string(coefs->size()) + " coefficients");
    for (size_t i = 0; i < coefs->size(); ++i) m.coefficients.push_back(number((*coefs)[i], "a coefficient for \"" + m.features[i] + "\""));
  } else if (coefs->is_object()) {
    for (const auto& [name, v] : coefs->items())
      if (seen.count(name) == 0) throw fail("has a coefficient for \"" + name + "\", which \"features\" does not list");
    for (const auto& f : m.features) {
      auto c = coefs->find(f);
      if (c == coefs->end()) throw fail("has no coefficient for feature \"" + f + "\"");
      m.coefficients.push_back(number(*c, "a coefficient for \"" + f + "\""));
    }
  } else {
    throw fail("has \"coefficients\" that are neither a list nor an object");
  }

  auto intercept = doc.find("intercept");
  if (intercept == doc.end()) throw fail("needs \"intercept\" (write 0 for a model without one)");
  m.intercept = number(*intercept, "an \"intercept\"");

  auto version = doc.find("version");
  if (version != doc.end()) {
    if (!version->is_string()) throw fail("has a \"version\" that is not a string: " + version->dump());
    m.version = version->get<std::string>();
  }
  return m;
}

}  // namespace linear
