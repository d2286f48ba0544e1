// The postgres plugin: postgres_source and postgres_sink on libpq. Registration only.
//
// Why libpq and not libpqxx: libpq's asynchronous calls (PQsendQuery*, PQconsumeInput,
// PQsocket with poll) let every call wait against a deadline and the host's
// cancellation (ctx.cancelled()) instead of blocking a thread; PQcancel cancels a query
// past its deadline on the server; PQputCopyData streams COPY FROM STDIN batch by
// batch; it is C, so no exception of a library crosses into the plugin's C boundary;
// and it is one dependency fewer (libpqxx would sit on top of libpq anyway).
#include <trestle/sdk.hpp>

#include "postgres_sink.h"
#include "postgres_source.h"

TRESTLE_PLUGIN("postgres", "1.0.0", trestle_pg::PostgresSource, trestle_pg::PostgresSink)
