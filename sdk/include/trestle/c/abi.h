/* Trestle plugin ABI: the only boundary between the runtime and a plugin library.
 *
 * Pure C, standard headers only, so that a plugin built with any compiler, standard
 * library or _GLIBCXX_USE_CXX11_ABI setting loads into any runtime of the same ABI
 * major version.
 *
 * Stability rules
 *  - A library is loaded when its ABI major equals the host's and its minor is not
 *    newer than the host's.
 *  - Every struct that may grow begins with `struct_size` (the size the producer
 *    compiled against) and only ever grows at its end. A reader checks struct_size
 *    before touching a field added after ABI 1.0.
 *  - Arrays of growable structs are arrays of pointers, so the element stride never
 *    depends on the struct's size.
 *  - Nothing C++ crosses: no exceptions, no STL types. Errors cross as a status code
 *    plus a UTF-8 message that the host copies before the call returns.
 *
 * Ownership rules (they follow the Arrow C Data Interface)
 *  - A `struct ArrowArray*` handed *to* an operator is moved: the operator owns it and
 *    must call its `release` callback when done (it may keep it past the call).
 *  - A `struct ArrowArray*` or `struct ArrowSchema*` filled *by* an operator is moved
 *    to the host, which releases it.
 *  - `const struct ArrowSchema*` inputs are borrowed for the duration of the call.
 *  - Every `const char*` passed in either direction is borrowed for the duration of
 *    the call unless the field's comment says otherwise.
 *  - Strings and tables inside a plugin descriptor stay valid until the library is
 *    unloaded.
 */
#ifndef TRESTLE_C_ABI_H_
#define TRESTLE_C_ABI_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TRESTLE_ABI_MAJOR 1
#define TRESTLE_ABI_MINOR 3

/* The one symbol a plugin library exports. Its type is TrestlePluginEntryFn. */
#define TRESTLE_PLUGIN_ENTRY trestle_plugin_entry_v1
#define TRESTLE_PLUGIN_ENTRY_NAME "trestle_plugin_entry_v1"

/* ---- Arrow C Data Interface (from the public Arrow specification) ---------------- */
#ifndef ARROW_C_DATA_INTERFACE
#define ARROW_C_DATA_INTERFACE

#define ARROW_FLAG_DICTIONARY_ORDERED 1
#define ARROW_FLAG_NULLABLE 2
#define ARROW_FLAG_MAP_KEYS_SORTED 4

struct ArrowSchema {
  const char* format;
  const char* name;
  const char* metadata;
  int64_t flags;
  int64_t n_children;
  struct ArrowSchema** children;
  struct ArrowSchema* dictionary;
  void (*release)(struct ArrowSchema*);
  void* private_data;
};

struct ArrowArray {
  int64_t length;
  int64_t null_count;
  int64_t offset;
  int64_t n_buffers;
  int64_t n_children;
  const void** buffers;
  struct ArrowArray** children;
  struct ArrowArray* dictionary;
  void (*release)(struct ArrowArray*);
  void* private_data;
};

#endif /* ARROW_C_DATA_INTERFACE */

/* A record batch crosses as a top-level struct array ("+s") whose children are the
 * columns. ABI 1 column formats: "b" bool, "i" int32, "l" int64, "f" float32,
 * "g" float64, "u" utf8, "tsu:" timestamp[us] without time zone. Every column may be
 * nullable through its validity bitmap. Batches of one node output all share the
 * schema that node's `open` returned; only the ArrowArray crosses per batch. */

/* ---- Status codes ----------------------------------------------------------------- */
typedef enum TrestleStatusCode {
  TRESTLE_OK = 0,
  TRESTLE_INVALID_ARGUMENT = 1,   /* bad config or parameters; never retried */
  TRESTLE_DATA_ERROR = 2,         /* a bad row or batch; handled by the node's on_error */
  TRESTLE_UNAVAILABLE = 3,        /* retried with backoff */
  TRESTLE_DEADLINE_EXCEEDED = 4,  /* retried with backoff */
  TRESTLE_RESOURCE_EXHAUSTED = 5, /* retried with backoff, never truncated silently */
  TRESTLE_INTERNAL = 6,           /* a bug; fails the run */
  TRESTLE_CANCELLED = 7           /* the host asked the operator to stop */
} TrestleStatusCode;

