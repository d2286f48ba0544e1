#include "jsonl_sink.h"

#include "row_format.h"

namespace trestle_io {

trestle::OperatorSpec JsonlSink::spec() {
  return trestle::OperatorSpec("jsonl_sink",
                               "Writes rows as JSON objects, one per line, keys in column order; nulls and "
                               "NaN/Inf as null. Output goes to <path>.tmp-<pid> and is renamed over path once "
                               "every sink of a successful run has committed; a failed run leaves no file at path "
                               "(mode: stream writes in place instead).")
      .param<std::string>("path", "JSONL file to write (parent directories are created)").required().output_path()
      .param<std::string>("mode",
                          "atomic: write <path>.tmp-<pid> and rename it over path when the run succeeds (path must be "
                          "absent or a regular file); stream: write into path itself as rows come (a FIFO, a device, a "
                          "file another program follows), nothing atomic",
                          std::string("atomic"))
      .one_of({"atomic", "stream"})
      .input_doc("any columns")
      .ordered_input()
      .serial();
}

JsonlSink::JsonlSink(const trestle::Options& o)
    : file_(o.get<std::string>("path"), trestle_support::parse_write_mode(o.get_or<std::string>("mode", "atomic"))) {
  if (file_.path().empty()) throw trestle::InvalidArgument("option \"path\" must not be empty");
}

void JsonlSink::open(const trestle::Schema&) { file_.check_writable("option \"path\""); }

void JsonlSink::write(const trestle::Batch& batch, trestle::Context& ctx) {
  if (file_.published()) throw trestle::Internal("jsonl_sink: write() after the final commit");
  file_.create();
  file_.flush_if_full();  // before appending: a retried write must not duplicate rows
  trestle_support::JsonStats stats;
  append_jsonl_rows(file_.buffer(), batch, 0, batch.num_rows(), &stats);
  if (stats.non_finite > 0) ctx.count("non_finite_as_null", static_cast<double>(stats.non_finite));
  if (stats.invalid_utf8 > 0) ctx.count("invalid_utf8_replaced", static_cast<double>(stats.invalid_utf8));
}

void JsonlSink::commit(bool final_commit, trestle::Context&) {
  if (file_.published()) return;
  file_.create();
  if (final_commit) file_.prepare();
  else file_.sync();
}

void JsonlSink::publish(trestle::Context&) { file_.publish(); }

void JsonlSink::close(trestle::Context&) { file_.discard(); }

}  // namespace trestle_io
