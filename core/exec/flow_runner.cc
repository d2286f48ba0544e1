#include "exec/flow_runner.h"

#include <condition_variable>
#include <filesystem>
#include <functional>
#include <mutex>
#include <set>
#include <tuple>
#include <thread>

#include <glog/logging.h>
#include <oneapi/tbb/flow_graph.h>
#include <oneapi/tbb/task_arena.h>
#include <oneapi/tbb/task_scheduler_observer.h>

#include "common/signal_stack.h"
#include "common/tsan_edge.h"

#include "exec/dead_letter_budget.h"
#include "exec/monitor_worker.h"
#include "exec/node_executor.h"
#include "exec/source_driver.h"

namespace trestle::core {

namespace flow = oneapi::tbb::flow;

// Every worker thread that joins the run's arena gets an alternate signal stack, so a
// plugin that overflows its stack is still reported (runtime/fatal_signals.h).
class SignalStackObserver : public oneapi::tbb::task_scheduler_observer {
 public:
  explicit SignalStackObserver(oneapi::tbb::task_arena& arena) : task_scheduler_observer(arena) { observe(true); }
  ~SignalStackObserver() override { observe(false); }
  void on_scheduler_entry(bool) override { EnsureSignalStack(); }
};

struct FlowRunner::Impl {
  explicit Impl(int threads) : arena(threads > 0 ? threads : oneapi::tbb::task_arena::automatic), stacks(arena) {}

  oneapi::tbb::task_arena arena;
  SignalStackObserver stacks;
  std::unique_ptr<flow::graph> graph;
  // Declared after the graph: destroyed before it.
  std::vector<std::unique_ptr<flow::graph_node>> tbb_nodes;
  std::vector<flow::sender<BatchMessage>*> out;
  std::vector<flow::receiver<BatchMessage>*> in;
  std::vector<std::unique_ptr<NodeExecutor>> executors;
  std::vector<std::unique_ptr<ShadowRunner>> shadows;
  // Declared after the executors: stopped before they go.
  std::vector<std::unique_ptr<MonitorWorker>> monitors;  ///< by node index; null for other nodes
  std::vector<size_t> monitor_nodes;
  std::vector<std::unique_ptr<SourceDriver>> drivers;
  BatchTicket::DoneFn on_done;

  std::mutex commit_mu;
  std::condition_variable commit_cv;
  bool stop_committer = false;
  std::thread committer;

