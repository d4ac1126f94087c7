#include "base/log.h"

#include <spdlog/sinks/ansicolor_sink.h>
#include <spdlog/spdlog.h>

#include <atomic>

namespace dw {
namespace {

std::atomic<int> g_level{static_cast<int>(LogLevel::kInfo)};

spdlog::logger& Logger() {
  static std::shared_ptr<spdlog::logger> logger = [] {
    auto l = std::make_shared<spdlog::logger>("dumpworks",
                                              std::make_shared<spdlog::sinks::ansicolor_stderr_sink_mt>());
    l->set_pattern("%Y-%m-%d %H:%M:%S [%l] %v");
    l->set_level(spdlog::level::trace);
    return l;
  }();
  return *logger;
}

}  // namespace

void SetLogLevel(LogLevel level) { g_level.store(static_cast<int>(level)); }
LogLevel GetLogLevel() { return static_cast<LogLevel>(g_level.load()); }

void LogLine(LogLevel level, std::string_view message) {
  spdlog::level::level_enum l = spdlog::level::info;
  switch (level) {
    case LogLevel::kDebug: l = spdlog::level::debug; break;
    case LogLevel::kInfo: l = spdlog::level::info; break;
    case LogLevel::kWarn: l = spdlog::level::warn; break;
    case LogLevel::kError: l = spdlog::level::err; break;
    case LogLevel::kOff: return;
  }
  Logger().log(l, "{}", message);
}

}  // namespace dw
