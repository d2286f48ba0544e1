#include "group_aggregate.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <utility>

#include "quantile_sketch.hpp"
#include "value_codec.hpp"

namespace trestle_aggregate {
namespace {

std::string default_spill_parent() {
  const char* t = std::getenv("TMPDIR");
  return t != nullptr && *t != '\0' ? t : "/tmp";
}

}  // namespace

trestle::OperatorSpec GroupAggregate::spec() {
  return trestle::OperatorSpec(
             "group_aggregate",
             "Groups rows by the `by` columns and computes aggregates per group: one output row per group, sorted by "
             "key (each key column ascending, nulls first; strings by UTF-8 bytes; floats numerically with -0.0 = 0.0 "
             "and NaN last, every NaN one group; false before true). Null is a group of its own. An aggregating "
             "transform: it emits its rows after all input. Within `memory_budget` the groups live in a hash table; "
             "beyond it, partial aggregates are sorted and spilled to run files in a private directory under "
             "`spill_dir`, which are merged at the end (in passes of 64 runs while there are more). Every merge is "
             "exact, so the result does not depend on the budget: a spilling run gives bit-identical rows. Peak memory "
             "stays within the budget plus an overhead: a 256 KiB write buffer while spilling; while merging, 64 KiB "
             "per run merged at once (at most 64: 4 MiB) plus one group's state; plus the output batch being built.")
      .param<trestle::StringList>("by", "group key columns (at least one, any type)")
      .required()
      .param<trestle::StringMap>(
          "aggregates",
          "output column -> [function, column, argument]: [count] counts rows, [count, c] counts non-null values of c; "
          "[sum, c], [mean, c] (numeric c; bool counts as 0/1; exact sums, correctly rounded; NaN or both infinities "
          "give NaN); [min, c], [max, c] (any type, output has c's type); [count_distinct, c] (exact, nulls not "
          "counted); [quantile, c, \"0.9\"] (q in [0, 1], from a quantile sketch of c's finite values, within "
          "relative_accuracy); [share_above, c, \"0.5\"] (share of c's non-null values > the threshold). Value "
          "aggregates ignore nulls; a group without values gives null for mean, min, max, quantile and share_above, "
          "0 for sum and count. Output: the `by` columns, then these columns sorted by name (byte order), since the "
          "option map does not keep the order it was written in. count and count_distinct are int64, sum, mean, "
          "quantile and share_above float64")
      .required()
      .param<std::string>("memory_budget",
                          "memory for the group table before it spills to disk: bytes (\"268435456\") or a size with a "
                          "unit (B, KiB, MiB, GiB, or kB, MB, GB); at least 1KiB",
                          std::string("256MiB"))
      .param<double>("relative_accuracy",
                     "relative error bound of the quantile sketches: a quantile is within this fraction of the true "
                     "value's magnitude",
                     trestle_support::QuantileSketch::kDefaultRelativeAccuracy)
      .range(1e-6, 0.5)
      .param<std::string>("spill_dir",
                          "directory under which a private spill directory (trestle-aggregate-<pid>-XXXXXX) is "
                          "created on the first spill and removed at close (one left by a killed process is removed by "
                          "the next spill under the same directory); empty: $TMPDIR, else /tmp",
                          std::string(""))
      .input_doc("the `by` columns (any type) and the columns the aggregates name (numeric for sum, mean, quantile, "
                 "share_above)")
      .output_doc("one row per group: the `by` columns, then the aggregate columns in name order")
      .aggregating()
      .serial();
}

GroupAggregate::GroupAggregate(const trestle::Options& o)
    : plan_(AggregatePlan::parse(o.get<trestle::StringList>("by"), o.get<trestle::StringMap>("aggregates"))),
      spill_(o.get_or<std::string>("spill_dir", "").empty() ? default_spill_parent() : o.get<std::string>("spill_dir")) {
  const int64_t budget = parse_byte_size(o.get_or<std::string>("memory_budget", "256MiB"));
  if (budget < kMinBudget)
    throw trestle::InvalidArgument("option \"memory_budget\": " + std::to_string(budget) + " bytes is below the minimum of 1KiB");
  budget_ = static_cast<size_t>(budget);
  relative_accuracy_ = o.get_or<double>("relative_accuracy", trestle_support::QuantileSketch::kDefaultRelativeAccuracy);
  if (!(relative_accuracy_ >= 1e-6 && relative_accuracy_ <= 0.5))
    throw trestle::InvalidArgument("option \"relative_accuracy\": " + std::to_string(relative_accuracy_) + " is outside [1e-6, 0.5]");
  const std::string dir = o.get_or<std::string>("spill_dir", "");
  if (!dir.empty()) {
    struct stat st {};
    if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
      throw trestle::InvalidArgument("option \"spill_dir\": \"" + dir + "\" is not an existing directory");
    if (::access(dir.c_str(), W_OK | X_OK) != 0)
      throw trestle::InvalidArgument("option \"spill_dir\": directory \"" + dir + "\" is not writable");
  }
}

GroupAggregate::~GroupAggregate() {
  merger_.reset();  // closes the run files before their directory goes
  spill_.remove();
}

trestle::Schema GroupAggregate::open(const trestle::Schema& input) {
  output_ = plan_.bind(input);
  table_ = std::make_unique<GroupTable>(plan_.accs, relative_accuracy_);
  gids_.resize(static_cast<size_t>(kChunkRows));
  return output_;
}

trestle::Batch GroupAggregate::process(trestle::Batch input, trestle::Context& ctx) {
  if (phase_ != Phase::Absorbing) throw trestle::Internal("group_aggregate: process() after finish()");
  const int64_t rows = input.num_rows();
  std::vector<const trestle::Column*> keys;
  for (int i : plan_.by_index) keys.push_back(&input.column(static_cast<size_t>(i)));
  int64_t r = 0;
  while (r < rows) {
    const int64_t begin = r, end = std::min(rows, r + kChunkRows);
    bool full = false;
    for (; r < end; ++r) {
      key_.clear();
      for (const auto* c : keys) encode_value(*c, r, key_);
      const int64_t g = table_->find_or_add(key_, budget_);
      if (g < 0) {
        full = true;
        break;
      }
      gids_[static_cast<size_t>(r - begin)] = static_cast<uint32_t>(g);
    }
    table_->states().update(input, gids_.data(), begin, r);
    const size_t bytes = table_->bytes();
    stats_.peak_table_bytes = std::max(stats_.peak_table_bytes, bytes);
    stats_.groups_in_memory_peak = std::max<uint64_t>(stats_.groups_in_memory_peak, table_->size());
    if (full || bytes > budget_) spill(ctx);
  }
  return trestle::Batch::empty(output_);
}

void GroupAggregate::spill(trestle::Context& ctx) {
  if (table_->size() == 0) return;
  const std::vector<uint32_t> order = table_->sorted();
  GroupStates& states = table_->states();
  states.prepare_write();
  RunWriter w(spill_.new_file("run"));
  for (uint32_t g : order) {
    w.bytes(table_->key(g));
    states.write(g, w);
  }
  w.finish();
  if (stats_.spills == 0)
    ctx.info("group_aggregate: the group table passed memory_budget (" + std::to_string(budget_) +
             " bytes); spilling sorted partial aggregates to " + spill_.path());
  runs_.push_back(w.path());
  ++stats_.spills;
  stats_.spilled_bytes += w.bytes_written();
  ctx.count("spills");
  ctx.count("spilled_bytes", static_cast<double>(w.bytes_written()));
  table_->clear();
}

void GroupAggregate::start_output(trestle::Context& ctx) {
  if (runs_.empty()) {
    order_ = table_->sorted();
    phase_ = Phase::InMemory;
    return;
  }
  spill(ctx);  // the remainder becomes the last run, so the merge runs without the table
  merged_ = std::make_unique<GroupStates>(plan_.accs, relative_accuracy_);
  while (runs_.size() > kMaxFanIn) {
    std::vector<std::string> batch(runs_.begin(), runs_.begin() + kMaxFanIn);
    RunMerger m(batch);
    RunWriter w(spill_.new_file("merged"));
    while (m.next(*merged_, key_)) {
      w.bytes(key_);
      merged_->prepare_write();
      merged_->write(0, w);
    }
    w.finish();
    for (const auto& p : batch) ::unlink(p.c_str());
    runs_.erase(runs_.begin(), runs_.begin() + kMaxFanIn);
    runs_.push_back(w.path());
    ++stats_.merge_passes;
    ctx.count("merge_passes");
  }
  merger_ = std::make_unique<RunMerger>(runs_);
  phase_ = Phase::Merging;
}

std::vector<trestle::ColumnBuilder> GroupAggregate::builders() const {
  std::vector<trestle::ColumnBuilder> b;
  for (const auto& f : output_.fields()) b.emplace_back(f.type);
  return b;
}

void GroupAggregate::emit_key(const std::string& key, std::vector<trestle::ColumnBuilder>& b) const {
  std::string_view v = key;
  for (size_t i = 0; i < plan_.by_types.size(); ++i) decode_value(v, plan_.by_types[i], b[i]);
}

std::optional<trestle::Batch> GroupAggregate::finish(int64_t max_rows, trestle::Context& ctx) {
  if (phase_ == Phase::Absorbing) start_output(ctx);
  if (phase_ == Phase::Done) return std::nullopt;
  max_rows = std::max<int64_t>(1, max_rows);
  std::vector<trestle::ColumnBuilder> b = builders();
  int64_t rows = 0;
  if (phase_ == Phase::InMemory) {
    for (; rows < max_rows && next_ < order_.size(); ++rows, ++next_) {
      const uint32_t g = order_[next_];
      emit_key(table_->key(g), b);
      table_->states().emit(g, plan_.outputs, b, plan_.by.size());
    }
  } else {
    for (; rows < max_rows && merger_->next(*merged_, key_); ++rows) {
      emit_key(key_, b);
      merged_->emit(0, plan_.outputs, b, plan_.by.size());
    }
  }
  if (rows == 0) {
    phase_ = Phase::Done;
    table_->clear();
    merger_.reset();
    merged_.reset();
    spill_.remove();
    return std::nullopt;
  }
  std::vector<trestle::Column> cols;
  for (auto& x : b) cols.push_back(x.finish());
  return trestle::Batch(output_, std::move(cols));
}

void GroupAggregate::close(trestle::Context&) {
  merger_.reset();
  spill_.remove();
}

}  // namespace trestle_aggregate
