#include "exec/operator_instance.h"

#include <cstddef>

#include <glog/logging.h>

#include "exec/call_site.h"
#include "plugin/library.h"

#include "trestle/options.hpp"

namespace trestle::core {

namespace {

trestle::Options ToSdkOptions(const OptionValues& values) {
  trestle::Options o;
  for (const auto& [name, v] : values) {
    switch (v.type) {
      case ParamType::kBool: o.set(name, v.boolean); break;
      case ParamType::kInt: o.set(name, v.integer); break;
      case ParamType::kDouble: o.set(name, v.number); break;
      case ParamType::kString: o.set(name, v.string); break;
      case ParamType::kStringList: o.set(name, v.strings); break;
      case ParamType::kDoubleList: o.set(name, v.numbers); break;
      case ParamType::kStringMap: {
        trestle::StringMap m;
        for (const auto& [k, items] : v.map) m[k] = items;
        o.set(name, std::move(m));
        break;
      }
    }
  }
  return o;
}

// Imports an ArrowSchema the plugin filled, releasing it.
Result<trestle::Schema> TakeSchema(ArrowSchema* s) {
  try {
    trestle::Schema schema = trestle::Schema::import_from(s);
    if (s->release) s->release(s);
    return schema;
  } catch (const std::exception& e) {
    if (s->release) s->release(s);
    return Status(Code::kInternal, std::string("the operator returned an unusable schema: ") + e.what());
  }
}

// Imports an ArrowArray the plugin filled; the batch takes ownership.
Result<trestle::Batch> TakeBatch(ArrowArray* a, const trestle::Schema& schema) {
  try {
    return trestle::Batch::import_from(a, schema);
  } catch (const std::exception& e) {
    if (a->release) a->release(a);
    return Status(Code::kInternal, std::string("the operator returned an unusable batch: ") + e.what());
  }
}

// Calls into the plugin. An exception must never cross the C ABI; one that does (a C
// plugin's C++ helper, a bug in a trampoline) becomes INTERNAL here instead of unwinding
// through the engine.
template <typename Fn>
int32_t Call(CallContext& ctx, Fn&& fn) noexcept {
  std::string what;
  try {
    return fn();
  } catch (const std::exception& e) {
    what = e.what();
  } catch (...) {
    what = "an exception of unknown type";
  }
  const std::string msg = "the operator threw a C++ exception across the C ABI (a bug in the plugin): " + what;
  ctx.host()->api->set_error(ctx.host()->self, TRESTLE_INTERNAL, msg.c_str());
  return TRESTLE_INTERNAL;
}

}  // namespace

OperatorInstance::OperatorInstance(const RegisteredOperator& b, const NodeHost* node)
    : def_(b.def),
      library_(b.library),
      node_(node),
      where_("node \"" + node->node + "\" (operator " + b.info.name +
             (b.library ? ", plugin " + b.library->name() + " " + b.library->version() + ", " + b.library->path() : "") +
             ")") {}

Result<std::unique_ptr<OperatorInstance>> OperatorInstance::Make(const RegisteredOperator& binding,
                                                                 const OptionValues& options, const NodeHost* node) {
  std::unique_ptr<OperatorInstance> inst(new OperatorInstance(binding, node));
  trestle::OptionsTable table(ToSdkOptions(options));
  CallContext ctx(node);
  CallScope scope(inst->where_.c_str(), "create");
  int32_t rc = Call(ctx, [&] { return binding.def->lifecycle->create(table.get(), ctx.host(), &inst->instance_); });
  if (rc != TRESTLE_OK) {
    inst->instance_ = nullptr;
    return ctx.StatusOf(rc);
  }
  if (inst->instance_ == nullptr) return Status(Code::kInternal, "create() succeeded but returned no instance");
  return inst;
}

OperatorInstance::~OperatorInstance() {
  if (instance_ == nullptr) return;
  // close() is part of the contract even when no batch flowed (validate) or the run
  // failed (a sink without a final commit discards what it wrote), but only for an
  // instance whose open() succeeded: one that failed to open holds nothing to close and
  // may not be in a state where close() could run.
  Status st = Close();
  if (!st.ok()) LOG(WARNING) << "[" << node_->pipeline << "/" << node_->node << "] close: " << st.ToString();
  CallScope scope(where_.c_str(), "destroy");
  try {
    def_->lifecycle->destroy(instance_);
  } catch (...) {  // see Call(): nothing may unwind out of the plugin
    LOG(ERROR) << "[" << node_->pipeline << "/" << node_->node << "] destroy threw a C++ exception across the C ABI";
  }
}

Result<trestle::Schema> OperatorInstance::Open(const trestle::Schema* input) {
  ArrowSchema in{}, out{};
  if (input != nullptr) {
    input_ = *input;
    input->export_to(&in);
  }
  CallContext ctx(node_);
  CallScope scope(where_.c_str(), "open");
  int32_t rc = Call(ctx, [&] { return def_->lifecycle->open(instance_, ctx.host(), input ? &in : nullptr, &out); });
  if (in.release) in.release(&in);
  if (rc != TRESTLE_OK) {
    if (out.release) out.release(&out);
    return ctx.StatusOf(rc);
  }
  // From here on the operator holds whatever open() acquired: close() is owed.
  opened_ = true;
  if (def_->role == TRESTLE_ROLE_SINK || def_->role == TRESTLE_ROLE_MONITOR) {
    if (out.release) out.release(&out);
    output_ = input_;
    return output_;
  }
  if (out.release == nullptr) return Status(Code::kInternal, "open() returned no output schema");
  auto schema = TakeSchema(&out);
  if (schema.ok()) output_ = schema.value();
  return schema;
}

Result<trestle::Batch> OperatorInstance::Process(const trestle::Batch& input, CallContext& ctx) {
  ArrowArray in{}, out{};
  input.export_to(&in);
  CallScope scope(where_.c_str(), "process");
  int32_t rc = Call(ctx, [&] { return def_->process->process(instance_, ctx.host(), &in, &out); });
  if (in.release) in.release(&in);  // the plugin should have; release if it did not
  if (rc != TRESTLE_OK) {
    if (out.release) out.release(&out);
    return ctx.StatusOf(rc);
  }
  if (out.release == nullptr) return Status(Code::kInternal, "process() returned no batch");
  return TakeBatch(&out, output_);
}

// next() and finish() alike: a batch of at most `max_rows` rows, or end of stream.
Result<std::optional<trestle::Batch>> OperatorInstance::Pull(const char* call, int64_t max_rows, CallContext& ctx,
                                                             const PullFn& fn) {
  ArrowArray out{};
  int32_t eos = 0;
  CallScope scope(where_.c_str(), call);
  int32_t rc = Call(ctx, [&] { return fn(&out, &eos); });
  if (rc != TRESTLE_OK) {
    if (out.release) out.release(&out);
    return ctx.StatusOf(rc);
  }
  if (eos) {
    if (out.release) out.release(&out);
    return std::optional<trestle::Batch>();
  }
  if (out.release == nullptr)
    return Status(Code::kInternal, std::string(call) + "() returned neither a batch nor end of stream");
  auto b = TakeBatch(&out, output_);
  if (!b.ok()) return b.status();
  if (b->num_rows() > max_rows)
    return Status(Code::kInternal, std::string(call) + "() returned " + std::to_string(b->num_rows()) +
                                       " rows, more than the " + std::to_string(max_rows) + " asked for");
  return std::optional<trestle::Batch>(std::move(b).value());
}

Result<std::optional<trestle::Batch>> OperatorInstance::Next(int64_t max_rows, CallContext& ctx) {
  return Pull("next", max_rows, ctx, [&](ArrowArray* out, int32_t* eos) {
    return def_->source->next(instance_, ctx.host(), max_rows, out, eos);
  });
}

Result<std::optional<trestle::Batch>> OperatorInstance::Finish(int64_t max_rows, CallContext& ctx) {
  return Pull("finish", max_rows, ctx, [&](ArrowArray* out, int32_t* eos) {
    return def_->process->finish(instance_, ctx.host(), max_rows, out, eos);
  });
}

Status OperatorInstance::Ack(uint64_t seq) {
  CallContext ctx(node_);
  CallScope scope(where_.c_str(), "ack");
  return ctx.StatusOf(Call(ctx, [&] { return def_->source->ack(instance_, ctx.host(), seq); }));
}

Status OperatorInstance::Write(const trestle::Batch& batch, CallContext& ctx) {
  ArrowArray in{};
  batch.export_to(&in);
  CallScope scope(where_.c_str(), "write");
  int32_t rc = Call(ctx, [&] { return def_->sink->write(instance_, ctx.host(), &in); });
  if (in.release) in.release(&in);
  return ctx.StatusOf(rc);
}

Status OperatorInstance::Commit(bool final_commit) {
  CallContext ctx(node_);
  CallScope scope(where_.c_str(), "commit");
  return ctx.StatusOf(Call(ctx, [&] { return def_->sink->commit(instance_, ctx.host(), final_commit ? 1 : 0); }));
}

Status OperatorInstance::Publish() {
  CallContext ctx(node_);
  CallScope scope(where_.c_str(), "publish");
  return ctx.StatusOf(Call(ctx, [&] { return def_->sink->publish(instance_, ctx.host()); }));
}

Status OperatorInstance::Observe(const trestle::Batch& batch, CallContext& ctx) {
  ArrowArray in{};
  batch.export_to(&in);
  CallScope scope(where_.c_str(), "observe");
  int32_t rc = Call(ctx, [&] { return def_->monitor->observe(instance_, ctx.host(), &in); });
  if (in.release) in.release(&in);
  return ctx.StatusOf(rc);
}

Result<trestle::ModelInfo> OperatorInstance::DescribeModel() {
  trestle::ModelInfo info;
  const TrestleProcessFns* fns = def_->process;
  constexpr size_t kWants = offsetof(TrestleProcessFns, describe_model) + sizeof(fns->describe_model);
  if (fns == nullptr || fns->struct_size < kWants || fns->describe_model == nullptr) return info;
  TrestleModelInfo abi{};
  abi.struct_size = sizeof(TrestleModelInfo);
  CallContext ctx(node_);
  CallScope scope(where_.c_str(), "describe_model");
  int32_t rc = Call(ctx, [&] { return fns->describe_model(instance_, ctx.host(), &abi); });
  if (rc != TRESTLE_OK) return ctx.StatusOf(rc);
  if (abi.framework != nullptr) info.framework = abi.framework;
  if (abi.version != nullptr) info.version = abi.version;
  return info;
}

Status OperatorInstance::Close() {
  if (closed_ || !opened_) return Status::Ok();
  closed_ = true;
  CallContext ctx(node_);
  CallScope scope(where_.c_str(), "close");
  return ctx.StatusOf(Call(ctx, [&] { return def_->lifecycle->close(instance_, ctx.host()); }));
}

}  // namespace trestle::core