/* ---- Host services ---------------------------------------------------------------- */
typedef enum TrestleLogSeverity {
  TRESTLE_LOG_INFO = 0,
  TRESTLE_LOG_WARNING = 1,
  TRESTLE_LOG_ERROR = 2
} TrestleLogSeverity;

/* Functions the host offers to an operator. Every function takes the `self` pointer of
 * the TrestleHost it came from. All are thread-safe. Append-only. */
typedef struct TrestleHostApi {
  uint32_t struct_size;
  /* A log line; the host tags it with pipeline and node. */
  void (*log)(void* self, int32_t severity, const char* message);
  /* Node-scoped metrics; `name` is a bare metric name such as "cache_hits". */
  void (*counter_add)(void* self, const char* name, double delta);
  void (*gauge_set)(void* self, const char* name, double value);
  /* An event (a finding, a model swap...); `json` is a JSON object, may be NULL. */
  void (*emit_event)(void* self, const char* kind, const char* json);
  /* Records the error of the failing call. The operator then returns `code`. */
  void (*set_error)(void* self, int32_t code, const char* message);
  /* Rejects one row of the input batch of the current process/write call; the host
   * sends that row to the node's dead-letter output with `reason`. The operator's
   * output must not contain the row. */
  void (*reject_row)(void* self, int64_t row, int32_t code, const char* reason);
  /* Rejects one raw record a source could not turn into a row (a malformed line);
   * `record` is the record's text, `location` where it was (e.g. "data.csv:17"). */
  void (*reject_record)(void* self, const char* record, const char* location,
                        int32_t code, const char* reason);
  /* Non-zero once the host wants the operator to stop (drain or abort). */
  int32_t (*cancelled)(void* self);
  /* Progress of a source through a finite input: `done` of `total` units (bytes,
   * rows...); total <= 0 when unknown. */
  void (*progress)(void* self, double done, double total);
  /* ABI 1.2: reject_record with the record's length, so that a record holding NUL
   * bytes reaches the dead letters whole. Check struct_size before calling it. */
  void (*reject_record_bytes)(void* self, const char* record, size_t record_len, const char* location,
                              int32_t code, const char* reason);
} TrestleHostApi;

/* What an operator receives with every call. Valid for the duration of the call;
 * `self` identifies node and call (row rejects belong to the call they were made in). */
typedef struct TrestleHost {
  uint32_t struct_size;
  const TrestleHostApi* api;
  void* self;
} TrestleHost;

/* ---- Parameters and options ------------------------------------------------------- */
typedef enum TrestleParamType {
  TRESTLE_PARAM_BOOL = 1,
  TRESTLE_PARAM_INT = 2,         /* int64 */
  TRESTLE_PARAM_DOUBLE = 3,
  TRESTLE_PARAM_STRING = 4,
  TRESTLE_PARAM_STRING_LIST = 5,
  TRESTLE_PARAM_DOUBLE_LIST = 6,
  TRESTLE_PARAM_STRING_MAP = 7   /* string -> list of strings; a scalar is a list of one */
} TrestleParamType;

enum {
  TRESTLE_PARAM_REQUIRED = 1,
  TRESTLE_PARAM_SECRET = 2,      /* never logged, printed or stored */
  TRESTLE_PARAM_HAS_MIN = 4,     /* numeric (or list length) lower bound in `min` */
  TRESTLE_PARAM_HAS_MAX = 8,     /* numeric (or list length) upper bound in `max` */
  TRESTLE_PARAM_HAS_DEFAULT = 16, /* `default_value` holds the default as YAML/JSON text */
  /* ABI 1.2, STRING parameters: the value names a file the operator creates or replaces.
   * The host refuses two nodes naming the same file, and at start removes what a dead
   * process of this user left beside it ("<path>.tmp-<pid>", see TrestleSinkFns). */
  TRESTLE_PARAM_OUTPUT_PATH = 32,
  /* STRING parameters: the value names a file the operator reads. The host refuses an
   * output of another node (or its own dead letters, its report) that names the same
   * file. A host that does not know this bit ignores it. */
  TRESTLE_PARAM_INPUT_PATH = 64
};

typedef struct TrestleParamSpec {
  uint32_t struct_size;
  const char* name;
  const char* doc;
  int32_t type;                  /* TrestleParamType */
  int32_t flags;                 /* TRESTLE_PARAM_* bits */
  const char* default_value;     /* JSON text, e.g. "0.5", "\"bucket\"", "[]"; or NULL */
  double min;
  double max;
  const char* const* enum_values; /* allowed strings for STRING / STRING_LIST; or NULL */
  size_t num_enum_values;
} TrestleParamSpec;

