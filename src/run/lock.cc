#include "run/lock.h"

#include <fmt/format.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>

#include "base/log.h"

namespace dw::run {

std::string RunLock::HostName() {
  char buf[256] = {0};
  if (gethostname(buf, sizeof buf - 1) != 0) return "localhost";
  return buf;
}

Result<LockOwner> ReadLock(Env* env, const std::string& path) {
  DW_ASSIGN_OR_RETURN(std::string text, ReadFileToString(env, path));
  LockOwner o;
  size_t sp = text.rfind(' ');
  if (sp == std::string::npos) {
    o.host = text;
  } else {
    o.host = text.substr(0, sp);
    std::string_view pid = std::string_view(text).substr(sp + 1);
    while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' ')) pid.remove_suffix(1);
    std::from_chars(pid.data(), pid.data() + pid.size(), o.pid);
  }
  auto mtime = env->GetFileMTime(path);
  if (mtime.ok()) o.age_seconds = env->NowMicros() / 1000000 - *mtime;
  return o;
}

namespace {
bool PidAlive(int64_t pid) {
  if (pid <= 0) return false;
  return kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM;
}
}  // namespace

RunLock::RunLock(Env* env, std::string path, std::string content, int64_t heartbeat_seconds)
    : env_(env),
      path_(std::move(path)),
      content_(std::move(content)),
      heartbeat_seconds_(heartbeat_seconds) {
  thread_ = std::thread([this] { Heartbeat(); });
}

Result<std::unique_ptr<RunLock>> RunLock::Acquire(Env* env, const std::string& path,
                                                  const Options& options) {
  DW_RETURN_IF_ERROR(env->CreateDirs(DirName(path)));
  std::string host = HostName();
  std::string content = fmt::format("{} {}", host, static_cast<int64_t>(getpid()));
  for (int attempt = 0; attempt < 2; ++attempt) {
    auto f = env->NewWritableFile(path, OpenMode::kCreateExclusive);
    if (f.ok()) {
      Status s = (*f)->Append(content);
      if (s.ok()) s = (*f)->Sync();
      if (s.ok()) s = (*f)->Close();
      if (!s.ok()) {
        (void)env->RemoveFile(path);
        return s;
      }
      return std::unique_ptr<RunLock>(
          new RunLock(env, path, std::move(content), options.heartbeat_seconds));
    }
    if (!f.status().IsAlreadyExists()) return f.status();
    auto owner = ReadLock(env, path);
    if (!owner.ok()) {
      if (owner.status().IsNotFound()) continue;  // released meanwhile
      return owner.status();
    }
    bool stale = owner->age_seconds > options.stale_seconds ||
                 (owner->host == host && !PidAlive(owner->pid));
    if (attempt == 0 && (options.force || (options.break_stale && stale))) {
      LogWarn("removing {} lock {} of {} pid {} (heartbeat {} s ago)",
              options.force ? "(--force)" : "stale", path, owner->host, owner->pid,
              owner->age_seconds);
      DW_RETURN_IF_ERROR(env->RemoveFile(path));
      continue;
    }
    return Status::AlreadyExists(fmt::format("{}: locked by {} pid {} (heartbeat {} s ago{})", path,
                                             owner->host, owner->pid, owner->age_seconds,
                                             stale ? ", stale: use --force" : ""));
  }
  return Status::AlreadyExists(path + ": lock taken by another worker meanwhile");
}

void RunLock::Heartbeat() {
  std::unique_lock<std::mutex> lk(mu_);
  while (!stop_) {
    cv_.wait_for(lk, std::chrono::seconds(heartbeat_seconds_), [this] { return stop_; });
    if (stop_) break;
    auto text = ReadFileToString(env_, path_);
    if (!text.ok() || *text != content_) {
      LogError("lost the lock {}: {}", path_,
               text.ok() ? "taken over by " + *text : text.status().ToString());
      break;
    }
    Status s = WriteFileAtomic(env_, path_, content_);
    if (!s.ok()) LogWarn("heartbeat of lock {}: {}", path_, s.ToString());
  }
}

Status RunLock::Release() {
  {
    std::lock_guard<std::mutex> lk(mu_);
    if (released_) return Status::OK();
    released_ = true;
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  auto text = ReadFileToString(env_, path_);
  if (!text.ok()) return text.status().IsNotFound() ? Status::OK() : text.status();
  if (*text != content_) return Status::OK();  // not ours any more
  return env_->RemoveFile(path_);
}

RunLock::~RunLock() {
  Status s = Release();
  if (!s.ok()) LogWarn("release lock {}: {}", path_, s.ToString());
}

}  // namespace dw::run
