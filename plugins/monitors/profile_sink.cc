#include "profile_sink.hpp"

namespace monitors {

trestle::OperatorSpec ProfileSink::spec() {
  return trestle::OperatorSpec("profile_sink",
                               "Computes a reference profile of every row it receives (per column: type, null share, NaN/Inf "
                               "counts; numeric min, max, mean, variance, quantile sketch and histogram; categorical value "
                               "frequencies) and writes it as JSON to path at the final commit of a successful run, "
                               "atomically. Profiles are what schema_monitor, drift_monitor and prediction_monitor compare "
                               "windows against (docs/monitors.md).")
      .param<std::string>("path", "profile file to write (parent directories are created)")
      .required()
      .output_path()
      .param<trestle::StringList>("categorical",
                                  "int32/int64 columns to profile as categorical (value frequencies) instead of numeric; "
                                  "utf8 and bool columns always are",
                                  trestle::StringList{})
      .param<double>("relative_accuracy",
                     "relative error bound of the numeric quantile sketch: a quantile is within this fraction of the true "
                     "value",
                     QuantileSketch::kDefaultRelativeAccuracy)
      .range(1e-6, 0.5)
      .param<int64_t>("max_buckets",
                      "buckets per sign of the quantile sketch (memory bound; beyond, the smallest magnitudes fold "
                      "together)",
                      int64_t{QuantileSketch::kDefaultMaxBuckets})
      .range(16, 1 << 20)
      .param<int64_t>("max_categories",
                      "distinct values kept per categorical column; the least frequent beyond fold into other_count",
                      int64_t{10000})
      .min(1)
      .input_doc("any columns")
      .output_doc("the profile file at path; nothing downstream")
      .serial();
}

ProfileSink::ProfileSink(const trestle::Options& o) : file_(o.get<std::string>("path")) {
  if (file_.path().empty()) throw trestle::InvalidArgument("option \"path\" must not be empty");
  for (const auto& c : o.get_or<trestle::StringList>("categorical", {})) options_.categorical.insert(c);
  options_.relative_accuracy = o.get_or<double>("relative_accuracy", QuantileSketch::kDefaultRelativeAccuracy);
  options_.max_buckets = static_cast<int32_t>(o.get_or<int64_t>("max_buckets", QuantileSketch::kDefaultMaxBuckets));
  options_.max_categories = o.get_or<int64_t>("max_categories", 10000);
  if (!(options_.relative_accuracy > 0 && options_.relative_accuracy < 1))
    throw trestle::InvalidArgument("option \"relative_accuracy\" must be in (0, 1)");
  if (options_.max_buckets < 16) throw trestle::InvalidArgument("option \"max_buckets\" must be at least 16");
  if (options_.max_categories < 1) throw trestle::InvalidArgument("option \"max_categories\" must be at least 1");
}

void ProfileSink::open(const trestle::Schema& input) {
  file_.check_writable("option \"path\"");
  builder_ = std::make_unique<ProfileBuilder>(input, options_);
}

void ProfileSink::write(const trestle::Batch& batch, trestle::Context&) {
  if (written_) throw trestle::Internal("profile_sink: write() after the final commit");
  builder_->add(batch);
}

void ProfileSink::commit(bool final_commit, trestle::Context& ctx) {
  if (!final_commit || written_) return;
  const Profile p = builder_->finish();
  file_.buffer() = to_json(p);
  file_.prepare();
  written_ = true;
  ctx.info("profile of " + std::to_string(p.rows) + " rows and " + std::to_string(p.columns.size()) + " columns written to " +
           file_.path());
}

void ProfileSink::publish(trestle::Context&) { file_.publish(); }

void ProfileSink::close(trestle::Context&) { file_.discard(); }

}  // namespace monitors