/* One validated option value. The host fills every declared parameter that has a value
 * or a default; the operator never sees an unknown key or a wrong type. */
typedef struct TrestleOptionValue {
  uint32_t struct_size;
  const char* name;
  int32_t type;                  /* TrestleParamType */
  int32_t boolean;
  int64_t integer;
  double number;
  const char* string;
  const char* const* strings;    /* STRING_LIST items; STRING_MAP keys */
  size_t num_strings;
  const double* numbers;         /* DOUBLE_LIST items */
  size_t num_numbers;
  /* STRING_MAP: for key i, values map_values[i][0 .. map_counts[i]) */
  const char* const* const* map_values;
  const size_t* map_counts;
} TrestleOptionValue;

typedef struct TrestleOptions {
  uint32_t struct_size;
  const TrestleOptionValue* const* values;
  size_t num_values;
} TrestleOptions;

/* ---- Operators -------------------------------------------------------------------- */
typedef enum TrestleRole {
  TRESTLE_ROLE_SOURCE = 1,
  TRESTLE_ROLE_TRANSFORM = 2,
  TRESTLE_ROLE_MODEL = 3,
  TRESTLE_ROLE_SINK = 4,
  TRESTLE_ROLE_MONITOR = 5
} TrestleRole;

typedef enum TrestleThreading {
  TRESTLE_THREADING_SERIAL = 0,     /* one instance, one call at a time */
  TRESTLE_THREADING_REENTRANT = 1,  /* one instance, concurrent process calls */
  TRESTLE_THREADING_PER_WORKER = 2  /* one instance per worker, each called serially */
} TrestleThreading;

enum {
  TRESTLE_OP_ORDERED_INPUT = 1,  /* a sink that wants batches in source order */
  /* ABI 1.3, transforms only: an aggregating transform (e.g. group_aggregate) absorbs
   * every input row in `process` (its outputs there must have zero rows) and emits its
   * result through TrestleProcessFns.finish once all of its input has been processed.
   * The host requires `finish` to be non-NULL with this flag and refuses the plugin
   * otherwise; a host older than 1.3 refuses the flag as unknown. */
  TRESTLE_OP_AGGREGATE = 2
};

/* Functions every operator has. `instance` is what `create` returned. Every function
 * returns a TrestleStatusCode; on failure it has called host->api->set_error first. */
typedef struct TrestleLifecycleFns {
  uint32_t struct_size;
  /* Builds an instance from validated options; rejects illegal combinations with
   * TRESTLE_INVALID_ARGUMENT. */
  int32_t (*create)(const TrestleOptions* options, const TrestleHost* host,
                    void** instance);
  /* Given the input schema (NULL for sources), fills `output` with the operator's
   * output schema (sources, transforms, models; sinks and monitors leave it zeroed).
   * Refuses an input schema it cannot work with, naming the column. */
  int32_t (*open)(void* instance, const TrestleHost* host, const struct ArrowSchema* input,
                  struct ArrowSchema* output);
  /* Flushes and releases resources; called once, after the last other call. */
  int32_t (*close)(void* instance, const TrestleHost* host);
  void (*destroy)(void* instance);
} TrestleLifecycleFns;

typedef struct TrestleSourceFns {
  uint32_t struct_size;
  /* Fills `batch` with the next batch of at most `max_rows` rows, or sets
   * *end_of_stream to 1 (and leaves `batch` zeroed). Batch sequence numbers are
   * assigned by the host: 0, 1, 2... in the order of successful `next` calls. */
  int32_t (*next)(void* instance, const TrestleHost* host, int64_t max_rows,
                  struct ArrowArray* batch, int32_t* end_of_stream);
  /* Every sink has committed batch `seq` and every batch before it from this source. */
  int32_t (*ack)(void* instance, const TrestleHost* host, uint64_t seq);
} TrestleSourceFns;

/* ABI 1.1: what a model instance serves, for run reports and metrics. The strings
 * belong to the instance and stay valid until its next call or `destroy`. */
typedef struct TrestleModelInfo {
  uint32_t struct_size;
  const char* framework;         /* e.g. "xgboost 1.7.4"; "" when not told */
  const char* version;           /* the model's own version (from its file); "" if none */
} TrestleModelInfo;

