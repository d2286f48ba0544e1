#include "graph/planner.h"

#include <algorithm>
#include <deque>
#include <thread>

#include "config/option_check.h"
#include "config/settings.h"

namespace trestle::core {

namespace {

ErrorPolicy PolicyOf(const std::string& s) {
  if (s == "skip") return ErrorPolicy::kSkip;
  if (s == "fail") return ErrorPolicy::kFail;
  return ErrorPolicy::kDeadLetter;
}

int DefaultParallelism(const ExecutionSettings& ex) {
  if (ex.threads > 0) return ex.threads;
  return static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

// Kahn's algorithm in file order; the structure check has already refused cycles.
std::vector<int> TopologicalOrder(const Plan& plan) {
  std::vector<int> pending(plan.nodes.size());
  std::deque<int> ready;
  for (size_t i = 0; i < plan.nodes.size(); ++i) {
    pending[i] = static_cast<int>(plan.nodes[i]->inputs.size());
    if (pending[i] == 0) ready.push_back(static_cast<int>(i));
  }
  std::vector<int> order;
  while (!ready.empty()) {
    int n = ready.front();
    ready.pop_front();
    order.push_back(n);
    for (int o : plan.nodes[static_cast<size_t>(n)]->outputs)
      if (--pending[static_cast<size_t>(o)] == 0) ready.push_back(o);
  }
  return order;
}

std::string Columns(const trestle::Schema& s) {
  std::string out;
  for (const auto& f : s.fields()) out += (out.empty() ? "" : ", ") + f.name + ":" + trestle::type_name(f.type);
  return out.empty() ? "none" : out;
}

}  // namespace

Result<std::unique_ptr<Plan>> BuildPlan(const ValidatedPipeline& validated, const PluginRegistry& registry,
                                        Diagnostics* diags) {
  const LoadedPipeline& loaded = validated.loaded;
  const config::Pipeline& pipeline = loaded.pipeline;
  const size_t before = diags->size();
  auto plan = std::make_unique<Plan>();
  plan->pipeline = pipeline.pipeline();
  plan->file = loaded.file;
  plan->config_hash = loaded.text_hash;
  plan->dead_letter_path = pipeline.dead_letter().path();
  plan->exec = Effective(pipeline.execution());

  for (int i = 0; i < pipeline.nodes_size(); ++i) {
    const config::Node& cn = pipeline.nodes(i);
    auto node = std::make_unique<PlannedNode>();
    node->name = cn.name();
    node->type = cn.type();
    plan->nodes.push_back(std::move(node));
  }
  for (int i = 0; i < pipeline.nodes_size(); ++i) {
    for (const auto& in : pipeline.nodes(i).inputs()) {
      int src = plan->NodeIndex(in);
      plan->nodes[static_cast<size_t>(i)]->inputs.push_back(src);
      plan->nodes[static_cast<size_t>(src)]->outputs.push_back(i);
    }
  }
  plan->topo_order = TopologicalOrder(*plan);

  std::vector<bool> usable(plan->nodes.size(), false);
  for (int i : plan->topo_order) {
    const size_t k = static_cast<size_t>(i);
    const config::Node& cn = pipeline.nodes(i);
    PlannedNode& node = *plan->nodes[k];
    const std::string at = "nodes[" + std::to_string(i) + "]";
    const RegisteredOperator* op = registry.FindDef(cn.type());
    if (op == nullptr) {
      diags->add(loaded.DiagnosticAt(at + ".type", "unknown operator type \"" + cn.type() + "\""));
      continue;
    }
    node.info = op->info;
    node.plugin_name = op->library->name();
    node.plugin_version = op->library->version();
    node.plugin_sha256 = op->library->sha256();
    node.on_error = PolicyOf(cn.on_error());
    node.retry = Effective(cn.retry());
    node.ordered = cn.has_ordered() ? cn.ordered() : node.info.ordered_input;
    node.options_redacted = nlohmann::json::parse(RedactedOptionsJson(cn, node.info), nullptr, false);
    node.host->pipeline = plan->pipeline;
    node.host->node = node.name;
    node.host->node_index = i;
    node.host->stats = node.stats.get();
    node.host->on_error = node.on_error;

    int parallel = 1;
    bool transforms = node.info.role == Role::kTransform || node.info.role == Role::kModel;
    if (transforms && node.info.threading != Threading::kSerial) {
      parallel = cn.concurrency() > 0 ? cn.concurrency() : DefaultParallelism(plan->exec);
    }
    node.concurrency = parallel;
    int instances = node.info.threading == Threading::kPerWorker ? parallel : 1;

    // Input schema: every input must deliver the same columns (fan-in is a union of rows).
    std::optional<trestle::Schema> input;
    bool inputs_ok = true;
    for (int src : node.inputs) {
      if (!usable[static_cast<size_t>(src)]) {
        inputs_ok = false;
        break;
      }
      const trestle::Schema& s = plan->nodes[static_cast<size_t>(src)]->output_schema;
      if (!input) {
        input = s;
      } else if (*input != s) {
        diags->add(loaded.DiagnosticAt(
            at + ".inputs", "inputs \"" + plan->nodes[static_cast<size_t>(node.inputs[0])]->name + "\" (" +
                                Columns(*input) + ") and \"" + plan->nodes[static_cast<size_t>(src)]->name + "\" (" +
                                Columns(s) + ") deliver different columns; a node's inputs must match"));
        inputs_ok = false;
      }
    }
    if (!inputs_ok) continue;

    bool ok = true;
    for (int n = 0; n < instances && ok; ++n) {
      auto inst = OperatorInstance::Make(*op, validated.options[k], node.host.get());
      if (!inst.ok()) {
        diags->add(loaded.DiagnosticAt(at + ".options", inst.status().message()));
        ok = false;
        break;
      }
      auto schema = (*inst)->Open(input ? &*input : nullptr);
      if (!schema.ok()) {
        std::string from;
        if (!node.inputs.empty()) {
          from = "input from \"" + plan->nodes[static_cast<size_t>(node.inputs[0])]->name + "\"";
          for (size_t j = 1; j < node.inputs.size(); ++j)
            from += " and \"" + plan->nodes[static_cast<size_t>(node.inputs[j])]->name + "\"";
          from += ": ";
        }
        diags->add(loaded.DiagnosticAt(at, from + schema.status().message()));
        ok = false;
        break;
      }
      node.output_schema = schema.value();
      node.instances.push_back(std::move(inst).value());
    }
    usable[k] = ok;
  }
  if (diags->size() > before) return diags->ToStatus(before);
  return plan;
}

}  // namespace trestle::core
