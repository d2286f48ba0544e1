#include "csv_chunk_parser.h"

#include <utility>

#include "csv_reader.h"

namespace trestle_io {

CsvChunkRows parse_csv_chunk(CsvChunk& chunk, char delimiter, const CsvRowConverter& converter,
                             int64_t expected_rows) {
  CsvChunkRows out;
  out.offset = chunk.offset;
  const size_t size = chunk.size;
  CsvReader reader(delimiter);
  reader.open_buffer(std::move(chunk.bytes), size, chunk.last);
  struct GiveBack {  // the buffer goes back to the chunk however parsing ends
    CsvReader& reader;
    CsvChunk& chunk;
    ~GiveBack() { chunk.bytes = reader.release_buffer(); }
  } give_back{reader, chunk};
  std::vector<trestle::ColumnBuilder> builders = converter.make_builders();
  for (auto& b : builders) b.reserve(expected_rows);
  std::vector<CsvRowConverter::Cell> cells = converter.make_cells();
  CsvRecord rec;
  std::string reason;
  int64_t blanks_seen = 0;
  for (;;) {
    const bool got = reader.next(&rec);
    // Blank lines skipped on the way to this record (or to the end) come before it.
    if (reader.blank_lines() > blanks_seen) {
      const int64_t n = reader.blank_lines() - blanks_seen;
      if (!out.blanks.empty() && out.blanks.back().rows_before == out.rows) out.blanks.back().count += n;
      else out.blanks.push_back({out.rows, n});
      blanks_seen = reader.blank_lines();
    }
    if (!got) break;
    if (converter.accept(rec, cells, &reason)) {
      converter.append(cells, builders);
      ++out.rows;
    } else {
      out.rejects.push_back({out.rows, rec.line, std::string(rec.raw), reason});
    }
  }
  out.parsed_bytes = static_cast<size_t>(reader.offset());
  out.line_ends = reader.line() - 1;
  out.ended_at_cut = out.parsed_bytes == size;
  out.columns.reserve(builders.size());
  for (auto& b : builders) out.columns.push_back(b.finish());
  return out;
}

}  // namespace trestle_io
