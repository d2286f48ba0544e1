#pragma once
/// The subcommands of `trestle`. Each takes the arguments after its name and returns
/// the process exit code (exit_codes.h).

#include <string>
#include <vector>

namespace trestle::cli {

using Args = std::vector<std::string>;

int RunCommand(const Args& args);
int ServeCommand(const Args& args);
int ValidateCommand(const Args& args);
int PluginsCommand(const Args& args);
int GraphCommand(const Args& args);
int ProfileCommand(const Args& args);
int VersionCommand(const Args& args);
int RunsCommand(const Args& args);
int HistoryCommand(const Args& args);
int ReportCommand(const Args& args);

}  // namespace trestle::cli
