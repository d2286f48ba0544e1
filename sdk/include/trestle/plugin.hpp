#pragma once
/// TRESTLE_PLUGIN(name, version, Op1, Op2, ...): the one registration point of a
/// plugin library. It defines the exported entry symbol, which builds the descriptor
/// on first call (no static initialisers) and keeps it until the library unloads, and
/// the C trampolines that call the operator classes and turn every exception into a
/// status code plus message.

#include <cstddef>
#include <exception>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "trestle/c/abi.h"
#include "trestle/operator.hpp"
#include "trestle/options.hpp"
#include "trestle/spec.hpp"

namespace trestle::detail {

inline void report_error(const TrestleHost* host, int32_t code, const std::string& msg) {
  if (host != nullptr && host->api != nullptr && host->api->set_error != nullptr)
    host->api->set_error(host->self, code, msg.c_str());
}

/// Runs fn; maps exceptions to a status code and reports their message to the host.
template <typename Fn>
int32_t guarded(const TrestleHost* host, Fn&& fn) noexcept {
  try {
    fn();
    return TRESTLE_OK;
  } catch (const Error& e) {
    report_error(host, e.code(), e.what());
    return e.code();
  } catch (const std::exception& e) {
    report_error(host, TRESTLE_INTERNAL, std::string("uncaught exception: ") + e.what());
  } catch (...) {
    report_error(host, TRESTLE_INTERNAL, "uncaught exception of unknown type");
  }
  return TRESTLE_INTERNAL;
}

template <typename T>
constexpr int32_t role_of() {
  if constexpr (std::is_base_of_v<DataSource, T>) return TRESTLE_ROLE_SOURCE;
  else if constexpr (std::is_base_of_v<Transform, T>) return TRESTLE_ROLE_TRANSFORM;
  else if constexpr (std::is_base_of_v<Model, T>) return TRESTLE_ROLE_MODEL;
  else if constexpr (std::is_base_of_v<Sink, T>) return TRESTLE_ROLE_SINK;
  else if constexpr (std::is_base_of_v<Monitor, T>) return TRESTLE_ROLE_MONITOR;
  else static_assert(sizeof(T) == 0, "an operator derives from one of the five role classes");
}

template <typename T>
struct Instance {
  std::unique_ptr<T> op;
  Schema input;
  Schema output;
  ModelInfo info;  // models: what describe_model last reported (owns its strings)
};

inline void check_output(const Batch& b, const Schema& declared, const char* what) {
  if (b.schema() != declared)
    throw Internal(std::string(what) + " returned a batch whose columns (" + b.schema().names_list() +
                   ") differ from the schema open() declared (" + declared.names_list() + ")");
}

template <typename T>
struct Trampolines {
  static Instance<T>* self(void* p) { return static_cast<Instance<T>*>(p); }

