#pragma once
/// Renders an operator's declared spec for people: plain text for the terminal and
/// Markdown for docs/ops-guide.md (generated, and kept in sync by a test).

#include <string>

#include "plugin/operator_info.h"

namespace trestle::cli {

std::string OperatorText(const core::OperatorInfo& op, const std::string& plugin_version);
std::string OperatorMarkdown(const core::OperatorInfo& op, const std::string& plugin_version);

}  // namespace trestle::cli
