#include "model_signature.hpp"

#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include <trestle/error.hpp>

namespace model_signature {
namespace {

using nlohmann::json;

constexpr const char* kInputTypes = "float32, float64, int32, int64, bool, numeric";

std::string in_quotes(const std::string& s) { return "\"" + s + "\""; }

// A JSON value as it appears in the file, shortened for a message.
std::string shown(const json& v) {
  std::string s = v.dump();
  return s.size() > 60 ? s.substr(0, 57) + "..." : s;
}

std::string at(const std::string& field, size_t i) { return field + "[" + std::to_string(i) + "]"; }

class Reader {
 public:
  explicit Reader(std::string path) : path_(std::move(path)) {}

  trestle::InvalidArgument fail(const std::string& what) const {
    return trestle::InvalidArgument("signature file " + in_quotes(path_) + ": " + what);
  }

  ModelSignature read() {
    std::ifstream in(path_);
    if (!in) throw fail(std::string("cannot be opened: ") + std::strerror(errno));
    json doc;
    try {
      doc = json::parse(in);
    } catch (const json::exception& e) {
      throw fail(std::string("is not valid JSON: ") + e.what());
    }
    if (!doc.is_object()) throw fail("must hold a JSON object with \"inputs\", \"outputs\" and \"task\", not " + shown(doc));
    for (const auto& [key, value] : doc.items())
      if (key != "inputs" && key != "tensor_type" && key != "outputs" && key != "task" && key != "version")
        throw fail("has unknown field " + in_quotes(key) + "; the fields are inputs, tensor_type, outputs, task and version");

    ModelSignature s;
    s.path = path_;
    read_inputs(doc, s);
    read_tensor_type(doc, s);
    read_outputs(doc, s);
    read_task(doc, s);
    read_version(doc, s);
    return s;
  }

 private:
  void read_inputs(const json& doc, ModelSignature& s) const {
    auto inputs = doc.find("inputs");
    if (inputs == doc.end() || !inputs->is_array() || inputs->empty())
      throw fail("needs \"inputs\": a non-empty list of {\"name\": column, \"type\": " + std::string(kInputTypes) + "}" +
                 (inputs == doc.end() ? "" : ", not " + shown(*inputs)));
    std::map<std::string, size_t> seen;
    for (size_t i = 0; i < inputs->size(); ++i) {
      const json& e = (*inputs)[i];
      const std::string where = at("inputs", i);
      if (!e.is_object()) throw fail(where + " must be an object {\"name\": column, \"type\": type}, not " + shown(e));
      for (const auto& [key, value] : e.items())
        if (key != "name" && key != "type") throw fail(where + " has unknown field " + in_quotes(key) + "; an input has \"name\" and \"type\"");
      auto name = e.find("name");
      if (name == e.end() || !name->is_string() || name->get<std::string>().empty())
        throw fail(where + ".name must be a non-empty string (the column's name)" + (name == e.end() ? "" : ", not " + shown(*name)));
      Input input;
      input.name = name->get<std::string>();
      auto [it, fresh] = seen.emplace(input.name, i);
      if (!fresh) throw fail(where + ".name " + in_quotes(input.name) + " repeats " + at("inputs", it->second) + ".name");
      auto type = e.find("type");
      if (type == e.end()) throw fail(where + " (" + in_quotes(input.name) + ") needs \"type\": one of " + kInputTypes);
      if (!type->is_string()) throw fail(where + ".type " + shown(*type) + " is not one of " + kInputTypes);
      const std::string t = type->get<std::string>();
      if (t == "numeric") input.any_numeric = true;
      else if (t == "float32") input.type = trestle::Type::Float32;
      else if (t == "float64") input.type = trestle::Type::Float64;
      else if (t == "int32") input.type = trestle::Type::Int32;
      else if (t == "int64") input.type = trestle::Type::Int64;
      else if (t == "bool") input.type = trestle::Type::Bool;
      else throw fail(where + ".type " + in_quotes(t) + " is not one of " + kInputTypes);
      s.inputs.push_back(std::move(input));
    }
  }