  // arena.execute(f), with the hand-offs into and out of the arena made visible to
  // ThreadSanitizer (common/tsan_edge.h).
  template <class F>
  void Execute(F&& f) {
    TsanHandOffRelease();
    arena.execute([&] {
      TsanHandOffAcquire();
      f();
      TsanHandOffRelease();
    });
    TsanHandOffAcquire();
  }
};

namespace {

// Runs a flow-graph node's body: what the threads that handed it the message wrote is
// visible to ThreadSanitizer, and so is what the body wrote to the threads after it.
template <class F>
auto InBody(F&& f) {
  TsanHandOffAcquire();
  struct Released {
    ~Released() { TsanHandOffRelease(); }
  } released;
  return f();
}

// Number of distinct paths from each node to `to`, and the sources upstream of `to`.
int64_t PathsTo(const Plan& plan, int from, int to, std::vector<int64_t>& memo) {
  if (memo[static_cast<size_t>(from)] >= 0) return memo[static_cast<size_t>(from)];
  int64_t p = from == to ? 1 : 0;
  for (int o : plan.nodes[static_cast<size_t>(from)]->outputs) p += PathsTo(plan, o, to, memo);
  return memo[static_cast<size_t>(from)] = p;
}

bool FedByMonitor(const Plan& plan, int sink) {
  for (int in : plan.nodes[static_cast<size_t>(sink)]->inputs)
    if (plan.nodes[static_cast<size_t>(in)]->info.role == Role::kMonitor) return true;
  return false;
}

// A sequencer needs exactly one upstream source reaching the sink by exactly one path,
// and no monitor feeding it (findings have no sequence numbers).
bool CanSequence(const Plan& plan, int sink) {
  if (FedByMonitor(plan, sink)) return false;
  int sources = 0;
  int64_t paths = 0;
  std::vector<int64_t> memo(plan.nodes.size(), -1);
  for (size_t i = 0; i < plan.nodes.size(); ++i) {
    if (plan.nodes[i]->info.role != Role::kSource) continue;
    int64_t p = PathsTo(plan, static_cast<int>(i), sink, memo);
    if (p > 0) ++sources, paths = p;
  }
  return sources == 1 && paths == 1;
}

}  // namespace

FlowRunner::FlowRunner(Plan* plan, RunOptions options) : plan_(plan), options_(std::move(options)) {
  const size_t n = plan_->nodes.size();
  std::vector<std::string> names;
  std::vector<std::vector<int>> succ;
  std::vector<bool> is_source, is_sink, is_aggregate;
  for (const auto& node : plan_->nodes) {
    names.push_back(node->name);
    // A monitor's outputs carry findings, not the source's rows.
    succ.push_back(node->info.role == Role::kMonitor ? std::vector<int>{} : node->outputs);
    is_source.push_back(node->info.role == Role::kSource);
    is_sink.push_back(node->info.role == Role::kSink);
    is_aggregate.push_back(node->info.aggregating);
  }
  accounting_ = std::make_unique<RowAccounting>(names, succ, is_source, is_sink, is_aggregate);
  std::string dl = plan_->dead_letter_path;
  if (dl.empty()) dl = (std::filesystem::path(options_.run_dir) / "dead_letter.jsonl").string();
  dead_letters_ = std::make_unique<DeadLetterWriter>(dl, options_.run_id);
  progress_.resize(n);
  for (size_t i = 0; i < n; ++i) {
    PlannedNode& node = *plan_->nodes[i];
    NodeHost& h = *node.host;
    h.pipeline = plan_->pipeline;
    h.node = node.name;
    h.node_index = static_cast<int>(i);
    h.stats = node.stats.get();
    h.run = &run_;
    h.dead_letters = dead_letters_.get();
    h.accounting = accounting_.get();
    h.recorder = options_.recorder;
    h.requests = options_.requests;
    if (node.info.role == Role::kSource) {
      progress_[i] = std::make_unique<SourceProgress>();
      h.progress = progress_[i].get();
      h.source_index = static_cast<int>(i);
    }
  }
  impl_ = std::make_unique<Impl>(plan_->exec.threads);
  watcher_ = std::make_unique<ModelWatcher>(plan_);
}

void FlowRunner::ReloadModels() { watcher_->RequestReload(); }

void FlowRunner::Abort(const std::string& why) {
  if (!run_.Abort(why))
    LOG(WARNING) << "not aborting (" << why << "): the run has committed and is publishing its outputs; it ends in a moment";
}

FlowRunner::~FlowRunner() {
  watcher_->Stop();
  if (impl_ && impl_->committer.joinable()) {
    {
      std::lock_guard<std::mutex> l(impl_->commit_mu);
      impl_->stop_committer = true;
    }
    impl_->commit_cv.notify_all();
    impl_->committer.join();
  }
  // The graph's nodes must go inside the arena they were built in.
  if (impl_) {
    impl_->Execute([&] {
      impl_->tbb_nodes.clear();
      impl_->graph.reset();
    });
  }
  // Hosts point into this run; detach them so a later use of the plan cannot follow them.
  for (auto& node : plan_->nodes) {
    node->host->run = nullptr;
    node->host->dead_letters = nullptr;
    node->host->accounting = nullptr;
    node->host->progress = nullptr;
    node->host->recorder = nullptr;
    node->host->requests = nullptr;
  }
}

RunProgress FlowRunner::Progress() const {
  RunProgress p;
  double sum = 0;
  int known = 0;
  for (size_t i = 0; i < plan_->nodes.size(); ++i) {
    if (plan_->nodes[i]->info.role != Role::kSource) continue;
    p.rows_read += accounting_->Read(static_cast<int>(i));
    double total = progress_[i]->total.load();
    if (total > 0) sum += progress_[i]->done.load() / total, ++known;
  }
  if (known > 0) p.fraction = sum / known;
  return p;
}

nlohmann::json FlowRunner::MonitorSkips() const {
  nlohmann::json j = nlohmann::json::object();
  for (size_t i = 0; i < plan_->nodes.size(); ++i)
    if (plan_->nodes[i]->info.role == Role::kMonitor && impl_->executors[i])
      j[plan_->nodes[i]->name] = impl_->executors[i]->monitor_skipped();
  return j;
}

Status FlowRunner::Run() {
  started_ = std::chrono::system_clock::now();
  Impl& im = *impl_;
  const size_t n = plan_->nodes.size();
  im.out.assign(n, nullptr);
  im.in.assign(n, nullptr);
  im.executors.resize(n);
  im.drivers.resize(n);
  const ExecutionSettings& ex = plan_->exec;

  // OnDone last: once the last batch is done, the runner may be destroyed.
  RequestPort* const port = options_.requests;
  im.on_done = [this, port](int source, uint64_t seq) {
    if (plan_->exec.commit_every_batches > 0) impl_->commit_cv.notify_one();
    if (port != nullptr && source == port->source_node) port->BatchDone(seq);
    impl_->drivers[static_cast<size_t>(source)]->OnDone(seq);
  };

  // Commits the sinks, then acks every source up to what it has finished. The final
  // round publishes in two phases (abi.h, TrestleSinkFns.publish): every two-phase sink
  // prepares, the run passes its commit point (no abort after it), the one-phase sinks
  // commit, the prepared outputs are published; a failure anywhere before the commit
  // point publishes nothing. Sources feeding a two-phase sink are acked only after it
  // published: before, their rows are in a temporary file a failed run discards.
  auto sinks = [this](bool two_phase) {
    std::vector<size_t> out;
    for (int i : plan_->topo_order) {
      const PlannedNode& node = *plan_->nodes[static_cast<size_t>(i)];
      if (node.info.role == Role::kSink && node.info.two_phase == two_phase &&
          (options_.requests == nullptr || i != options_.requests->response_node))
        out.push_back(static_cast<size_t>(i));
    }
    return out;
  };
  const std::vector<size_t> one_phase = sinks(false), two_phase = sinks(true);
  // Aggregating transforms, in topological order: each emits its result once all of
  // its input went through, in a phase of its own after the sources' (below).
  std::vector<size_t> aggregates;
  for (int i : plan_->topo_order)
    if (plan_->nodes[static_cast<size_t>(i)]->info.aggregating) aggregates.push_back(static_cast<size_t>(i));
  // Sources feeding an aggregate are acked at the end too: their rows live on only in
  // its result, which the sinks commit last.
  std::vector<bool> acks_at_end(n, false);
  for (size_t s = 0; s < n; ++s) {
    if (plan_->nodes[s]->info.role != Role::kSource) continue;
    std::vector<int64_t> memo(n, -1);
    for (size_t t : two_phase)
      if (PathsTo(*plan_, static_cast<int>(s), static_cast<int>(t), memo) > 0) acks_at_end[s] = true;
    for (size_t t : aggregates)
      if (PathsTo(*plan_, static_cast<int>(s), static_cast<int>(t), memo) > 0) acks_at_end[s] = true;
  }
  auto commit_round = [this, &im, one_phase, two_phase, acks_at_end](bool final_commit) {
    std::vector<std::optional<uint64_t>> ackable(plan_->nodes.size());
    for (size_t i = 0; i < ackable.size(); ++i)
      if (im.drivers[i] && (final_commit || !acks_at_end[i])) ackable[i] = im.drivers[i]->AckableUpTo();
    auto commit_all = [&](const std::vector<size_t>& nodes) {
      for (size_t i : nodes) {
        Status st = im.executors[i]->Commit(final_commit);
        if (!st.ok()) return run_.Fail(st), false;
      }
      return true;
    };
    // Dead letters are part of what a commit promises: durable before anything is
    // published or acked.
    auto sync_dead_letters = [&] {
      Status st = dead_letters_->Sync();
      if (!st.ok()) run_.Fail(st);
      return st.ok();
    };
    if (!final_commit) {
      if (!commit_all(one_phase) || !commit_all(two_phase) || !sync_dead_letters()) return;
    } else {
      if (!commit_all(two_phase) || !sync_dead_letters()) return;
      if (!run_.EnterCommitPoint()) return;
      if (!commit_all(one_phase)) return;
      for (size_t i : two_phase) {
        Status st = im.executors[i]->Publish();
        if (!st.ok()) return run_.Fail(st);
      }
    }
    for (size_t i = 0; i < ackable.size(); ++i) {
      if (!ackable[i]) continue;
      Status st = im.drivers[i]->Ack(*ackable[i]);
      if (!st.ok()) return run_.Fail(st);
    }
  };

  // `threads: 1` with one source (a batch run): the calling thread reads a batch and runs
  // it through the graph before it reads the next, as a single-threaded program does, so
  // that `threads` counts every thread of the data path. Otherwise each source is read on
  // a thread of its own (a pump) while the arena's threads run the graph.
  size_t sources = 0;
  for (const auto& node : plan_->nodes)
    if (node->info.role == Role::kSource) ++sources;
  const bool read_inline = ex.threads == 1 && sources == 1 && port == nullptr;

  im.Execute([&] {
    im.graph = std::make_unique<flow::graph>();
    flow::graph& g = *im.graph;
    for (int i : plan_->topo_order) {
      const size_t k = static_cast<size_t>(i);
      PlannedNode& node = *plan_->nodes[k];
      switch (node.info.role) {
        case Role::kSource: {
          const bool requests = port != nullptr && i == port->source_node;
          im.drivers[k] = std::make_unique<SourceDriver>(
              &node, ex.batch_rows, ex.max_inflight_batches, &run_, accounting_.get(),
              requests ? SourceDriver::Kind::kRequests : SourceDriver::Kind::kSource);
          auto b = std::make_unique<flow::broadcast_node<BatchMessage>>(g);
          im.out[k] = b.get();
          im.tbb_nodes.push_back(std::move(b));
          break;
        }
        case Role::kTransform:
          if (node.info.aggregating) {
            // Absorbs its input (one instance, serially); its result leaves through a
            // broadcast node of its own, fed by a driver like a source's.
            im.executors[k] = std::make_unique<NodeExecutor>(&node, &run_, accounting_.get(), dead_letters_.get());
            NodeExecutor* ex_ptr = im.executors[k].get();
            auto f = std::make_unique<flow::function_node<BatchMessage, flow::continue_msg>>(
                g, flow::serial, [ex_ptr](const BatchMessage& m) {
                  return InBody([&] {
                    ex_ptr->Process(m);
                    return flow::continue_msg();
                  });
                });
            im.in[k] = f.get();
            im.tbb_nodes.push_back(std::move(f));
            im.drivers[k] = std::make_unique<SourceDriver>(&node, ex.batch_rows, ex.max_inflight_batches, &run_,
                                                           accounting_.get(), SourceDriver::Kind::kAggregate);
            auto b = std::make_unique<flow::broadcast_node<BatchMessage>>(g);
            im.out[k] = b.get();
            im.tbb_nodes.push_back(std::move(b));
            break;
          }
          [[fallthrough]];
        case Role::kModel: {
          im.executors[k] = std::make_unique<NodeExecutor>(&node, &run_, accounting_.get(), dead_letters_.get());
          NodeExecutor* ex_ptr = im.executors[k].get();
          if (node.shadow) {
            im.shadows.push_back(std::make_unique<ShadowRunner>(node.shadow.get(), node.stats.get()));
            ex_ptr->set_shadow(im.shadows.back().get());
          }
          auto f = std::make_unique<flow::function_node<BatchMessage, BatchMessage>>(
              g, static_cast<size_t>(std::max(1, node.concurrency)),
              [ex_ptr](const BatchMessage& m) { return InBody([&] { return ex_ptr->Process(m); }); });
          im.in[k] = f.get();
          im.out[k] = f.get();
          im.tbb_nodes.push_back(std::move(f));
          break;
        }
        case Role::kSink: {
          if (port != nullptr && i == port->response_node) {
            // The responses: rows go back to their requests instead of into the sink.
            NodeStats* stats = node.stats.get();
            auto f = std::make_unique<flow::function_node<BatchMessage, flow::continue_msg>>(
                g, flow::unlimited, [this, port, stats, i](const BatchMessage& m) {
                  return InBody([&] {
                    if (m.batch && m.origin && !run_.failed()) {
                      const int64_t rows = m.batch->num_rows();
                      stats->batches_in.fetch_add(1);
                      stats->rows_in.fetch_add(rows);
                      stats->batches_out.fetch_add(1);
                      stats->rows_out.fetch_add(rows);
                      accounting_->AddReached(m.source, i, rows);
                      port->Respond(m.seq, m.batch, *m.origin);
                    }
                    return flow::continue_msg();
                  });
                });
            im.in[k] = f.get();
            im.tbb_nodes.push_back(std::move(f));
            break;
          }
          im.executors[k] = std::make_unique<NodeExecutor>(&node, &run_, accounting_.get(), dead_letters_.get());
          NodeExecutor* ex_ptr = im.executors[k].get();
          auto f = std::make_unique<flow::function_node<BatchMessage, flow::continue_msg>>(
              g, flow::serial, [ex_ptr](const BatchMessage& m) {
                return InBody([&] {
                  ex_ptr->Write(m);
                  return flow::continue_msg();
                });
              });
          im.in[k] = f.get();
          if (node.ordered && CanSequence(*plan_, i)) {
            auto s = std::make_unique<flow::sequencer_node<BatchMessage>>(
                g, [](const BatchMessage& m) { return static_cast<size_t>(m.seq); });
            flow::make_edge(*s, *f);
            im.in[k] = s.get();
            im.tbb_nodes.push_back(std::move(s));
          } else if (node.ordered && !FedByMonitor(*plan_, i)) {
            LOG(WARNING) << "[" << plan_->pipeline << "/" << node.name
                         << "] input order cannot be kept: more than one source or path feeds this sink";
          }
          im.tbb_nodes.push_back(std::move(f));
          break;
        }
        case Role::kMonitor: {
          // Off the data path: the graph only offers batches to the monitor's worker.
          im.executors[k] = std::make_unique<NodeExecutor>(&node, &run_, accounting_.get(), dead_letters_.get());
          im.monitor_nodes.push_back(k);
          auto f = std::make_unique<flow::function_node<BatchMessage, flow::continue_msg>>(
              g, flow::unlimited, [&im, k](const BatchMessage& m) {
                return InBody([&] {
                  im.monitors[k]->Offer(m);
                  return flow::continue_msg();
                });
              });
          im.in[k] = f.get();
          im.tbb_nodes.push_back(std::move(f));
          break;
        }
      }
    }
    // Monitors' findings reach their alert sinks through the monitor's worker, not the graph.
    im.monitors.resize(n);
    for (size_t k : im.monitor_nodes) {
      std::vector<NodeExecutor*> sinks;
      for (int o : plan_->nodes[k]->outputs) sinks.push_back(im.executors[static_cast<size_t>(o)].get());
      im.monitors[k] = std::make_unique<MonitorWorker>(im.executors[k].get(), std::move(sinks),
                                                       plan_->nodes[k]->monitor_queue_batches);
    }
    for (size_t k = 0; k < n; ++k)
      for (int src : plan_->nodes[k]->inputs)
        if (im.out[static_cast<size_t>(src)] != nullptr) flow::make_edge(*im.out[static_cast<size_t>(src)], *im.in[k]);
    for (size_t k = 0; k < n; ++k)
      if (im.drivers[k] && !plan_->nodes[k]->info.aggregating && !read_inline) g.reserve_wait();
  });

  if (ex.commit_every_batches > 0) {
    im.committer = std::thread([this, &im, commit_round, acks_at_end] {
      EnsureSignalStack();
      std::unique_lock<std::mutex> l(im.commit_mu);
      // A source acked only at the end (it feeds a two-phase sink) still counts towards
      // the periodic commit — it flushes and syncs what the sinks hold, so a stream-mode
      // sink's reader sees committed rows — by what it finished since the last round.
      std::vector<int64_t> done_at_last_round(im.drivers.size(), 0);
      while (!im.stop_committer) {
        im.commit_cv.wait_for(l, std::chrono::milliseconds(200));
        if (im.stop_committer || run_.failed()) continue;
        int64_t pending = 0;
        std::vector<int64_t> done_now(im.drivers.size(), 0);
        for (size_t k = 0; k < im.drivers.size(); ++k) {
          if (!im.drivers[k]) continue;
          done_now[k] = im.drivers[k]->DoneNotAcked();
          pending += acks_at_end[k] ? done_now[k] - done_at_last_round[k] : done_now[k];
        }
        if (pending < plan_->exec.commit_every_batches) continue;
        l.unlock();
        commit_round(false);
        l.lock();
        done_at_last_round = done_now;
      }
    });
  }

  watcher_->Start();
  running_.store(true);
  std::vector<std::thread> pumps;
  for (size_t k = 0; k < n; ++k) {
    if (!im.drivers[k] || plan_->nodes[k]->info.aggregating) continue;
    auto* entry = static_cast<flow::broadcast_node<BatchMessage>*>(im.out[k]);
    if (read_inline) {
      im.drivers[k]->Pump([&](BatchMessage m) { im.Execute([&] { entry->try_put(m); im.graph->wait_for_all(); }); },
                          &im.on_done);
      continue;
    }
    pumps.emplace_back([&im, k, entry] {
      EnsureSignalStack();
      // try_put from outside the arena submits the successors' tasks to the graph's arena
      // and returns: the pump never waits for a slot in the arena (which, full, would have
      // it wait for a worker to take its call, batch by batch).
      im.drivers[k]->Pump([&](BatchMessage m) {
        TsanHandOffRelease();
        entry->try_put(m);
      }, &im.on_done);
      im.Execute([&] { im.graph->release_wait(); });
    });
  }
  im.Execute([&] { im.graph->wait_for_all(); });
  for (auto& t : pumps) t.join();
  // Each aggregate, in topological order, once everything upstream of it is through: a
  // phase of its own, after which the next one's input is complete too. A run drained
  // before its sources ended has seen only part of its input: its aggregates would be
  // wrong, and a dated run's output would stand for a whole date it has not read.
  bool partial_input = false;
  for (size_t k = 0; k < n; ++k)
    if (im.drivers[k] && !plan_->nodes[k]->info.aggregating && !im.drivers[k]->reached_end()) partial_input = true;
  if (!options_.run_date.empty() && partial_input && !run_.failed())
    run_.Fail(Status(Code::kCancelled, "the run for " + options_.run_date +
                                           " was stopped before its input ended; a dated run publishes all of its "
                                           "output or nothing, so nothing is published (re-run the date)"));
  for (size_t k : aggregates) {
    if (run_.failed()) break;
    if (partial_input) {
      run_.Fail(Status(Code::kCancelled, "the run was stopped before node \"" + plan_->nodes[k]->name +
                                             "\" saw all of its input; its aggregates would be partial, so "
                                             "nothing is published"));
      break;
    }
    auto* entry = static_cast<flow::broadcast_node<BatchMessage>*>(im.out[k]);
    im.Execute([&] { im.graph->reserve_wait(); });
    im.drivers[k]->Pump([&](BatchMessage m) { im.Execute([&] { entry->try_put(m); }); }, &im.on_done);
    im.Execute([&] { im.graph->release_wait(); });
    im.Execute([&] { im.graph->wait_for_all(); });
    if (!im.drivers[k]->reached_end() && !run_.failed())
      run_.Fail(Status(Code::kCancelled, "the run was stopped while node \"" + plan_->nodes[k]->name +
                                             "\" was emitting its result; nothing is published"));
  }
  running_.store(false);
  for (auto& d : im.drivers)
    if (d) d->WaitForInflight();
  data_path_ended_ = std::chrono::system_clock::now();
  watcher_->Stop();
  for (auto& s : im.shadows) s->Finish();

  if (im.committer.joinable()) {
    {
      std::lock_guard<std::mutex> l(im.commit_mu);
      im.stop_committer = true;
    }
    im.commit_cv.notify_all();
    im.committer.join();
  }
  // Monitors look at what waits for them (a drain skips it: the run should end soon),
  // then report their last window at close: close those with alert sinks first and hand
  // what they found to those sinks before the final commit.
  for (size_t k : im.monitor_nodes) im.monitors[k]->Finish(run_.stopping());
  for (size_t k : im.monitor_nodes) {
    PlannedNode& node = *plan_->nodes[k];
    if (!node.findings) continue;
    for (auto& inst : node.instances) {
      Status st = inst->Close();
      if (!st.ok()) LOG(WARNING) << "[" << plan_->pipeline << "/" << node.name << "] close: " << st.ToString();
    }
    im.monitors[k]->DeliverFindings();
  }
  // A server's refused rows were each answered as errors to their clients: its run is
  // not failed for them at the end (the serving metrics count them).
  if (!run_.failed() && options_.requests == nullptr) {
    Status budget = CheckDeadLetterBudget(*plan_, *accounting_);
    if (!budget.ok()) run_.Fail(budget);
  }
  if (!run_.failed()) commit_round(true);

  for (int i : plan_->topo_order) {
    PlannedNode& node = *plan_->nodes[static_cast<size_t>(i)];
    if (node.model) node.model->Current()->CloseOwned();
    if (node.shadow) {
      Status st = node.shadow->instance->Close();
      if (!st.ok()) LOG(WARNING) << "[" << plan_->pipeline << "/" << node.name << "] shadow close: " << st.ToString();
    }
    for (auto& inst : node.instances) {
      Status st = inst->Close();
      if (!st.ok()) {
        Status named = st.WithContext("node \"" + plan_->nodes[static_cast<size_t>(i)]->name + "\": close");
        if (plan_->nodes[static_cast<size_t>(i)]->info.role == Role::kSink) run_.Fail(named);
        else LOG(WARNING) << named.ToString();
      }
    }
  }
  ended_ = std::chrono::system_clock::now();
  if (!run_.failed() && !accounting_->Balanced())
    run_.Fail(Status(Code::kInternal, "row accounting does not balance: " + accounting_->ToJson().dump()));
  return run_.failed() ? run_.first_error() : Status::Ok();
}

}  // namespace trestle::core
