#include "model/model_loader.h"

#include "exec/node_host.h"

namespace trestle::core {

OptionValues WithStringOption(OptionValues options, const std::string& name, const std::string& value) {
  for (auto& [key, v] : options)
    if (key == name) v.string = value;
  return options;
}

Result<std::shared_ptr<ModelRecord>> DescribeVersion(const ResolvedModel& resolved, OperatorInstance& inst) {
  auto record = std::make_shared<ModelRecord>();
  record->version = resolved.version;
  record->path = resolved.path;
  record->loaded_at = std::chrono::system_clock::now();
  if (!resolved.path.empty()) {  // a model operator without a `model` option has no file to hash
    auto sha = FingerprintModel(resolved.path);
    if (!sha.ok()) return sha.status();
    record->sha256 = *sha;
  }
  auto info = inst.DescribeModel();
  if (!info.ok()) return info.status().WithContext("describing the model");
  record->framework = info->framework;
  record->model_version = info->version;
  return record;
}

Result<std::shared_ptr<ServedModel>> LoadVersion(const ModelBinding& b, const ResolvedModel& resolved) {
  const OptionValues options = WithStringOption(b.options, "model", resolved.path);
  std::vector<std::unique_ptr<OperatorInstance>> instances;
  for (int n = 0; n < b.instances; ++n) {
    auto inst = OperatorInstance::Make(b.op, options, b.host);
    if (!inst.ok()) return inst.status().WithContext("loading \"" + resolved.path + "\"");
    auto schema = (*inst)->Open(&b.input);
    if (!schema.ok()) return schema.status().WithContext("opening \"" + resolved.path + "\"");
    if (*schema != b.output)
      return InvalidArgument("\"" + resolved.path + "\" produces the columns (" + schema->names_list() +
                             "), not the (" + b.output.names_list() + ") the pipeline was built with");
    instances.push_back(std::move(inst).value());
  }
  auto record = DescribeVersion(resolved, *instances.front());
  if (!record.ok()) return record.status().WithContext("\"" + resolved.path + "\"");
  return std::make_shared<ServedModel>(std::move(record).value(), std::move(instances),
                                       std::vector<OperatorInstance*>{}, b.reentrant);
}

}  // namespace trestle::core