/* Transforms and models. A transform's output may have fewer rows than its input
 * (rejected or filtered rows); a model's output has exactly the input rows that it did
 * not reject, in order. */
typedef struct TrestleProcessFns {
  uint32_t struct_size;
  int32_t (*process)(void* instance, const TrestleHost* host, struct ArrowArray* input,
                     struct ArrowArray* output);
  /* ABI 1.1, models only, may be NULL: fills `info` after a successful `open`. The host
   * sets info->struct_size to the size it knows; the plugin fills only what fits. */
  int32_t (*describe_model)(void* instance, const TrestleHost* host, TrestleModelInfo* info);
  /* ABI 1.3, aggregating transforms (TRESTLE_OP_AGGREGATE) only, NULL otherwise: called
   * after every input batch has gone through `process`, repeatedly, until it sets
   * *end_of_stream to 1 (leaving `output` zeroed); each call fills `output` with the next
   * at most `max_rows` rows of the result, in the operator's output schema. Called only
   * for a run that has not failed; the result is new rows, not the input's. */
  int32_t (*finish)(void* instance, const TrestleHost* host, int64_t max_rows, struct ArrowArray* output,
                    int32_t* end_of_stream);
} TrestleProcessFns;

typedef struct TrestleSinkFns {
  uint32_t struct_size;
  int32_t (*write)(void* instance, const TrestleHost* host, struct ArrowArray* batch);
  /* Makes everything written so far durable. `final` is 1 for the last commit of a
   * run that succeeded or was drained by a signal. A failed run gets no final commit.
   * Without `publish` (below), a sink that publishes atomically does it here. With
   * `publish`, the final commit only prepares: the output is complete and durable
   * (e.g. "<path>.tmp-<pid>" written and fsynced) but not yet visible. */
  int32_t (*commit)(void* instance, const TrestleHost* host, int32_t final);
  /* ABI 1.2, may be NULL: makes the prepared output visible (e.g. renames the
   * temporary file over the path and fsyncs the directory). Called at most once, after
   * the final commit of *every* sink of the run succeeded and the run passed its commit
   * point (from then on a signal no longer aborts it); never for a failed or aborted
   * run, which only gets `close`, where the sink discards what it prepared. Should not
   * fail for any reason the final commit could have found. A sink with `publish` has
   * its rows durable only once published: the sources feeding it are acked at the end
   * of the run, not at periodic commits. */
  int32_t (*publish)(void* instance, const TrestleHost* host);
} TrestleSinkFns;

typedef struct TrestleMonitorFns {
  uint32_t struct_size;
  /* A read-only view of a batch; never on the critical path. */
  int32_t (*observe)(void* instance, const TrestleHost* host, struct ArrowArray* batch);
} TrestleMonitorFns;

typedef struct TrestleOperatorDef {
  uint32_t struct_size;
  const char* name;              /* unique across all loaded plugins, [a-z0-9_]+ */
  const char* doc;
  int32_t role;                  /* TrestleRole */
  int32_t threading;             /* TrestleThreading */
  int32_t flags;                 /* TRESTLE_OP_* bits */
  const TrestleParamSpec* const* params;
  size_t num_params;
  const char* input_doc;         /* what input schema it requires, for people; or NULL */
  const char* output_doc;        /* what it adds or produces, for people; or NULL */
  const TrestleLifecycleFns* lifecycle;
  /* Exactly the table of `role` is non-NULL (process serves transforms and models). */
  const TrestleSourceFns* source;
  const TrestleProcessFns* process;
  const TrestleSinkFns* sink;
  const TrestleMonitorFns* monitor;
} TrestleOperatorDef;

/* ---- The plugin descriptor -------------------------------------------------------- */
typedef struct TrestlePluginDescriptor {
  uint32_t struct_size;
  uint32_t abi_major;            /* TRESTLE_ABI_MAJOR the plugin was built with */
  uint32_t abi_minor;
  const char* name;
  const char* version;
  const TrestleOperatorDef* const* operators;
  size_t num_operators;
  /* Non-NULL when the plugin could not describe itself; the host refuses it with
   * this message. */
  const char* error;
} TrestlePluginDescriptor;

/* Called once after loading. The descriptor stays valid until the library unloads. */
typedef const TrestlePluginDescriptor* (*TrestlePluginEntryFn)(uint32_t host_abi_major,
                                                              uint32_t host_abi_minor);

#ifdef __cplusplus
}
#endif

#endif /* TRESTLE_C_ABI_H_ */
