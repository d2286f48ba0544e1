#include "config/structure_check.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <set>
#include <tuple>

#include "config/field_path.h"
#include "config/scalar_text.h"

namespace trestle::core {
namespace {

bool IsValidNodeName(const std::string& name) {
  for (char c : name) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '.' || c == '-';
    if (!ok) return false;
  }
  return !name.empty();
}

std::string Article(const std::string& word) {
  return (!word.empty() && std::string("aeiou").find(word[0]) != std::string::npos ? "an " : "a ") +
         word;
}

class StructureChecker {
 public:
  StructureChecker(const LoadedPipeline& lp, const OperatorCatalog& catalog, Diagnostics* diags)
      : lp_(lp), p_(lp.pipeline), catalog_(catalog), diags_(diags) {}

  void Run() {
    if (p_.pipeline().empty()) Report("pipeline", "missing pipeline name");
    if (p_.nodes_size() == 0) Report("nodes", "pipeline has no nodes");
    IndexNodes();
    for (int i = 0; i < p_.nodes_size(); ++i) CheckNode(i);
    CheckCycles();
    CheckExecution();
  }

 private:
  void Report(const std::string& path, std::string message) {
    if (!diags_->Mentions(path)) diags_->add(lp_.DiagnosticAt(path, std::move(message)));
  }

  static std::string NodePath(int i) { return IndexPath("nodes", i); }

  // Names first, so that inputs can refer to nodes defined later.
  void IndexNodes() {
    operators_.assign(static_cast<size_t>(p_.nodes_size()), nullptr);
    for (int i = 0; i < p_.nodes_size(); ++i) {
      const config::Node& node = p_.nodes(i);
      std::string path = NodePath(i);
      // An entry that could not be read at all has been reported already.
      if (node.ByteSizeLong() == 0 && diags_->Mentions(path)) continue;
      if (node.name().empty()) {
        Report(JoinPath(path, "name"), "missing node name");
      } else if (!IsValidNodeName(node.name())) {
        Report(JoinPath(path, "name"), "invalid node name " + Quote(node.name()) +
                                           ": use only letters, digits, '_', '.' and '-'");
      } else if (auto [it, inserted] = index_.emplace(node.name(), i); !inserted) {
        SourceLocation first = lp_.locations.Lookup(JoinPath(NodePath(it->second), "name"));
        std::string where =
            first.line > 0 ? "line " + std::to_string(first.line) : NodePath(it->second);
        Report(JoinPath(path, "name"),
               "duplicate node name " + Quote(node.name()) + " (first defined at " + where + ")");
      } else {
        names_.push_back(node.name());
      }
      if (node.type().empty()) {
        Report(JoinPath(path, "type"), "missing operator type");
      } else if (const OperatorInfo* op = catalog_.Find(node.type())) {
        operators_[static_cast<size_t>(i)] = op;
      } else {
        Report(JoinPath(path, "type"), "unknown operator type " + Quote(node.type()) +
                                           DidYouMean(node.type(), catalog_.Names()));
      }
    }
  }

  const OperatorInfo* OperatorOf(int i) const { return operators_[static_cast<size_t>(i)]; }

  void CheckNode(int i) {
    const config::Node& node = p_.nodes(i);
    const std::string path = NodePath(i);
    const OperatorInfo* op = OperatorOf(i);
    CheckInputs(i);

    if (op != nullptr && op->role == Role::kSource && node.inputs_size() > 0) {
      Report(JoinPath(path, "inputs"),
             "operator " + Quote(op->name) + " is a source and takes no inputs");
    }
    if (op != nullptr && op->role != Role::kSource && node.inputs_size() == 0) {
      Report(JoinPath(path, "inputs"), "operator " + Quote(op->name) + " is " +
                                           Article(RoleName(op->role)) +
                                           " and needs at least one input");
    }
    const std::string& on_error = node.on_error();
    if (!on_error.empty() && on_error != "dead_letter" && on_error != "skip" &&
        on_error != "fail") {
      Report(JoinPath(path, "on_error"), "on_error must be dead_letter, skip or fail; got " +
                                             Quote(on_error) +
                                             DidYouMean(on_error, {"dead_letter", "skip", "fail"}));
    }
    if (node.concurrency() < 0) {
      Report(JoinPath(path, "concurrency"), "must be >= 0 (0 = the operator's default), got " +
                                                std::to_string(node.concurrency()));
    }
    if (node.has_ordered() && op != nullptr && op->role != Role::kSink) {
      Report(JoinPath(path, "ordered"), "ordered applies only to sinks; operator " +
                                            Quote(op->name) + " is " + Article(RoleName(op->role)));
    }
    if (node.has_retry()) CheckRetry(node.retry(), JoinPath(path, "retry"));
    if (node.has_serving()) CheckServing(node, op, JoinPath(path, "serving"));
    if (node.has_monitoring()) {
      const std::string mp = JoinPath(path, "monitoring");
      if (op != nullptr && op->role != Role::kMonitor)
        Report(mp, "monitoring applies only to monitors; operator " + Quote(op->name) + " is " + Article(RoleName(op->role)));
      if (node.monitoring().queue_batches() < 0)
        Report(JoinPath(mp, "queue_batches"),
               "must be >= 0 (0 = default 4), got " + std::to_string(node.monitoring().queue_batches()));
    }
  }

