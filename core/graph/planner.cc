#include "graph/planner.h"

#include <sys/stat.h>

#include <algorithm>
#include <deque>
#include <filesystem>
#include <map>
#include <thread>

#include <glog/logging.h>

#include "common/output_file.h"
#include "config/option_check.h"
#include "config/settings.h"
#include "model/model_repository.h"

namespace trestle::core {

namespace {

// Marks one create/open call for the PlanControl's watchers.
class OpenCall {
 public:
  OpenCall(PlanControl* control, const PlannedNode& node, const char* call) : control_(control) {
    const std::string what = "node \"" + node.name + "\" (operator " + node.type + "): " + call + "()";
    VLOG(1) << "planning: " << what;
    if (control_) control_->Enter(what);
  }
  ~OpenCall() {
    if (control_) control_->Leave();
  }
  OpenCall(const OpenCall&) = delete;
  OpenCall& operator=(const OpenCall&) = delete;

 private:
  PlanControl* control_;
};

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

// Where an operator's refusal belongs: at the option it names when it starts with
// `option "NAME"` and the node sets NAME, else at the node.
std::string RefusalPath(const config::Node& cn, const std::string& node_path, const std::string& message) {
  static const std::string kPrefix = "option \"";
  if (message.rfind(kPrefix, 0) != 0) return node_path;
  const size_t end = message.find('"', kPrefix.size());
  if (end == std::string::npos) return node_path;
  const std::string name = message.substr(kPrefix.size(), end - kPrefix.size());
  return cn.options().fields().count(name) ? node_path + ".options." + name : node_path;
}

const std::string* StringOption(const OptionValues& options, const std::string& name) {
  for (const auto& [key, v] : options)
    if (key == name && v.type == ParamType::kString) return &v.string;
  return nullptr;
}

// Resolves a model operator's `model` option (a repository or a model) under `policy`
// into `options`; adds a diagnostic at `at` and returns false when it cannot.
bool ResolveModelOption(const LoadedPipeline& loaded, const std::string& at, const VersionPolicy& policy,
                        OptionValues* options, ResolvedModel* resolved, Diagnostics* diags) {
  const std::string* path = StringOption(*options, "model");
  if (path == nullptr) return true;
  auto r = ResolveModel(*path, policy);
  if (!r.ok()) {
    diags->add(loaded.DiagnosticAt(at, r.status().message()));
    return false;
  }
  *resolved = *r;
  *options = WithStringOption(*options, "model", resolved->path);
  return true;
}

// The node's shadow model: created and opened on the node's input, sharing a score or
// a label column with the node.
bool PlanShadow(const ValidatedPipeline& validated, const PluginRegistry& registry, int i, const trestle::Schema& input,
                PlannedNode& node, Diagnostics* diags, PlanControl* control) {
  const LoadedPipeline& loaded = validated.loaded;
  const config::Shadow& cs = loaded.pipeline.nodes(i).serving().shadow();
  const std::string at = "nodes[" + std::to_string(i) + "].serving.shadow";
  Result<const RegisteredOperator*> resolved_op = registry.Resolve(cs.type());
  if (!resolved_op.ok() || *resolved_op == nullptr) {
    diags->add(loaded.DiagnosticAt(at + ".type", !resolved_op.ok() ? resolved_op.status().message()
                                                                   : "unknown operator type \"" + cs.type() + "\""));
    return false;
  }
  const RegisteredOperator* op = *resolved_op;
  auto sp = std::make_unique<ShadowPlan>();
  sp->type = cs.type();
  sp->plugin_name = op->library->name();
  sp->plugin_version = op->library->version();
  if (!cs.score().empty()) sp->score = cs.score();
  if (!cs.label().empty()) sp->label = cs.label();
  if (cs.queue_batches() > 0) sp->queue_batches = cs.queue_batches();
  sp->host.pipeline = node.host->pipeline;
  sp->host.node = node.name + "/shadow";
  sp->host.node_index = i;
  sp->host.stats = &sp->stats;
  sp->host.on_error = ErrorPolicy::kSkip;
  sp->host.interrupted = node.host->interrupted;

  OptionValues options = validated.shadow_options[static_cast<size_t>(i)];
  ResolvedModel resolved;
  if (!ResolveModelOption(loaded, at + ".options.model", VersionPolicy{}, &options, &resolved, diags)) return false;
  auto inst = [&] {
    OpenCall call(control, node, "shadow create");
    return OperatorInstance::Make(*op, options, &sp->host);
  }();
  if (!inst.ok()) {
    diags->add(loaded.DiagnosticAt(at + ".options", "shadow: " + inst.status().message()));
    return false;
  }
  auto out = [&] {
    OpenCall call(control, node, "shadow open");
    return (*inst)->Open(&input);
  }();
  if (!out.ok()) {
    diags->add(loaded.DiagnosticAt(at, "shadow: " + out.status().message()));
    return false;
  }
  auto record = DescribeVersion(resolved, **inst);
  if (!record.ok()) {
    diags->add(loaded.DiagnosticAt(at, "shadow: " + record.status().message()));
    return false;
  }
  const trestle::Schema& mine = node.model_binding->output;
  sp->score_node = mine.index_of(sp->score);
  sp->score_shadow = out->index_of(sp->score);
  sp->label_node = mine.index_of(sp->label);
  sp->label_shadow = out->index_of(sp->label);
  if ((sp->score_node < 0 || sp->score_shadow < 0) && (sp->label_node < 0 || sp->label_shadow < 0)) {
    diags->add(loaded.DiagnosticAt(at, "the shadow and the node share neither a score column \"" + sp->score +
                                           "\" nor a label column \"" + sp->label + "\" to compare (node: " +
                                           Columns(mine) + "; shadow: " + Columns(*out) + ")"));
    return false;
  }
  sp->instance = std::move(inst).value();
  sp->record = std::move(record).value();
  node.shadow = std::move(sp);
  return true;
}

// A model node's serving: the first version's record and slot, the version column and
// the shadow.
bool PlanModel(const ValidatedPipeline& validated, const PluginRegistry& registry, int i, const RegisteredOperator& op,
               const OptionValues& options, const ResolvedModel& resolved, const trestle::Schema& input,
               PlannedNode& node, Diagnostics* diags, PlanControl* control) {
  const LoadedPipeline& loaded = validated.loaded;
  const config::Serving& sv = loaded.pipeline.nodes(i).serving();
  const std::string at = "nodes[" + std::to_string(i) + "]";
  auto binding = std::make_unique<ModelBinding>();
  binding->op = op;
  binding->options = options;
  if (const std::string* m = StringOption(validated.options[static_cast<size_t>(i)], "model")) binding->model_option = *m;
  binding->policy = VersionPolicy::Parse(sv.version()).value();
  binding->input = input;
  binding->output = node.output_schema;
  binding->instances = static_cast<int>(node.instances.size());
  binding->reentrant = node.info.threading == Threading::kReentrant;
  binding->host = node.host.get();
  auto record = DescribeVersion(resolved, *node.instances.front());
  if (!record.ok()) {
    diags->add(loaded.DiagnosticAt(at, record.status().message()));
    return false;
  }
  std::vector<OperatorInstance*> borrowed;
  for (auto& inst : node.instances) borrowed.push_back(inst.get());
  node.model = std::make_unique<ModelSlot>(std::make_shared<ServedModel>(
      std::move(record).value(), std::vector<std::unique_ptr<OperatorInstance>>{}, borrowed, binding->reentrant));
  node.model_binding = std::move(binding);
  node.poll_s = sv.poll_s();
  if (!sv.version_column().empty()) {
    if (node.output_schema.has(sv.version_column())) {
      diags->add(loaded.DiagnosticAt(at + ".serving.version_column",
                                     "the model's output already has a column \"" + sv.version_column() + "\""));
      return false;
    }
    node.version_column = sv.version_column();
    node.output_schema = node.output_schema.with({node.version_column, trestle::Type::Utf8, false});
  }
  return !sv.has_shadow() || PlanShadow(validated, registry, i, input, node, diags, control);
}

std::vector<std::string> OutputPaths(const OperatorInfo& info, const OptionValues& options) {
  std::vector<std::string> out;
  for (const ParamInfo& p : info.params)
    if (p.output_path)
      if (const std::string* v = StringOption(options, p.name); v != nullptr && !v->empty()) out.push_back(*v);
  return out;
}

// What is wrong with `value` as a file path, or empty: a NUL byte (the C ABI would cut
// the path there, silently naming another file) or, for a file to write, a trailing
// slash (a directory, found only when publishing).
std::string PathProblem(const std::string& value, bool writes) {
  if (size_t nul = value.find('\0'); nul != std::string::npos)
    return "the path holds a NUL byte (after \"" + value.substr(0, nul) +
           "\"); a path cannot, and it would silently name another file";
  if (writes && value.back() == '/') return "\"" + value + "\" ends with \"/\", which names a directory; a file path is needed";
  return {};
}

// dead_letter.path is appended to while the run goes: an existing one must be a regular
// file (a FIFO would block the run at its first dead letter, a device or link would
// send the records elsewhere) in a directory the run may write.
std::string DeadLetterPathProblem(const std::string& path) {
  if (std::string p = PathProblem(path, true); !p.empty()) return p;
  struct stat st{};
  if (::lstat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode)) {
    const char* what = S_ISLNK(st.st_mode)    ? "a symbolic link"
                       : S_ISDIR(st.st_mode)  ? "a directory"
                       : S_ISFIFO(st.st_mode) ? "a FIFO"
                       : S_ISCHR(st.st_mode)  ? "a character device"
                       : S_ISBLK(st.st_mode)  ? "a block device"
                       : S_ISSOCK(st.st_mode) ? "a socket"
                                              : "not a regular file";
    return "\"" + path + "\" is " + what + "; dead letters are appended only to a regular file (or a new path)";
  }
  Status writable = CheckOutputFile(path, "");
  return writable.ok() ? std::string() : writable.message();
}

// One check for every file a run touches by name: two writers of one file would
// publish over each other, and a writer of a file that is read (a source's input, a
// monitor's reference) would destroy it while it is read. Refuses the later claim, at
// its option, naming the earlier one. Host files (the report, the run directory's) are
// claimed first, then dead_letter.path, then each node's input and output paths. Paths
// are compared as absolute, normalised and with existing links resolved. Also refuses
// path options that cannot be what they say (PathProblem).
void CheckOutputPaths(const ValidatedPipeline& validated, const Plan& plan, const std::vector<HostFile>& host_files,
                      Diagnostics* diags) {
  struct Claim {
    std::string who;  // "node \"out\" (option \"path\")", "--report"...
    bool writes;
  };
  std::map<std::string, Claim> claimed;  // canonical file -> first claim
  // Returns the message for a conflicting claim, or empty after recording this one.
  auto claim = [&](const std::string& value, const std::string& who, bool writes) -> std::string {
    auto [it, fresh] = claimed.try_emplace(CanonicalPathKey(value), Claim{who, writes});
    if (fresh) return {};
    if (!writes && !it->second.writes) return {};  // two readers of one file
    const std::string& other = it->second.who;
    if (writes && it->second.writes)
      return "\"" + value + "\" is also written by " + other + "; two writers cannot share one file: give each its own path";
    return writes ? "\"" + value + "\" is read by " + other + "; writing it would destroy it: write somewhere else"
                  : "\"" + value + "\" is written by " + other + "; one run cannot read and write one file: give them different paths";
  };
  const std::string& dl = validated.loaded.pipeline.dead_letter().path();
  for (const HostFile& f : host_files)
    if (!f.default_dead_letters || dl.empty()) (void)claim(f.path, f.what, f.writes);
  if (!dl.empty()) {
    std::string problem = DeadLetterPathProblem(dl);
    if (problem.empty()) problem = claim(dl, "the dead letters (dead_letter.path)", true);
    if (!problem.empty()) diags->add(validated.loaded.DiagnosticAt("dead_letter.path", problem));
  }
  for (size_t i = 0; i < plan.nodes.size(); ++i) {
    const PlannedNode& node = *plan.nodes[i];
    for (const ParamInfo& p : node.info.params) {
      if (!p.output_path && !p.input_path) continue;
      const std::string* v = StringOption(validated.options[i], p.name);
      if (v == nullptr || v->empty()) continue;
      std::string problem = PathProblem(*v, p.output_path);
      if (problem.empty())
        problem = claim(*v, "node \"" + node.name + "\" (option \"" + p.name + "\")", p.output_path);
      if (!problem.empty())
        diags->add(validated.loaded.DiagnosticAt("nodes[" + std::to_string(i) + "].options." + p.name, problem));
    }
  }
}

}  // namespace

