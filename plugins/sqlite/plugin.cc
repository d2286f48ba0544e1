// The sqlite plugin: sqlite_source and sqlite_sink over the system's SQLite 3.
// Registration only; each operator has its file.
#include <trestle/sdk.hpp>

#include "sqlite_sink.h"
#include "sqlite_source.h"

TRESTLE_PLUGIN("sqlite", "1.0.0", trestle_sqlite::SqliteSource, trestle_sqlite::SqliteSink)
