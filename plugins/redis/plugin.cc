// The redis plugin: redis_stream_source, redis_stream_sink and redis_hash_sink on
// hiredis. Registration only.
//
// Why hiredis 0.14 (Debian's libhiredis-dev): it is the C client Redis itself ships,
// small, with no exceptions to keep from the C boundary, and its pipelining
// (redisAppendCommandArgv + redisGetReply) is all the sinks need. Its synchronous API is
// enough because every operator is called one call at a time and waits only as long as
// a BLOCK or command_timeout_ms allows. It has no TLS (hiredis_ssl came with 1.0), which
// the tls option says at validate time.
#include <trestle/sdk.hpp>

#include "hash_sink.h"
#include "stream_sink.h"
#include "stream_source.h"

TRESTLE_PLUGIN("redis", "1.0.0", trestle_redis::StreamSource, trestle_redis::StreamSink, trestle_redis::HashSink)
