#include "base/log.h"

#include <spdlog/sinks/ansicolor_sink.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <mutex>

#include "base/log_tee.h"

namespace dw {
namespace {

std::atomic<int> g_level{static_cast<int>(LogLevel::kInfo)};

// Hands formatted lines to the function set by SetLogTee.
class TeeSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  void Set(std::function<void(std::string_view)> tee) {
    std::lock_guard l(mutex_);
    tee_ = std::move(tee);
  }

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    if (!tee_) return;
    spdlog::memory_buf_t buf;
    formatter_->format(msg, buf);
    tee_(std::string_view(buf.data(), buf.size()));
  }
  void flush_() override {}

 private:
  std::function<void(std::string_view)> tee_;
};

const std::shared_ptr<TeeSink>& Tee() {
  static auto* t = new std::shared_ptr<TeeSink>(std::make_shared<TeeSink>());  // never destroyed
  return *t;
}

spdlog::logger& Logger() {
  static std::shared_ptr<spdlog::logger> logger = [] {
    spdlog::sinks_init_list sinks = {std::make_shared<spdlog::sinks::ansicolor_stderr_sink_mt>(),
                                     Tee()};
    auto l = std::make_shared<spdlog::logger>("dumpworks", sinks);
    l->set_pattern("%Y-%m-%d %H:%M:%S [%l] %v");
    l->set_level(spdlog::level::trace);
    return l;
  }();
  return *logger;
}

}  // namespace

void SetLogLevel(LogLevel level) { g_level.store(static_cast<int>(level)); }
LogLevel GetLogLevel() { return static_cast<LogLevel>(g_level.load()); }

void SetLogTee(std::function<void(std::string_view line)> tee) {
  Logger();
  Tee()->Set(std::move(tee));
}

void LogLine(LogLevel level, std::string_view message) {
  spdlog::level::level_enum l = spdlog::level::info;
  switch (level) {
    case LogLevel::kDebug:
      l = spdlog::level::debug;
      break;
    case LogLevel::kInfo:
      l = spdlog::level::info;
      break;
    case LogLevel::kWarn:
      l = spdlog::level::warn;
      break;
    case LogLevel::kError:
      l = spdlog::level::err;
      break;
    case LogLevel::kOff:
      return;
  }
  Logger().log(l, "{}", message);
}

}  // namespace dw