  void read_tensor_type(const json& doc, ModelSignature& s) const {
    auto t = doc.find("tensor_type");
    if (t == doc.end()) return;  // float32
    if (t->is_string() && *t == "float32") s.tensor_type = TensorType::Float32;
    else if (t->is_string() && *t == "float64") s.tensor_type = TensorType::Float64;
    else throw fail("tensor_type " + shown(*t) + " is not one of float32, float64");
  }

  void read_outputs(const json& doc, ModelSignature& s) const {
    auto outputs = doc.find("outputs");
    if (outputs == doc.end() || !outputs->is_array() || outputs->empty())
      throw fail("needs \"outputs\": a non-empty list of the output tensor's column names" +
                 (outputs == doc.end() ? std::string() : ", not " + shown(*outputs)));
    std::map<std::string, size_t> seen;
    for (size_t i = 0; i < outputs->size(); ++i) {
      const json& o = (*outputs)[i];
      if (!o.is_string() || o.get<std::string>().empty()) throw fail(at("outputs", i) + " must be a non-empty string (a column name), not " + shown(o));
      const std::string name = o.get<std::string>();
      auto [it, fresh] = seen.emplace(name, i);
      if (!fresh) throw fail(at("outputs", i) + " " + in_quotes(name) + " repeats " + at("outputs", it->second));
      for (size_t j = 0; j < s.inputs.size(); ++j)
        if (s.inputs[j].name == name) throw fail(at("outputs", i) + " " + in_quotes(name) + " is also " + at("inputs", j) + ".name");
      s.outputs.push_back(name);
    }
  }

  void read_task(const json& doc, ModelSignature& s) const {
    auto task = doc.find("task");
    if (task == doc.end()) throw fail("needs \"task\": one of binary, multiclass, regression");
    if (task->is_string() && *task == "binary") s.task = Task::Binary;
    else if (task->is_string() && *task == "multiclass") s.task = Task::Multiclass;
    else if (task->is_string() && *task == "regression") s.task = Task::Regression;
    else throw fail("task " + shown(*task) + " is not one of binary, multiclass, regression");
    const size_t n = s.outputs.size();
    if (s.task == Task::Binary && n != 1)
      throw fail("task \"binary\" needs exactly one output (the probability of class 1), but outputs lists " + std::to_string(n) + ": " + s.outputs_list());
    if (s.task == Task::Multiclass && n < 2)
      throw fail("task \"multiclass\" needs one output per class (at least 2), but outputs lists " + s.outputs_list());
  }

  void read_version(const json& doc, ModelSignature& s) const {
    auto v = doc.find("version");
    if (v == doc.end() || v->is_null()) return;
    if (v->is_string()) s.version = v->get<std::string>();
    else if (v->is_number_integer()) s.version = v->dump();
    else throw fail("version must be a string, not " + shown(*v));
  }

  std::string path_;
};

}  // namespace

const char* task_name(Task t) {
  switch (t) {
    case Task::Binary: return "binary";
    case Task::Multiclass: return "multiclass";
    case Task::Regression: return "regression";
  }
  return "?";
}

const char* tensor_type_name(TensorType t) { return t == TensorType::Float64 ? "float64" : "float32"; }

std::string ModelSignature::outputs_list() const {
  std::string names;
  for (const auto& o : outputs) names += (names.empty() ? "" : ", ") + o;
  return std::to_string(outputs.size()) + (outputs.size() == 1 ? " output (" : " outputs (") + names + ")";
}

std::string signature_path(const std::string& model_file, const std::string& option) {
  if (!option.empty()) return option;
  return (std::filesystem::path(model_file).parent_path() / "signature.json").string();
}

ModelSignature read_signature(const std::string& path) { return Reader(path).read(); }

}  // namespace model_signature