  static int32_t create(const TrestleOptions* options, const TrestleHost* host, void** out) {
    return guarded(host, [&] {
      auto op = std::make_unique<T>(Options::from_abi(options));
      *out = new Instance<T>{std::move(op), {}, {}, {}};
    });
  }
  static int32_t open(void* p, const TrestleHost* host, const ArrowSchema* in, ArrowSchema* out) {
    return guarded(host, [&] {
      Instance<T>* inst = self(p);
      if constexpr (role_of<T>() == TRESTLE_ROLE_SOURCE) {
        inst->output = inst->op->open();
        inst->output.export_to(out);
      } else if constexpr (role_of<T>() == TRESTLE_ROLE_TRANSFORM || role_of<T>() == TRESTLE_ROLE_MODEL) {
        inst->input = Schema::import_from(in);
        inst->output = inst->op->open(inst->input);
        inst->output.export_to(out);
      } else {
        inst->input = Schema::import_from(in);
        inst->op->open(inst->input);
      }
    });
  }
  static int32_t close(void* p, const TrestleHost* host) {
    return guarded(host, [&] {
      Context ctx(host);
      self(p)->op->close(ctx);
    });
  }
  static void destroy(void* p) noexcept {
    try {
      delete self(p);
    } catch (...) {  // a destructor that throws must not cross the boundary
    }
  }
  static int32_t next(void* p, const TrestleHost* host, int64_t max_rows, ArrowArray* out, int32_t* eos) {
    return guarded(host, [&] {
      Context ctx(host);
      Instance<T>* inst = self(p);
      std::optional<Batch> b = inst->op->next(max_rows, ctx);
      *eos = b ? 0 : 1;
      if (b) {
        check_output(*b, inst->output, "next()");
        b->export_to(out);
      }
    });
  }
  static int32_t ack(void* p, const TrestleHost* host, uint64_t seq) {
    return guarded(host, [&] {
      Context ctx(host);
      self(p)->op->ack(seq, ctx);
    });
  }
  static int32_t process(void* p, const TrestleHost* host, ArrowArray* in, ArrowArray* out) {
    return guarded(host, [&] {
      Context ctx(host);
      Instance<T>* inst = self(p);
      Batch input = Batch::import_from(in, inst->input);
      Batch result;
      if constexpr (role_of<T>() == TRESTLE_ROLE_MODEL) result = inst->op->predict(std::move(input), ctx);
      else result = inst->op->process(std::move(input), ctx);
      check_output(result, inst->output, "process()");
      result.export_to(out);
    });
  }
  static int32_t finish(void* p, const TrestleHost* host, int64_t max_rows, ArrowArray* out, int32_t* eos) {
    return guarded(host, [&] {
      Context ctx(host);
      Instance<T>* inst = self(p);
      std::optional<Batch> b = inst->op->finish(max_rows, ctx);
      *eos = b ? 0 : 1;
      if (b) {
        check_output(*b, inst->output, "finish()");
        b->export_to(out);
      }
    });
  }
  static int32_t describe_model(void* p, const TrestleHost* host, TrestleModelInfo* info) {
    return guarded(host, [&] {
      Instance<T>* inst = self(p);
      inst->info = inst->op->info();
      constexpr size_t kWants = offsetof(TrestleModelInfo, version) + sizeof(info->version);
      if (info == nullptr || info->struct_size < kWants) return;
      info->framework = inst->info.framework.c_str();
      info->version = inst->info.version.c_str();
    });
  }
  static int32_t write(void* p, const TrestleHost* host, ArrowArray* in) {
    return guarded(host, [&] {
      Context ctx(host);
      Instance<T>* inst = self(p);
      inst->op->write(Batch::import_from(in, inst->input), ctx);
    });
  }
  static int32_t commit(void* p, const TrestleHost* host, int32_t final_commit) {
    return guarded(host, [&] {
      Context ctx(host);
      self(p)->op->commit(final_commit != 0, ctx);
    });
  }
  static int32_t publish(void* p, const TrestleHost* host) {
    return guarded(host, [&] {
      Context ctx(host);
      self(p)->op->publish(ctx);
    });
  }
  /// Whether T publishes in two phases: it overrides Sink::publish.
  static constexpr bool two_phase() {
    if constexpr (role_of<T>() == TRESTLE_ROLE_SINK)
      return !std::is_same_v<decltype(&T::publish), void (Sink::*)(Context&)>;
    else
      return false;
  }
  static int32_t observe(void* p, const TrestleHost* host, ArrowArray* in) {
    return guarded(host, [&] {
      Context ctx(host);
      Instance<T>* inst = self(p);
      inst->op->observe(Batch::import_from(in, inst->input), ctx);
    });
  }
};

/// One operator's spec laid out as ABI tables; owns every string they point to.
class CompiledOperator {
 public:
  template <typename T>
  static std::unique_ptr<CompiledOperator> make() {
    auto c = std::unique_ptr<CompiledOperator>(new CompiledOperator(T::spec()));
    using Tr = Trampolines<T>;
    c->lifecycle_ = {sizeof(TrestleLifecycleFns), &Tr::create, &Tr::open, &Tr::close, &Tr::destroy};
    c->def_.role = role_of<T>();
    if constexpr (role_of<T>() == TRESTLE_ROLE_SOURCE) {
      c->source_ = {sizeof(TrestleSourceFns), &Tr::next, &Tr::ack};
      c->def_.source = &c->source_;
    } else if constexpr (role_of<T>() == TRESTLE_ROLE_MODEL) {
      c->process_ = {sizeof(TrestleProcessFns), &Tr::process, &Tr::describe_model, nullptr};
      c->def_.process = &c->process_;
    } else if constexpr (role_of<T>() == TRESTLE_ROLE_TRANSFORM) {
      const bool aggregating = (c->spec_.flags() & TRESTLE_OP_AGGREGATE) != 0;
      c->process_ = {sizeof(TrestleProcessFns), &Tr::process, nullptr, aggregating ? &Tr::finish : nullptr};
      c->def_.process = &c->process_;
    } else if constexpr (role_of<T>() == TRESTLE_ROLE_SINK) {
      c->sink_ = {sizeof(TrestleSinkFns), &Tr::write, &Tr::commit, Tr::two_phase() ? &Tr::publish : nullptr};
      c->def_.sink = &c->sink_;
    } else {
      c->monitor_ = {sizeof(TrestleMonitorFns), &Tr::observe};
      c->def_.monitor = &c->monitor_;
    }
    return c;
  }
  CompiledOperator(const CompiledOperator&) = delete;
  CompiledOperator& operator=(const CompiledOperator&) = delete;

  const TrestleOperatorDef* def() const { return &def_; }
  const OperatorSpec& spec() const { return spec_; }

