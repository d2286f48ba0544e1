#include "jsonl_sink.h"

#include "row_format.h"

namespace trestle_io {

trestle::OperatorSpec JsonlSink::spec() {
  return trestle::OperatorSpec("jsonl_sink",
                               "Writes rows as JSON objects, one per line, keys in column order; nulls and "
                               "NaN/Inf as null. Output goes to <path>.tmp-<pid> and is renamed over path at "
                               "the final commit of a successful run; a failed run leaves no file at path.")
      .param<std::string>("path", "JSONL file to write (parent directories are created)").required()
      .input_doc("any columns")
      .ordered_input()
      .serial();
}

JsonlSink::JsonlSink(const trestle::Options& o) : file_(o.get<std::string>("path")) {
  if (file_.path().empty()) throw trestle::InvalidArgument("option \"path\" must not be empty");
}

void JsonlSink::open(const trestle::Schema&) { file_.check_writable(); }

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
  if (final_commit) file_.publish();
  else file_.sync();
}

void JsonlSink::close(trestle::Context&) { file_.discard(); }

}  // namespace trestle_io
