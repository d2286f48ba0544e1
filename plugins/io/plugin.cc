// The io plugin: file sources and sinks. Registration only; each operator has its file.
#include <trestle/sdk.hpp>

#include "csv_sink.h"
#include "csv_source.h"
#include "jsonl_sink.h"
#include "jsonl_source.h"
#include "stdout_sink.h"

TRESTLE_PLUGIN("io", "1.0.0", trestle_io::CsvSource, trestle_io::JsonlSource, trestle_io::CsvSink,
               trestle_io::JsonlSink, trestle_io::StdoutSink)