Result<std::unique_ptr<Plan>> BuildPlan(const ValidatedPipeline& validated, const PluginRegistry& registry,
                                        Diagnostics* diags, PlanControl* control,
                                        const std::vector<HostFile>& host_files) {
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
  std::string last_opened;  // for the message of an interruption
  for (int i : plan->topo_order) {
    const size_t k = static_cast<size_t>(i);
    const config::Node& cn = pipeline.nodes(i);
    PlannedNode& node = *plan->nodes[k];
    const std::string at = "nodes[" + std::to_string(i) + "]";
    if (control && control->interrupted()) {
      diags->add(loaded.DiagnosticAt(at, "not opened: interrupted by a signal"));
      return Status(Code::kCancelled, "interrupted by a signal " + (last_opened.empty() ? std::string("before the operators were opened")
                                                                                        : "after opening " + last_opened));
    }
    last_opened = "node \"" + node.name + "\" (operator " + cn.type() + ")";
    if (control) node.host->interrupted = control->interrupted_flag();
    Result<const RegisteredOperator*> resolved_op = registry.Resolve(cn.type());
    if (!resolved_op.ok() || *resolved_op == nullptr) {
      diags->add(loaded.DiagnosticAt(at + ".type", !resolved_op.ok() ? resolved_op.status().message()
                                                                     : "unknown operator type \"" + cn.type() + "\""));
      continue;
    }
    const RegisteredOperator* op = *resolved_op;
    node.info = op->info;
    node.plugin_name = op->library->name();
    node.plugin_version = op->library->version();
    node.plugin_sha256 = op->library->sha256();
    node.on_error = PolicyOf(cn.on_error());
    node.retry = Effective(cn.retry());
    node.ordered = cn.has_ordered() ? cn.ordered() : node.info.ordered_input;
    if (cn.monitoring().queue_batches() > 0) node.monitor_queue_batches = cn.monitoring().queue_batches();
    node.options_redacted = nlohmann::json::parse(RedactedOptionsJson(cn, node.info), nullptr, false);
    node.host->pipeline = plan->pipeline;
    node.host->node = node.name;
    node.host->node_index = i;
    node.host->stats = node.stats.get();
    node.host->on_error = node.on_error;

    int parallel = 1;
    bool transforms = node.info.role == Role::kTransform || node.info.role == Role::kModel;
    if (node.info.aggregating && cn.concurrency() > 1) {
      diags->add(loaded.DiagnosticAt(at + ".concurrency", "operator " + node.type +
                                                              " aggregates every row in one instance; concurrency must "
                                                              "be 1 (or left out), got " +
                                                              std::to_string(cn.concurrency())));
      continue;
    }
    if (transforms && node.info.threading != Threading::kSerial && !node.info.aggregating) {
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

    OptionValues options = validated.options[k];
    node.output_paths = OutputPaths(node.info, options);
    ResolvedModel resolved;
    if (node.info.role == Role::kModel &&
        !ResolveModelOption(loaded, at + ".options.model", VersionPolicy::Parse(cn.serving().version()).value(),
                            &options, &resolved, diags))
      continue;

    bool ok = true;
    if (cn.has_max_dead_letter_share()) node.max_dead_letter_share = cn.max_dead_letter_share();
    for (int n = 0; n < instances && ok; ++n) {
      auto inst = [&] {
        OpenCall call(control, node, "create");
        return OperatorInstance::Make(*op, options, node.host.get());
      }();
      if (!inst.ok()) {
        diags->add(loaded.DiagnosticAt(at + ".options", inst.status().message()));
        ok = false;
        break;
      }
      auto schema = [&] {
        OpenCall call(control, node, "open");
        return (*inst)->Open(input ? &*input : nullptr);
      }();
      if (!schema.ok()) {
        std::string from;
        if (!node.inputs.empty()) {
          from = "input from \"" + plan->nodes[static_cast<size_t>(node.inputs[0])]->name + "\"";
          for (size_t j = 1; j < node.inputs.size(); ++j)
            from += " and \"" + plan->nodes[static_cast<size_t>(node.inputs[j])]->name + "\"";
          from += ": ";
        }
        diags->add(loaded.DiagnosticAt(RefusalPath(cn, at, schema.status().message()), from + schema.status().message()));
        ok = false;
        break;
      }
      node.output_schema = schema.value();
      node.instances.push_back(std::move(inst).value());
    }
    if (ok && node.info.role == Role::kMonitor && !node.outputs.empty()) {
      // What a monitor sends downstream is its findings, not the data it watched.
      node.output_schema = FindingsSchema();
      node.findings = std::make_unique<FindingsOutbox>();
      node.host->findings = node.findings.get();
    }
    if (ok && node.info.role == Role::kModel)
      ok = PlanModel(validated, registry, i, *op, options, resolved, input ? *input : trestle::Schema(), node, diags,
                     control);
    usable[k] = ok;
  }
  CheckOutputPaths(validated, *plan, host_files, diags);
  // Past planning, cancellation is the run's (RunState); `control` need not outlive us.
  for (auto& node : plan->nodes) {
    node->host->interrupted = nullptr;
    if (node->shadow) node->shadow->host.interrupted = nullptr;
  }
  if (diags->size() > before) return diags->ToStatus(before);
  return plan;
}

}  // namespace trestle::core