  static bool IsColumnName(const std::string& s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
      return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
    });
  }

  void CheckServing(const config::Node& node, const OperatorInfo* op, const std::string& path) {
    if (op != nullptr && op->role != Role::kModel) {
      Report(path, "serving applies only to models; operator " + Quote(op->name) + " is " + Article(RoleName(op->role)));
      return;
    }
    const config::Serving& sv = node.serving();
    const std::string& v = sv.version();
    if (!v.empty() && v != "latest" && !std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; }))
      Report(JoinPath(path, "version"), "must be \"latest\" or a version number, got " + Quote(v) +
                                            DidYouMean(v, {"latest"}));
    NonNegative(sv.poll_s(), JoinPath(path, "poll_s"));
    if (op != nullptr && (!v.empty() || sv.poll_s() > 0) && op->param("model") == nullptr)
      Report(path, "operator " + Quote(op->name) + " has no \"model\" option, so it has no versions to serve");
    if (!sv.version_column().empty() && !IsColumnName(sv.version_column()))
      Report(JoinPath(path, "version_column"), "invalid column name " + Quote(sv.version_column()) +
                                                   ": use letters, digits and '_'");
    if (!sv.has_shadow()) return;
    const config::Shadow& sh = sv.shadow();
    const std::string sp = JoinPath(path, "shadow");
    if (sh.type().empty()) {
      Report(JoinPath(sp, "type"), "missing operator type of the shadow model");
    } else if (const OperatorInfo* sop = catalog_.Find(sh.type())) {
      if (sop->role != Role::kModel)
        Report(JoinPath(sp, "type"), "a shadow must be a model; operator " + Quote(sh.type()) + " is " +
                                         Article(RoleName(sop->role)));
    } else {
      Report(JoinPath(sp, "type"), "unknown operator type " + Quote(sh.type()) + DidYouMean(sh.type(), catalog_.Names()));
    }
    if (sh.queue_batches() < 0)
      Report(JoinPath(sp, "queue_batches"), "must be >= 0 (0 = default 4), got " + std::to_string(sh.queue_batches()));
  }

  void CheckInputs(int i) {
    const config::Node& node = p_.nodes(i);
    const std::string inputs_path = JoinPath(NodePath(i), "inputs");
    std::set<std::string> seen;
    for (int j = 0; j < node.inputs_size(); ++j) {
      const std::string& input = node.inputs(j);
      const std::string path = IndexPath(inputs_path, j);
      if (!node.name().empty() && input == node.name()) {
        Report(path, "node lists itself as an input");
        continue;
      }
      if (!seen.insert(input).second) {
        Report(path, "input " + Quote(input) + " is listed twice");
        continue;
      }
      auto it = index_.find(input);
      if (it == index_.end()) {
        Report(path, "unknown input " + Quote(input) + DidYouMean(input, names_));
        continue;
      }
      const OperatorInfo* upstream = OperatorOf(it->second);
      const OperatorInfo* self = OperatorOf(i);
      if (upstream != nullptr && upstream->role == Role::kSink) {
        Report(path, "input " + Quote(input) + " is a sink and has no output");
      } else if (upstream != nullptr && upstream->role == Role::kMonitor && self != nullptr &&
                 self->role != Role::kSink) {
        // A monitor's output is its findings, which only sinks (alert sinks) take.
        Report(path, "input " + Quote(input) + " is a monitor: only a sink can take its findings");
      }
      edges_.emplace_back(it->second, i, j);
    }
  }

  // Depth-first search along the data flow; a back edge closes a cycle, which is
  // reported once, at the input that closes it, in data-flow order: a -> b -> a.
  void CheckCycles() {
    const size_t n = static_cast<size_t>(p_.nodes_size());
    std::vector<std::vector<std::pair<int, int>>> feeds(n);  // to node, at input index
    for (const auto& [from, to, input] : edges_) {
      feeds[static_cast<size_t>(from)].emplace_back(to, input);
    }
    enum class Mark { kNew, kOnStack, kDone };
    std::vector<Mark> mark(n, Mark::kNew);
    std::vector<int> stack;
    std::function<void(int)> visit = [&](int u) {
      mark[static_cast<size_t>(u)] = Mark::kOnStack;
      stack.push_back(u);
      for (const auto& [v, input] : feeds[static_cast<size_t>(u)]) {
        if (mark[static_cast<size_t>(v)] == Mark::kNew) {
          visit(v);
        } else if (mark[static_cast<size_t>(v)] == Mark::kOnStack) {
          std::string cycle;
          for (auto it = std::find(stack.begin(), stack.end(), v); it != stack.end(); ++it) {
            cycle += p_.nodes(*it).name() + " -> ";
          }
          cycle += p_.nodes(v).name();
          Report(IndexPath(JoinPath(NodePath(v), "inputs"), input), "cycle: " + cycle);
        }
      }
      stack.pop_back();
      mark[static_cast<size_t>(u)] = Mark::kDone;
    };
    for (int i = 0; i < p_.nodes_size(); ++i) {
      if (mark[static_cast<size_t>(i)] == Mark::kNew) visit(i);
    }
  }

  void NonNegative(double value, const std::string& path) {
    if (!std::isfinite(value)) {
      Report(path, "must be a finite number");
    } else if (value < 0) {
      Report(path, "must be >= 0, got " + FormatNumber(value));
    }
  }

  void CheckRetry(const config::Retry& r, const std::string& path) {
    if (r.max_attempts() < 0) {
      Report(JoinPath(path, "max_attempts"),
             "must be >= 1, got " + std::to_string(r.max_attempts()));
    }
    NonNegative(r.initial_backoff_ms(), JoinPath(path, "initial_backoff_ms"));
    NonNegative(r.max_backoff_ms(), JoinPath(path, "max_backoff_ms"));
    NonNegative(r.deadline_s(), JoinPath(path, "deadline_s"));
    if (!std::isfinite(r.multiplier()) || r.multiplier() < 0 ||
        (r.multiplier() > 0 && r.multiplier() < 1)) {
      Report(JoinPath(path, "multiplier"), "must be >= 1, got " + FormatNumber(r.multiplier()));
    }
    if (!std::isfinite(r.jitter()) || r.jitter() < 0 || r.jitter() > 1) {
      Report(JoinPath(path, "jitter"), "must be in [0, 1], got " + FormatNumber(r.jitter()));
    }
    if (r.initial_backoff_ms() > 0 && r.max_backoff_ms() > 0 &&
        r.initial_backoff_ms() > r.max_backoff_ms()) {
      Report(JoinPath(path, "initial_backoff_ms"),
             "must not exceed max_backoff_ms (" + FormatNumber(r.max_backoff_ms()) + ")");
    }
  }

  void CheckExecution() {
    const config::Execution& e = p_.execution();
    auto count = [&](int64_t value, const char* field) {
      if (value < 0) {
        Report(JoinPath("execution", field),
               "must be >= 0 (0 = default), got " + std::to_string(value));
      }
    };
    count(e.batch_rows(), "batch_rows");
    count(e.max_inflight_batches(), "max_inflight_batches");
    count(e.commit_every_batches(), "commit_every_batches");
    count(e.threads(), "threads");
    NonNegative(e.drain_timeout_s(), "execution.drain_timeout_s");
    const config::Serve& v = p_.serve();
    auto serve_count = [&](int64_t value, const char* field) {
      if (value < 0) Report(JoinPath("serve", field), "must be >= 0 (0 = default), got " + std::to_string(value));
    };
    serve_count(v.max_batch_rows(), "max_batch_rows");
    serve_count(v.preferred_batch_rows(), "preferred_batch_rows");
    serve_count(v.max_queue_delay_us(), "max_queue_delay_us");
    serve_count(v.max_queue_rows(), "max_queue_rows");
    serve_count(v.request_timeout_ms(), "request_timeout_ms");
    serve_count(v.max_body_bytes(), "max_body_bytes");
    if (v.max_batch_rows() > 0 && v.preferred_batch_rows() > v.max_batch_rows())
      Report("serve.preferred_batch_rows", "must not exceed max_batch_rows (" + std::to_string(v.max_batch_rows()) + ")");
    if (v.max_batch_rows() > 0 && v.max_queue_rows() > 0 && v.max_queue_rows() < v.max_batch_rows())
      Report("serve.max_queue_rows", "must be at least max_batch_rows (" + std::to_string(v.max_batch_rows()) + ")");
  }

  const LoadedPipeline& lp_;
  const config::Pipeline& p_;
  const OperatorCatalog& catalog_;
  Diagnostics* diags_;
  std::map<std::string, int> index_;  // node name -> first node with it
  std::vector<std::string> names_;    // node names, in file order
  std::vector<const OperatorInfo*> operators_;
  std::vector<std::tuple<int, int, int>> edges_;  // from node, to node, at input index
};

}  // namespace

void CheckStructure(const LoadedPipeline& loaded, const OperatorCatalog& catalog,
                    Diagnostics* diags) {
  Diagnostics ignored;
  StructureChecker(loaded, catalog, diags != nullptr ? diags : &ignored).Run();
}

}  // namespace trestle::core
