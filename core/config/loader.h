#pragma once
/// Reading a pipeline file (YAML, JSON or protobuf text) into config::Pipeline, with the
/// location of every field, environment interpolation and --set overrides applied.
/// Checking what was read against the operators is structure_check.h / option_check.h;
/// validate.h runs all of it.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "config/diagnostic.h"
#include "config/interpolate.h"
#include "config/source_map.h"
#include "proto/pipeline.pb.h"

namespace trestle::core {

enum class Format { kYaml, kJson, kTextproto };

/// By extension, case-insensitively: .yaml/.yml, .json, .pbtxt/.textproto/.txtpb.
Result<Format> FormatFromPath(const std::string& path);

struct LoadOptions {
  /// "NODE.OPTION=VALUE" / "NODE.OPTION.SUB=VALUE" from --set, applied in order after
  /// reading; VALUE is a YAML scalar or flow list/map (`features.columns=[a,b]`). May
  /// add option keys the operator does not have (CheckOptions reports those).
  std::vector<std::string> overrides;
  /// Environment for ${VAR}; empty = the process environment.
  Getenv getenv;
  /// When false (the default) any diagnostic makes the load fail. When true, field-level
  /// problems (unknown keys, wrong types, unset variables, bad overrides) still return
  /// the pipeline with those fields unset (a list element empty, an option null), so
  /// that a validator can report every later problem in the same run; the pipeline is
  /// then usable only if no diagnostic was added. Unreadable files and syntax errors
  /// always fail.
  bool continue_on_error = false;
};

/// A pipeline as read from one file. Plain value; owns everything.
struct LoadedPipeline {
  config::Pipeline pipeline;  ///< as written, after interpolation and overrides; no defaults
  SourceMap locations;        ///< where each field came from; number/bool spellings
  std::string file;           ///< the path or display name it was read from
  /// SHA-256 hex of the canonical config (deterministic protobuf serialization plus the
  /// non-canonical number/bool spellings): equal for YAML, JSON and protobuf text of
  /// the same pipeline. Includes option values marked secret, hashed, not stored.
  std::string text_hash;

  /// A diagnostic about `path`: file, line and column from `locations` (the longest
  /// recorded prefix; the origin of an override), node name from "nodes[N]".
  Diagnostic DiagnosticAt(const std::string& path, std::string message) const;
  /// The source text of the number or bool scalar at `path`: its original spelling
  /// when recorded, else the canonical one. nullopt for strings, lists, mappings, null.
  std::optional<std::string> ScalarText(const std::string& path,
                                        const google::protobuf::Value& value) const;
};

/// Reads and parses `path`. A missing, unreadable or empty file, an unknown extension
/// and a syntax error give a diagnostic naming the file (and line/column when known)
/// and an INVALID_ARGUMENT Status with the first diagnostic. `diags` may be null.
Result<LoadedPipeline> LoadPipelineFile(const std::string& path, const LoadOptions& options,
                                        Diagnostics* diags);

/// Same from text; `display_name` is used as the file name in diagnostics.
Result<LoadedPipeline> LoadPipelineText(std::string_view text, Format format,
                                        const std::string& display_name, const LoadOptions& options,
                                        Diagnostics* diags);

}  // namespace trestle::core