 private:
  explicit CompiledOperator(OperatorSpec spec) : spec_(std::move(spec)) {
    const auto& ps = spec_.params();
    defaults_.reserve(ps.size());
    enums_.resize(ps.size());
    params_.resize(ps.size());
    for (size_t i = 0; i < ps.size(); ++i) {
      const ParamDecl& d = ps[i];
      TrestleParamSpec& p = params_[i];
      p.struct_size = sizeof(TrestleParamSpec);
      p.name = d.name.c_str();
      p.doc = d.doc.c_str();
      p.type = d.type;
      p.flags = (d.required ? TRESTLE_PARAM_REQUIRED : 0) | (d.secret ? TRESTLE_PARAM_SECRET : 0) |
                (d.min ? TRESTLE_PARAM_HAS_MIN : 0) | (d.max ? TRESTLE_PARAM_HAS_MAX : 0) |
                (d.default_value ? TRESTLE_PARAM_HAS_DEFAULT : 0) | (d.output_path ? TRESTLE_PARAM_OUTPUT_PATH : 0) |
                (d.input_path ? TRESTLE_PARAM_INPUT_PATH : 0);
      defaults_.push_back(d.default_value ? to_json(*d.default_value) : std::string());
      p.default_value = d.default_value ? defaults_.back().c_str() : nullptr;
      p.min = d.min.value_or(0);
      p.max = d.max.value_or(0);
      for (const auto& e : d.enum_values) enums_[i].push_back(e.c_str());
      p.enum_values = enums_[i].empty() ? nullptr : enums_[i].data();
      p.num_enum_values = enums_[i].size();
    }
    for (auto& p : params_) param_ptrs_.push_back(&p);
    def_.struct_size = sizeof(TrestleOperatorDef);
    def_.name = spec_.name().c_str();
    def_.doc = spec_.doc().c_str();
    def_.threading = spec_.threading();
    def_.flags = spec_.flags();
    def_.params = param_ptrs_.data();
    def_.num_params = param_ptrs_.size();
    def_.input_doc = spec_.input_doc().empty() ? nullptr : spec_.input_doc().c_str();
    def_.output_doc = spec_.output_doc().empty() ? nullptr : spec_.output_doc().c_str();
    def_.lifecycle = &lifecycle_;
  }

  OperatorSpec spec_;
  std::vector<std::string> defaults_;
  std::vector<std::vector<const char*>> enums_;
  std::vector<TrestleParamSpec> params_;
  std::vector<const TrestleParamSpec*> param_ptrs_;
  TrestleLifecycleFns lifecycle_{};
  TrestleSourceFns source_{};
  TrestleProcessFns process_{};
  TrestleSinkFns sink_{};
  TrestleMonitorFns monitor_{};
  TrestleOperatorDef def_{};
};

/// The descriptor of a whole plugin; built once by the entry symbol.
class PluginHolder {
 public:
  template <typename... Ops>
  static PluginHolder make(const char* name, const char* version) noexcept {
    PluginHolder h(name, version);
    try {
      (h.ops_.push_back(CompiledOperator::make<Ops>()), ...);
      for (const auto& op : h.ops_) h.defs_.push_back(op->def());
    } catch (const std::exception& e) {
      h.error_ = std::string("describing the plugin failed: ") + e.what();
    } catch (...) {
      h.error_ = "describing the plugin failed with an unknown exception";
    }
    return h;
  }
  /// Valid while this holder lives (the library's lifetime: it is a function static).
  const TrestlePluginDescriptor* descriptor() {
    desc_.struct_size = sizeof(TrestlePluginDescriptor);
    desc_.abi_major = TRESTLE_ABI_MAJOR;
    desc_.abi_minor = TRESTLE_ABI_MINOR;
    desc_.name = name_.c_str();
    desc_.version = version_.c_str();
    desc_.operators = defs_.data();
    desc_.num_operators = defs_.size();
    desc_.error = error_.empty() ? nullptr : error_.c_str();
    return &desc_;
  }

 private:
  PluginHolder(const char* name, const char* version) : name_(name), version_(version) {}
  std::string name_, version_, error_;
  std::vector<std::unique_ptr<CompiledOperator>> ops_;
  std::vector<const TrestleOperatorDef*> defs_;
  TrestlePluginDescriptor desc_{};
};

}  // namespace trestle::detail

#define TRESTLE_PLUGIN(NAME, VERSION, ...)                                                          \
  extern "C" __attribute__((visibility("default"))) const TrestlePluginDescriptor* TRESTLE_PLUGIN_ENTRY( \
      uint32_t, uint32_t) {                                                                          \
    static ::trestle::detail::PluginHolder holder =                                                  \
        ::trestle::detail::PluginHolder::make<__VA_ARGS__>(NAME, VERSION);                           \
    return holder.descriptor();                                                                      \
  }
