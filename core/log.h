// Log: leveled log lines to standard error, with a timestamp. Thread-safe.
#pragma once

#include <optional>
#include <string_view>

namespace ggs {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3, kOff = 4 };

// Sets the lowest level that is printed (default kInfo).
void SetLogLevel(LogLevel level);
// Parses "debug", "info", "warn", "error" or "off"; nullopt on anything else.
std::optional<LogLevel> ParseLogLevel(std::string_view name);
bool LogEnabled(LogLevel level);
void Log(LogLevel level, std::string_view message);

}  // namespace ggs
